// mnist_app's Train view: start a run of the book's network on MNIST and watch it learn.
//
// GET /api/train says whether MNIST is there, the settings' defaults and ranges, and the
// colour of each weight level; POST /api/train starts a run; GET /api/train/events streams
// its events (Server-Sent Events): "progress" (within the first epoch), "epoch", then
// "done" or "error". Each carries the hidden neurons' incoming weights as one byte each:
// level k stands for weight (k - 128) / 127 x scale, drawn in the colour the server lists.

import { FRAME, paintFrame } from "./pixels.js";

const $ = (id) => document.getElementById(id);
const form = $("settings");

let about = null;                 // GET /api/train
let source = null;                // the EventSource of the run being watched
let points = [];                  // [{x: epochs, cost, valCost, accuracy, trainAccuracy}]
let totalEpochs = 1;
let colours = [];                 // level -> [r, g, b]

// ------------------------------------------------------------------------ the run

async function loadStatus() {
  const response = await fetch("/api/train");
  about = await response.json();
  colours = about.weight_colours.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
  for (const [name, range] of Object.entries(about.ranges)) {
    const input = form.elements[name];
    if (input.tagName === "INPUT") {
      [input.min, input.max] = range;
    }
    input.value = about.defaults[name];
  }
  document.querySelector(".progress-images").textContent = count(about.progress.validation_images);
  document.querySelector(".progress-examples").textContent = count(about.progress.examples);
  if (!about.data.ready) {
    $("data-missing").textContent = about.data.message;
    $("data-missing").hidden = false;
    $("start").disabled = true;
    setStatus("Training needs the MNIST files (see above).");
  }
  if (about.run) {
    showSettings(about.run.settings);
    watch(about.run);
  }
}

function settingsFromForm() {
  const settings = {};
  for (const name of Object.keys(about.defaults)) {
    const input = form.elements[name];
    settings[name] = input.tagName === "SELECT" ? input.value : Number(input.value);
  }
  return settings;
}

function showSettings(settings) {
  for (const [name, value] of Object.entries(settings)) {
    form.elements[name].value = value;
  }
}

async function start(event) {
  event.preventDefault();
  $("start").disabled = true;
  const response = await fetch("/api/train", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(settingsFromForm()),
  });
  const answer = await response.json().catch(() => ({}));
  if (response.status !== 202) {
    setStatus(`Could not start: ${answer.error || `HTTP ${response.status}`}.`);
    $("start").disabled = false;
    return;
  }
  watch(answer.run);
}

async function stop() {
  $("stop").disabled = true;
  const response = await fetch("/api/train/stop", { method: "POST" });
  if (response.status === 202) setStatus("Stopping after this minibatch; the weights are kept…");
}

// Show the run from its first event: a stream opened late gets the run so far.
function watch(run) {
  if (source) source.close();
  points = [];
  totalEpochs = run.settings.epochs;
  $("epochs").tBodies[0].replaceChildren();
  $("outcome").hidden = true;
  buildNeurons(run.settings.hidden);
  drawCharts();
  const training = run.state === "training";
  $("start").disabled = training || !about.data.ready;
  $("stop").disabled = !training;
  setStatus(training ? "Loading MNIST and starting…" : "");
  source = new EventSource(run.events);
  source.addEventListener("progress", (message) => {
    const data = JSON.parse(message.data);
    addPoint({ x: data.examples / data.epoch_examples, valCost: data.val_cost, accuracy: data.val_accuracy });
    showWeights(data.weights);
    setStatus(`Epoch 1: ${count(data.examples)} of ${count(data.epoch_examples)} examples, ` +
      `validation ${percent(data.val_accuracy)} (on ${count(about.progress.validation_images)} images)`);
  });
  source.addEventListener("epoch", (message) => {
    const data = JSON.parse(message.data);
    addPoint({ x: data.epoch, cost: data.train_cost, valCost: data.val_cost,
               accuracy: data.val_accuracy, trainAccuracy: data.train_accuracy });
    addEpochRow(data);
    showWeights(data.weights);
    setStatus(`Epoch ${data.epoch} of ${totalEpochs}: validation ${percent(data.val_accuracy)}`);
  });
  source.addEventListener("done", (message) => {
    const data = JSON.parse(message.data);
    source.close();
    showWeights(data.weights);
    const why = data.stopped ? ` (${data.stopped} after ${data.history.length} epochs)` : "";
    setStatus(`Done${why}: the weights of epoch ${data.best_epoch || "1 (unfinished)"} read ` +
      `${percent(data.test_accuracy)} of the test digits right.`);
    finished(true);
  });
  source.addEventListener("error", (message) => {
    if (!message.data) return;     // a dropped connection: EventSource reconnects by itself
    source.close();
    setStatus(`The run failed: ${JSON.parse(message.data).error}.`);
    finished(false);
  });
}

function finished(saved) {
  $("start").disabled = !about.data.ready;
  $("stop").disabled = true;
  $("download").href = "/api/train/model.npz";
  $("outcome").hidden = !saved;
}

