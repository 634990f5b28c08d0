// mnist_app's draw-a-digit page: draw on #pad (mouse, finger or pen), and the server's
// network reads the drawing while you draw; or drop a photo of a digit. What is on the pad
// and how it is drawn: pad.js.

import { buildBars, percent, showBars } from "./bars.js";
import { currentModel, loadModel, showHidden } from "./neurons.js";
import {
  clearNumber, isSeveralDigits, numberMode, offerNumberMode, placeNumber, setUpNumberMode, showNumber,
} from "./number.js";
import {
  clearPad, exportDrawing, hasStrokes, placement, redrawPad, resizePad, setUpPad, showFile, shownFile, undoStroke,
} from "./pad.js";
import { drawPicture } from "./pixels.js";
import { onReaderChange, predictUrl } from "./reader.js";
import { ShownFile } from "./shown_file.js";
import { byteSize, maxBodyBytes } from "./sizes.js";
import { installTeaching, pictureChanged } from "./teach.js";

const MIN_INTERVAL_MS = 100;      // at most 10 readings a second while drawing

const $ = (id) => document.getElementById(id);
const verdict = document.querySelector(".verdict");
const digitOutput = $("digit");
const stateText = $("state");

let padProblem = null;            // why the picture on the pad cannot be read (the verdict's words)
let generation = 0;               // bumped by Clear/new input: late answers are dropped

function undo() {
  if (undoStroke()) {
    scheduleReading();
  } else {
    clearReading();
  }
}

function clearAll() {
  clearPad();
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
  if (!pending || !hasStrokes()) return;  // a blank pad is never sent
  pending = false;
  inFlight = true;
  lastSent = performance.now();
  const asked = generation;
  verdict.classList.add("reading");
  try {
    const picture = exportDrawing();
    const toPad = placement();
    const answer = await post(await picture, "image/png");
    if (asked === generation && hasStrokes()) showAnswer(answer, toPad);
  } catch (error) {
    if (asked === generation) showProblem(`The server did not answer (${error.message}).`);
  } finally {
    inFlight = false;
    verdict.classList.remove("reading");
    if (pending) scheduleReading();
  }
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
  generation += 1;
  const asked = generation;
  showFile(null);                 // not the file before, if any, while the browser decodes this one
  clearNumber();
  padProblem = null;
  pictureChanged();
  const opened = await ShownFile.open(file);
  if (asked !== generation) return;
  showFile(opened);
  const tooLarge = sizeProblem(file);
  if (tooLarge) {
    showProblem(tooLarge);
    return;
  }
  verdict.classList.add("reading");
  try {
    const answer = await post(file, file.type || "application/octet-stream");
    if (asked === generation) {
      opened.read(answer);        // a file the browser cannot show is drawn as the server read it
      redrawPad();
      showAnswer(answer, placement());
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

// ``toPad`` maps a box in the picture sent to the pad (pad.js's placement when it was sent).
function showAnswer({ status, json }, toPad) {
  if (status === 200 && json && numberMode()) {
    setVerdict(json.unsure ? "unsure" : null, "", json.unsure ? "Unsure of some digits" : "Read left to right");
    showNumber(json, toPad);
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
  setUpPad({
    drawn: (replacedFile) => {
      if (replacedFile) clearReading();  // the file's reading goes with it
      scheduleReading();
    },
    resized: placeNumber,         // the digits' boxes follow the pad
  });
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
  loadModel();
}

// For teach.js: the picture on the pad (a PNG of the drawing, or the file shown; null if
// blank), why it cannot be read (null if it can), and reading it again with the shipped model.
function currentPicture() {
  if (shownFile()) return Promise.resolve(shownFile().file);
  return hasStrokes() ? exportDrawing() : Promise.resolve(null);
}

function readAgain() {
  if (shownFile()) {
    readFile(shownFile().file);
  } else {
    scheduleReading();
  }
}

start();
installTeaching({ currentPicture, pictureProblem: () => padProblem, readAgain, showReading, model: currentModel });
