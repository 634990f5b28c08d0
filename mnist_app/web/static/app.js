// mnist_app's draw-a-digit page: draw on #pad (mouse, finger or pen), and the server's
// network reads the drawing while you draw; or drop a photo of a digit.
//
// The strokes are kept as data (points and pen widths in pad units, 0..1), so the pad can
// be redrawn at any size, undo is "drop the last stroke", and the picture sent to the
// server is always EXPORT_SIZE pixels square: black ink on a transparent background, as a
// canvas exports.

// Pixels of the PNG posted to /api/predict. Reading time grows with the picture's pixels,
// and accuracy does not: on 200 MNIST test digits drawn as canvases, 128 and 280 pixels
// are both read 198 times right, and a 280-pixel canvas takes about 5 times as long.
import { buildBars, percent, showBars } from "./bars.js";
import { currentModel, loadModel, showHidden } from "./neurons.js";
import {
  clearNumber, isSeveralDigits, numberMode, offerNumberMode, setUpNumberMode, showNumber,
} from "./number.js";
import { PAD_INK, drawPicture } from "./pixels.js";
import { onReaderChange, predictUrl } from "./reader.js";
import { ShownFile } from "./shown_file.js";
import { byteSize, maxBodyBytes } from "./sizes.js";
import { drawStrokes } from "./strokes.js";
import { installTeaching, pictureChanged } from "./teach.js";

// In number mode the pad is wider, and so is the PNG: EXPORT_SIZE tall.
const EXPORT_SIZE = 128;
const MIN_INTERVAL_MS = 100;      // at most 10 readings a second while drawing
const INK = `rgb(${PAD_INK})`;

const $ = (id) => document.getElementById(id);
const pad = $("pad");
const padContext = pad.getContext("2d");
const verdict = document.querySelector(".verdict");
const digitOutput = $("digit");
const stateText = $("state");

// ------------------------------------------------------------------------ state

let strokes = [];                 // [{width, points: [[x, y], ...]}], in units of the pad's height
let current = null;               // the stroke being drawn
let shown = null;                 // a dropped/chosen file on the pad (a ShownFile), or null
let padProblem = null;            // why the picture on the pad cannot be read (the verdict's words)
let generation = 0;               // bumped by Clear/new input: late answers are dropped

// ------------------------------------------------------------------------ drawing

function penWidth() {
  return Number($("pen").value) / 100;  // the control is in percent of the pad's height
}

function resizePad() {
  const scale = window.devicePixelRatio || 1;
  const width = Math.round(pad.clientWidth * scale);
  const height = Math.round(pad.clientHeight * scale);
  if (width > 0 && height > 0 && (pad.width !== width || pad.height !== height)) {
    pad.width = width;
    pad.height = height;
    redrawPad();
  }
}

// The pad's width over its height: 1, or wider in number mode.
function padAspect() {
  return pad.clientHeight > 0 ? pad.clientWidth / pad.clientHeight : 1;
}

function redrawPad() {
  padContext.clearRect(0, 0, pad.width, pad.height);
  if (shown) shown.draw(padContext, pad.width, pad.height);
  drawStrokes(padContext, pad.height, INK, strokes);
  $("pad-hint").hidden = strokes.length > 0 || shown !== null;  // a file the browser cannot show too
  const note = shown && shown.note();
  $("pad-note").hidden = !note;
  $("pad-note").textContent = note || "";
  $("undo").disabled = strokes.length === 0;
}

function padPoint(event) {
  const box = pad.getBoundingClientRect();
  const clamp = (v, high) => Math.min(high, Math.max(0, v));
  return [clamp((event.clientX - box.left) / box.height, box.width / box.height),
          clamp((event.clientY - box.top) / box.height, 1)];
}

function startStroke(event) {
  if (event.button !== 0) return;
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  if (shown) {                    // drawing replaces a shown photo
    shown = null;
    generation += 1;
  }
  current = { width: penWidth(), points: [padPoint(event)] };
  strokes.push(current);
  redrawPad();
  scheduleReading();
}

function extendStroke(event) {
  if (!current) return;
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  for (const each of events.length ? events : [event]) {
    current.points.push(padPoint(each));
  }
  redrawPad();
  scheduleReading();
}