function setStatus(text) {
  $("status").textContent = text;
}

function count(n) {
  return n.toLocaleString("en");
}

function percent(p) {
  return p === null || p === undefined ? "n/a" : `${(100 * p).toFixed(2)}%`;
}

// ------------------------------------------------------------------------ curves

function addPoint(point) {
  points.push(point);
  drawCharts();
}

function addEpochRow(data) {
  const row = $("epochs").tBodies[0].insertRow();
  for (const text of [data.epoch, data.train_cost.toFixed(4), percent(data.val_accuracy), data.seconds.toFixed(1)]) {
    row.insertCell().textContent = text;
  }
}

// Validation is drawn last, on top: it is the curve that decides which epoch is kept.
function drawCharts() {
  drawChart($("accuracy-chart"), [["trainAccuracy", "training"], ["accuracy", "validation"]],
    0, 1, (v) => `${Math.round(100 * v)}%`);
  const costs = points.flatMap((p) => [p.cost, p.valCost]).filter((v) => typeof v === "number");
  const step = niceStep(Math.max(0.1, ...costs) / 4);
  drawChart($("cost-chart"), [["cost", "training"], ["valCost", "validation"]],
    0, 4 * step, (v) => String(Number(v.toFixed(6))));  // 2.5, not 3; 0.3, not 0.30000000000000004
}

// The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least ``value``.
function niceStep(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  return power * [1, 2, 2.5, 5, 10].find((m) => m * power >= value);
}

// One chart: each [key, class] series of ``points`` as a line with dots, x from 0 to
// totalEpochs, y from low to high, in the colour of the CSS class (var --training etc.).
function drawChart(canvas, series, low, high, label) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const c = canvas.getContext("2d");
  c.scale(ratio, ratio);
  const style = getComputedStyle(canvas);
  const box = { left: 44, right: width - 10, top: 8, bottom: height - 26 };
  const xAt = (x) => box.left + (box.right - box.left) * (x / totalEpochs);
  const yAt = (y) => box.bottom - (box.bottom - box.top) * ((y - low) / (high - low));
  c.font = "11px system-ui, sans-serif";
  c.fillStyle = c.strokeStyle = style.getPropertyValue("--axis");
  c.lineWidth = 1;
  c.textAlign = "right";
  c.textBaseline = "middle";
  for (let i = 0; i <= 4; i += 1) {
    const y = low + ((high - low) * i) / 4;
    c.globalAlpha = 0.25;
    c.beginPath();
    c.moveTo(box.left, yAt(y));
    c.lineTo(box.right, yAt(y));
    c.stroke();
    c.globalAlpha = 1;
    c.fillText(label(y), box.left - 6, yAt(y));
  }
  c.textAlign = "center";
  c.textBaseline = "top";
  const every = Math.ceil(totalEpochs / 10);
  for (let epoch = 0; epoch <= totalEpochs; epoch += every) {
    c.fillText(String(epoch), xAt(epoch), box.bottom + 4);
  }
  c.fillText("epoch", (box.left + box.right) / 2, box.bottom + 14);
  for (const [key, name] of series) {
    const shown = points.filter((p) => typeof p[key] === "number");
    c.strokeStyle = c.fillStyle = style.getPropertyValue(`--${name}`);
    c.lineWidth = 2;
    c.setLineDash(name === "training" ? [5, 3] : []);  // visible where the curves overlap
    c.beginPath();
    shown.forEach((p, i) => (i ? c.lineTo : c.moveTo).call(c, xAt(p.x), yAt(Math.min(high, p[key]))));
    c.stroke();
    for (const p of shown) {
      c.beginPath();
      c.arc(xAt(p.x), yAt(Math.min(high, p[key])), Number.isInteger(p.x) ? 3 : 1.5, 0, 2 * Math.PI);
      c.fill();
    }
  }
  canvas.dataset.points = String(points.length);
}

// ------------------------------------------------------------------------ weights

function buildNeurons(count) {
  const grid = $("neurons");
  grid.replaceChildren();
  for (let i = 0; i < count; i += 1) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = FRAME;
    canvas.className = "pixels";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `Incoming weights of hidden neuron ${i + 1}`);
    grid.append(canvas);
  }
}

// A stream opened late replays the run with only the newest event carrying weights.
function showWeights(weights) {
  if (!weights) return;
  const levels = Uint8Array.from(atob(weights.levels), (ch) => ch.charCodeAt(0));
  const pixels = FRAME * FRAME;
  $("neurons").querySelectorAll("canvas").forEach((canvas, neuron) => {
    paintFrame(canvas.getContext("2d"), (i) => colours[levels[neuron * pixels + i]]);
  });
}

// ------------------------------------------------------------------------ wiring

form.addEventListener("submit", start);
$("stop").addEventListener("click", stop);
new ResizeObserver(drawCharts).observe($("accuracy-chart"));
loadStatus().catch((error) => setStatus(`Could not reach the server (${error.message}).`));
