// Teach the network on the page: "it should be 7" takes one step of backprop and shows it.
//
// Each probability bar gets a teach button. A click posts the pad's picture to
// /api/backprop with the digit, the learning rate η and this page's earlier corrections;
// the server replays those from the shipped weights (it keeps nothing) and takes the new
// step. The #step panel then shows the step as the equations run: δ^L on the outputs
// (BP1), δ^2 on the hidden neurons (BP2), how the most involved neurons' weights changed
// (BP4 and the update), the outputs a^L before and after, and why the network read what
// it read (the gradient of its output with respect to the 784 pixels).

import { percent } from "./bars.js";
import { FRAME, paintFrame } from "./pixels.js";
import { byteSize, maxBodyBytes } from "./sizes.js";

const SHOWN_NEURONS = 4;          // weight changes drawn, the neurons with the largest |δ^2|

const $ = (id) => document.getElementById(id);
const panel = document.getElementById("step");

let page = null;                  // what app.js lends: {currentPicture, pictureProblem, readAgain, showReading, model}
let corrections = [];             // [{picture, label, eta}], oldest first: this page's steps
let lastLabel = null;
let busy = false;

// ------------------------------------------------------------------------ colours

// The report's diverging map (blue < 0, white 0, red > 0), as /api/model gives it.
function diverging(value, limit) {
  const model = page.model();
  const anchors = model && model.diverging_colours;
  if (!anchors) return [255, 255, 255];
  const fraction = Math.min(1, Math.max(0, 0.5 + 0.5 * value / (limit || 1)));
  const position = fraction * (anchors.length - 1);
  const below = Math.min(Math.floor(position), anchors.length - 2);
  const weight = position - below;
  return anchors[below].map((c, i) => Math.round(c * (1 - weight) + anchors[below + 1][i] * weight));
}

function maxAbs(values) {
  return values.reduce((largest, v) => Math.max(largest, Math.abs(v)), 0);
}

// 784 values on a 28x28 canvas; ``ink`` (784 values in [0, 1]) darkens the inked pixels.
function paint(canvas, values, limit, ink = null) {
  paintFrame(canvas.getContext("2d"), (i) => {
    const shade = ink ? 1 - 0.35 * ink[i] : 1;
    return diverging(values[i], limit).map((c) => c * shade);
  });
}

// ------------------------------------------------------------------------ teaching

function maxCorrections() {
  const model = page.model();
  return model ? model.limits.max_corrections : Infinity;  // until it loads, the server says
}

function eta() {
  return Number($("eta").value);
}

async function teach(label) {
  if (busy) return;
  const picture = await page.currentPicture();
  if (!picture) {
    say("Draw a digit first, then say what it is.");
    return;
  }
  if (corrections.length >= maxCorrections()) {
    say(`${corrections.length} steps taken: reset to go on.`);
    return;
  }
  busy = true;
  setButtons();
  try {
    const step = await stepRequest(picture, label);
    const over = step.body.size - maxBodyBytes(page.model());
    if (over > 0) {
      say(tooLarge(picture, over));
      return;
    }
    const response = await fetch("/api/backprop", {
      method: "POST", body: step.body, headers: { "Content-Type": step.type },
    });
    const answer = await response.json().catch(() => null);
    if (response.ok && answer) {
      corrections.push({ picture: answer.reading_after.input, label, eta: answer.eta });
      lastLabel = label;
      showStep(answer);
      page.showReading(answer.reading_after);
    } else {
      say(`Could not take the step: ${answer && answer.error ? answer.error : `HTTP ${response.status}`}.`);
    }
  } catch (error) {
    say(`The server did not answer (${error.message}).`);
  } finally {
    busy = false;
    setButtons();
  }
}

// The form of one step (the picture, the digit, η and this page's corrections) as the bytes
// it sends, measured before they are sent: the server refuses a body over its limit unread.
async function stepRequest(picture, label) {
  const form = new FormData();
  form.append("image", picture, "digit.png");
  form.append("label", String(label));
  form.append("eta", String(eta()));
  form.append("corrections", JSON.stringify(corrections));
  const request = new Request("/api/backprop", { method: "POST", body: form });
  return { body: await request.blob(), type: request.headers.get("Content-Type") };
}

// Why a step that would be ``over`` bytes past the server's limit is not sent, and the way out.
function tooLarge(picture, over) {
  const limit = byteSize(maxBodyBytes(page.model()));
  const count = corrections.length;
  const earlier = count ? ` with the ${count} step${count === 1 ? "" : "s"} taught before it` : "";
  return `This picture (${byteSize(picture.size)})${earlier} is ${byteSize(over)} over the ${limit} the server ` +
    `takes in one request: ${count ? "reset to the shipped weights, or " : ""}teach with a smaller picture.`;
}

function reset() {
  corrections = [];
  lastLabel = null;
  panel.hidden = true;
  setButtons();
  page.readAgain();               // the picture as the shipped weights read it
}

function say(text) {
  panel.hidden = false;
  $("step-summary").textContent = text;
}

function setButtons() {
  const off = busy || corrections.length >= maxCorrections() || page.pictureProblem() !== null;
  document.querySelectorAll("button[data-teach]").forEach((button) => {
    button.disabled = off;
  });
  $("again").disabled = off || lastLabel === null;
}

// app.js calls this when the picture on the pad or its verdict changes.
export function pictureChanged() {
  if (page) setButtons();         // before installTeaching, there are no buttons yet
}

// ------------------------------------------------------------------------ showing the step