function endStroke() {
  if (!current) return;
  current = null;
  scheduleReading();
}

function undo() {
  strokes.pop();
  current = null;
  redrawPad();
  if (strokes.length === 0) {
    clearReading();
  } else {
    scheduleReading();
  }
}

function clearAll() {
  strokes = [];
  current = null;
  shown = null;
  redrawPad();
  clearReading();
}

// ------------------------------------------------------------------------ reading

let inFlight = false;
let pending = false;
let timer = null;
let lastSent = -Infinity;

// Ask for a reading soon: at most one request in flight and one per MIN_INTERVAL_MS; the
// last change always gets read.
function scheduleReading() {
  pending = true;
  if (inFlight || timer !== null) return;
  const wait = Math.max(0, lastSent + MIN_INTERVAL_MS - performance.now());
  timer = setTimeout(readDrawing, wait);
}

async function readDrawing() {
  timer = null;
  if (!pending || strokes.length === 0) return;  // a blank pad is never sent
  pending = false;
  inFlight = true;
  lastSent = performance.now();
  const asked = generation;
  verdict.classList.add("reading");
  try {
    const answer = await post(await exportDrawing(), "image/png");
    if (asked === generation && strokes.length > 0) showAnswer(answer);
  } catch (error) {
    if (asked === generation) showProblem(`The server did not answer (${error.message}).`);
  } finally {
    inFlight = false;
    verdict.classList.remove("reading");
    if (pending) scheduleReading();
  }
}

function exportDrawing() {
  const canvas = document.createElement("canvas");
  canvas.height = EXPORT_SIZE;
  canvas.width = Math.round(EXPORT_SIZE * padAspect());
  drawStrokes(canvas.getContext("2d"), EXPORT_SIZE, "#000", strokes);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("no PNG"))), "image/png");
  });
}

async function post(body, type) {
  const response = await fetch(numberMode() ? "/api/number" : predictUrl(), {
    method: "POST",
    headers: { "Content-Type": type },
    body,
  });
  let json = null;
  try {
    json = await response.json();
  } catch {
    // e.g. a proxy's HTML error page: reported by status below
  }
  return { status: response.status, json };
}

async function readFile(file) {
  if (!file) return;
  strokes = [];
  current = null;
  generation += 1;
  const asked = generation;
  shown = null;                   // the file before, if any, while the browser decodes this one
  padProblem = null;
  pictureChanged();
  const opened = await ShownFile.open(file);
  if (asked !== generation) return;
  shown = opened;
  redrawPad();
  const tooLarge = sizeProblem(file);
  if (tooLarge) {
    showProblem(tooLarge);
    return;
  }
  verdict.classList.add("reading");
  try {
    const answer = await post(file, file.type || "application/octet-stream");
    if (asked === generation) {
      shown.read(answer);         // a file the browser cannot show is drawn as the server read it
      redrawPad();
      showAnswer(answer);
    }
  } catch (error) {
    if (asked === generation) showProblem(`The server did not answer (${error.message}).`);
  } finally {
    verdict.classList.remove("reading");
  }
}

// The page's own words for a file larger than the server reads (null if it is not): checked
// before sending it, so that it is never uploaded only to be refused.
function sizeProblem(file) {
  const limit = maxBodyBytes(currentModel());
  return file.size > limit ? `That file is ${byteSize(file.size)}; the server reads images up to ${byteSize(limit)}.`
    : null;
}

// ------------------------------------------------------------------------ showing

function setVerdict(kind, digit, text, problem = null) {
  verdict.classList.remove("unsure", "no-digit", "error");
  if (kind) verdict.classList.add(kind);
  digitOutput.textContent = digit;
  stateText.textContent = text;
  padProblem = problem;
  pictureChanged();               // teaching needs a picture the server can read
}

function showAnswer({ status, json }) {
  if (status === 200 && json && numberMode()) {
    setVerdict(json.unsure ? "unsure" : null, "", json.unsure ? "Unsure of some digits" : "Read left to right");
    showNumber(json, boxOnPad);
  } else if (status === 200 && json) {
    showReading(json);
  } else if (status === 422) {
    setVerdict("no-digit", "", "No digit found: the picture looks blank.");
    clearNetwork();
  } else if (isSeveralDigits(status, json)) {
    setVerdict(null, "", "");
    offerNumberMode(stateText, "Looks like several digits.");
    clearNetwork();
  } else {
    const reason = json && json.error ? json.error : `HTTP ${status}`;
    showProblem(`Could not read that image: ${reason}.`);
  }
}

