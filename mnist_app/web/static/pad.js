// The drawing pad (#pad) and what is on it: the user's strokes, or a chosen or dropped file
// (a ShownFile), drawn at the pad's size whenever that changes (a window resized, a phone
// turned, number mode widening the pad), and where a reading's boxes lie on it now.
//
// The strokes are kept as data (points and pen widths in units of the pad's height), so the
// pad can be redrawn at any size, undo is "drop the last stroke", and the picture sent to
// the server is always EXPORT_SIZE pixels tall: black ink on a transparent background, as
// a canvas exports. A pad of the same shape shows them scaled; a pad narrowed past a point
// of them (number mode is 3:1 beside a desktop's window, 2:1 on a phone held upright)
// scales them down to fit its width, centred in its height, so that none is hidden or left
// out of the next reading; widening it again leaves them as they are.

import { PAD_INK } from "./pixels.js";
import { drawStrokes, fitStrokes } from "./strokes.js";

// Pixels of the height of the PNG posted to /api/predict (in number mode the pad is wider,
// and so is the PNG). Reading time grows with the picture's pixels, and accuracy does not:
// on 200 MNIST test digits drawn as canvases, 128 and 280 pixels are both read 198 times
// right, and a 280-pixel canvas takes about 5 times as long.
const EXPORT_SIZE = 128;

const INK = `rgb(${PAD_INK})`;
const $ = (id) => document.getElementById(id);
const pad = $("pad");
const padContext = pad.getContext("2d");

let strokes = [];                 // [{width, points: [[x, y], ...]}], in units of the pad's height
let current = null;               // the stroke being drawn
let shown = null;                 // a dropped/chosen file on the pad (a ShownFile), or null
// Every fitting of the strokes to a narrower pad since the page opened, composed: a point
// drawn at (x, y) is now at (x * scale, y * scale + dy). A reading's boxes follow it.
const fitted = { scale: 1, dy: 0 };

export function hasStrokes() {
  return strokes.length > 0;
}

export function shownFile() {
  return shown;
}

// Put ``file`` (a ShownFile, or null while the next one is decoded) on the pad instead of
// anything drawn.
export function showFile(file) {
  strokes = [];
  current = null;
  shown = file;
  redrawPad();
}

export function clearPad() {
  showFile(null);
}

// Drop the last stroke; true if some are left.
export function undoStroke() {
  strokes.pop();
  current = null;
  redrawPad();
  return hasStrokes();
}

// Size the canvas to the pad as laid out (in device pixels), fit the strokes if it
// narrowed, and draw it again.
export function resizePad() {
  const scale = window.devicePixelRatio || 1;
  const width = Math.round(pad.clientWidth * scale);
  const height = Math.round(pad.clientHeight * scale);
  if (width > 0 && height > 0 && (pad.width !== width || pad.height !== height)) {
    pad.width = width;
    pad.height = height;
    const fit = fitStrokes(strokes, padAspect());
    if (fit) Object.assign(fitted, { scale: fitted.scale * fit.scale, dy: fitted.dy * fit.scale + fit.dy });
    redrawPad();
  }
}

// The pad's width over its height: 1, or wider in number mode.
function padAspect() {
  return pad.clientHeight > 0 ? pad.clientWidth / pad.clientHeight : 1;
}

export function redrawPad() {
  padContext.clearRect(0, 0, pad.width, pad.height);
  if (shown) shown.draw(padContext, pad.width, pad.height);
  drawStrokes(padContext, pad.height, INK, strokes);
  $("pad-hint").hidden = hasStrokes() || shown !== null;  // a file the browser cannot show too
  const note = shown && shown.note();
  $("pad-note").hidden = !note;
  $("pad-note").textContent = note || "";
  $("undo").disabled = !hasStrokes();
}

// The drawing as a PNG (a Blob) EXPORT_SIZE pixels tall, as wide as the pad's shape. The
// strokes are first fitted to the pad as laid out now: a reading may be sent after the
// window was resized and before the browser reported the pad's new size.
export function exportDrawing() {
  resizePad();
  const canvas = document.createElement("canvas");
  canvas.height = EXPORT_SIZE;
  canvas.width = Math.round(EXPORT_SIZE * padAspect());
  drawStrokes(canvas.getContext("2d"), EXPORT_SIZE, "#000", strokes);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("no PNG"))), "image/png");
  });
}

// For what is on the pad now (the file shown, or the drawing as exportDrawing just sent it):
// a function from a box [left, top, right, bottom] in the pixels of the picture sent to
// that box in CSS pixels of the pad at its size when called, as the file is shown or the
// strokes have been fitted since.
export function placement() {
  if (shown) {
    const file = shown;
    return (box) => file.toPad(box, pad.clientWidth, pad.clientHeight);
  }
  const sent = { ...fitted };
  return (box) => {
    const scale = fitted.scale / sent.scale;
    const [left, top, right, bottom] = box.map((value) => value / EXPORT_SIZE);
    const y = (value) => (value - sent.dy) * scale + fitted.dy;
    return [left * scale, y(top), right * scale, y(bottom)].map((units) => units * pad.clientHeight);
  };
}

// ------------------------------------------------------------------------ drawing

function penWidth() {
  return Number($("pen").value) / 100;  // the control is in percent of the pad's height
}

function padPoint(event) {
  const box = pad.getBoundingClientRect();
  const clamp = (v, high) => Math.min(high, Math.max(0, v));
  return [clamp((event.clientX - box.left) / box.height, box.width / box.height),
          clamp((event.clientY - box.top) / box.height, 1)];
}

// Draw with the mouse, a finger or a pen: ``drawn(replacedFile)`` after each change to the
// strokes, ``replacedFile`` true when a first stroke took a shown file's place. ``resized()``
// after the pad changed size (and was drawn again), for what lies over it.
export function setUpPad({ drawn, resized }) {
  pad.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    const replacedFile = shown !== null;
    shown = null;                 // drawing replaces a shown photo
    current = { width: penWidth(), points: [padPoint(event)] };
    strokes.push(current);
    redrawPad();
    drawn(replacedFile);
  });
  pad.addEventListener("pointermove", (event) => {
    if (!current) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const each of events.length ? events : [event]) {
      current.points.push(padPoint(each));
    }
    redrawPad();
    drawn(false);
  });
  const endStroke = () => {
    if (!current) return;
    current = null;
    drawn(false);
  };
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);
  new ResizeObserver(() => {
    resizePad();
    resized();                    // also when only the CSS size changed (a zoom)
  }).observe(pad);
  resizePad();
  redrawPad();
}