function signed(value, digits = 3) {
  return `${value < 0 ? "−" : "+"}${Math.abs(value).toFixed(digits)}`;
}

function showStep(answer) {
  panel.hidden = false;
  const read = answer.outputs.indexOf(Math.max(...answer.outputs));
  const count = corrections.length;
  $("step-summary").textContent =
    `It read ${read}; you said ${answer.label}. One step at η = ${answer.eta}: ` +
    `C = ${answer.cost.toFixed(4)} → ${answer.cost_after.toFixed(4)}. ` +
    `${count} step${count === 1 ? "" : "s"} taught on this page (at most ${maxCorrections()}); ` +
    "the shipped model is unchanged.";
  showOutputs(answer, read);
  showHiddenDeltas(answer.delta_hidden);
  showWeightChanges(answer);
  paint($("why"), answer.why, maxAbs(answer.why), answer.input);
  $("why-caption").replaceChildren(`Why it said ${read}: ∂`, output(read), "/∂x over the picture. Red pixels raise ",
    output(read), " when inked, blue ones lower it");
}

// a^L_digit, written as the panel's captions write symbols: with <sup> and <sub>.
function output(digit) {
  const symbol = document.createElement("span");
  const [sup, sub] = [document.createElement("sup"), document.createElement("sub")];
  sup.textContent = "L";
  sub.textContent = digit;
  symbol.append("a", sup, sub);
  return symbol;
}

function showOutputs(answer, read) {
  const after = answer.outputs_after;  // a^L: the sigmoid outputs, as the page's bars show them
  const rows = answer.outputs.map((p, digit) => {
    const row = document.createElement("tr");
    row.dataset.digit = digit;
    row.classList.toggle("target", digit === answer.label);
    row.classList.toggle("read", digit === read);
    const delta = answer.delta_output[digit];
    row.innerHTML = '<th scope="row"></th><td class="before"><span class="bar"></span><span class="p"></span></td>' +
      '<td class="delta"></td><td class="after"><span class="bar"></span><span class="p"></span></td>';
    row.querySelector("th").textContent = digit;
    for (const [cell, value] of [[row.querySelector(".before"), p], [row.querySelector(".after"), after[digit]]]) {
      cell.dataset.value = value;
      cell.querySelector(".p").textContent = percent(value);
      cell.querySelector(".bar").style.transform = `scaleX(${value.toFixed(4)})`;
    }
    const deltaCell = row.querySelector(".delta");
    deltaCell.dataset.value = delta;
    deltaCell.textContent = signed(delta);
    colourCell(deltaCell, delta, 1);
    return row;
  });
  $("step-outputs").querySelector("tbody").replaceChildren(...rows);
}

// A cell's background in the diverging map, its text white on the darkest colours.
function colourCell(cell, value, limit) {
  const [r, g, b] = diverging(value, limit);
  cell.style.backgroundColor = `rgb(${r}, ${g}, ${b})`;
  cell.style.color = Math.abs(value) > 0.6 * limit ? "#fff" : "";
}

function showHiddenDeltas(deltas) {
  const limit = maxAbs(deltas);
  const cells = deltas.map((delta, j) => {
    const cell = document.createElement("span");
    cell.className = "step-cell";
    cell.dataset.value = delta;
    colourCell(cell, delta, limit);
    cell.textContent = signed(delta, 2).replace("0.", ".");  // "−.87": fits a small cell
    cell.title = `hidden neuron ${j + 1}: δ = ${signed(delta, 4)}`;
    cell.setAttribute("aria-label", cell.title);
    return cell;
  });
  $("step-hidden").replaceChildren(...cells);
}

function showWeightChanges(answer) {
  const deltas = answer.delta_hidden;
  const order = deltas.map((d, j) => j).sort((a, b) => Math.abs(deltas[b]) - Math.abs(deltas[a]));
  const chosen = order.slice(0, SHOWN_NEURONS);
  const changes = chosen.map((j) => answer.nabla_w[0][j].map((g) => -answer.eta * g));
  const limit = Math.max(...changes.map(maxAbs));
  const figures = chosen.map((j, k) => {
    const figure = document.createElement("figure");
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = FRAME;
    canvas.className = "pixels";
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `Change of hidden neuron ${j + 1}'s 784 weights`);
    paint(canvas, changes[k], limit);
    const caption = document.createElement("figcaption");
    caption.textContent = `neuron ${j + 1}: δ = ${signed(deltas[j])}`;
    figure.append(canvas, caption);
    return figure;
  });
  $("step-weights").replaceChildren(...figures);
}

// ------------------------------------------------------------------------ wiring

function addTeachButtons() {
  $("bars").classList.add("teachable");
  $("bars").querySelectorAll("li").forEach((item, digit) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "teach";
    button.dataset.teach = digit;
    button.textContent = "teach";
    button.title = `It should be ${digit}: take one step of backprop towards ${digit}`;
    button.setAttribute("aria-label", `Teach: it should be ${digit}`);
    button.addEventListener("click", () => teach(digit));
    item.append(button);
  });
  const hint = document.createElement("p");
  hint.className = "teach-hint";
  hint.textContent = "Wrong? Press teach on the right digit to watch one step of backprop fix it.";
  $("bars-title").after(hint);
}

// Called by app.js once the page is built, with what teaching needs from it.
export function installTeaching(hooks) {
  page = hooks;
  addTeachButtons();
  $("eta").addEventListener("input", () => {
    $("eta-value").textContent = eta();
  });
  $("again").addEventListener("click", () => lastLabel !== null && teach(lastLabel));
  $("reset").addEventListener("click", reset);
  setButtons();
}