function showReading(reading) {
  const ranked = reading.probabilities.map((p, d) => [p, d]).sort((a, b) => b[0] - a[0]);
  if (reading.not_a_digit) {
    // Digits drawn close on the square pad are not clearly a number, so the server reads
    // them as one picture, which is no digit: number mode may read them.
    setVerdict("no-digit", "", "");
    offerNumberMode(stateText, "Not a digit. Several digits?");
  } else if (reading.unsure) {
    setVerdict("unsure", String(reading.digit),
      `Unsure: ${reading.digit} (${percent(ranked[0][0])}) or ${ranked[1][1]} (${percent(ranked[1][0])})?`);
  } else {
    setVerdict(null, String(reading.digit), `${percent(reading.confidence)} sure`);
  }
  showBars(reading.probabilities, reading.not_a_digit ? -1 : reading.digit);
  showSeen(reading.input);
  showHidden(reading.hidden);
}

function showProblem(text) {
  setVerdict("error", "", text, text);
  clearNetwork();
}

// A box [left, top, right, bottom] in the posted picture's pixels, in CSS pixels of the pad:
// the drawing was posted EXPORT_SIZE tall; a file is shown as ShownFile fits it.
function boxOnPad(box) {
  if (shown) return shown.toPad(box, pad.clientWidth, pad.clientHeight);
  const scale = pad.clientHeight / EXPORT_SIZE;
  return box.map((value) => value * scale);
}

function clearReading() {
  generation += 1;
  pending = false;
  setVerdict(null, "", numberMode() ? "Write a number on the pad." : "Draw a digit on the pad.");
  clearNetwork();
}

function clearNetwork() {
  clearNumber();
  showBars(null, -1);
  showSeen(null);
  showHidden(null);
}

function showSeen(input) {
  drawPicture($("seen").getContext("2d"), input);
}

// ------------------------------------------------------------------------ wiring

function dropTarget() {
  const frame = $("drop");
  const stop = (event) => event.preventDefault();
  // A file dropped anywhere else must not make the browser leave the page.
  document.addEventListener("dragover", stop);
  document.addEventListener("drop", stop);
  frame.addEventListener("dragenter", () => frame.classList.add("dragging"));
  frame.addEventListener("dragleave", () => frame.classList.remove("dragging"));
  frame.addEventListener("drop", (event) => {
    frame.classList.remove("dragging");
    readFile(event.dataTransfer.files[0]);
  });
}

function start() {
  buildBars();
  clearNetwork();
  pad.addEventListener("pointerdown", startStroke);
  pad.addEventListener("pointermove", extendStroke);
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);
  $("undo").addEventListener("click", undo);
  $("clear").addEventListener("click", clearAll);
  $("file").addEventListener("change", (event) => {
    readFile(event.target.files[0]);
    event.target.value = "";      // choosing the same file again reads it again
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      clearAll();
    } else if (event.key === "z" && (event.ctrlKey || event.metaKey) && !event.shiftKey) {
      event.preventDefault();
      undo();
    }
  });
  dropTarget();
  onReaderChange(scheduleReading);
  setUpNumberMode((entered) => {
    if (entered) {                // the pad only widens: the drawing stays, read as a number
      clearReading();
      resizePad();
      readAgain();
    } else {
      clearAll();
      resizePad();
    }
  });
  new ResizeObserver(resizePad).observe(pad);
  resizePad();
  redrawPad();
  loadModel();
}

// For teach.js: the picture on the pad (a PNG of the drawing, or the file shown; null if
// blank), why it cannot be read (null if it can), and reading it again with the shipped model.
function currentPicture() {
  if (shown) return Promise.resolve(shown.file);
  return strokes.length ? exportDrawing() : Promise.resolve(null);
}

function readAgain() {
  if (shown) {
    readFile(shown.file);
  } else {
    scheduleReading();
  }
}

start();
installTeaching({ currentPicture, pictureProblem: () => padProblem, readAgain, showReading, model: currentModel });
