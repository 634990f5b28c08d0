// The network beside the pad: the model's description (GET /api/model) in the footer, its
// hidden neurons lit by the last reading, and the incoming weights of the one pointed at.

import { FRAME } from "./pixels.js";

const $ = (id) => document.getElementById(id);

let model = null;                 // GET /api/model
let weightSheet = null;           // the hidden neurons' weight images, one PNG
let hiddenActivations = null;     // of the last reading
let selectedNeuron = 0;
let neuronPicked = false;         // until the user points at one, show the most active

// GET /api/model's answer, or null until it has loaded.
export function currentModel() {
  return model;
}

// ------------------------------------------------------------------------ hidden neurons

function buildHidden(count) {
  const grid = $("hidden");
  grid.replaceChildren();
  for (let i = 0; i < count; i += 1) {
    const cell = document.createElement("button");
    cell.type = "button";
    cell.className = "neuron";
    cell.dataset.index = i;
    cell.setAttribute("aria-label", `Hidden neuron ${i + 1}`);
    const pick = () => {
      neuronPicked = true;
      selectNeuron(i);
    };
    cell.addEventListener("pointerenter", pick);
    cell.addEventListener("focus", pick);
    cell.addEventListener("click", pick);  // a tap, on a touch screen
    grid.append(cell);
  }
}

// Light the hidden neurons by ``activations`` (one per neuron, in [0, 1]); null: all dark.
export function showHidden(activations) {
  hiddenActivations = activations;
  $("hidden").querySelectorAll(".neuron").forEach((cell, i) => {
    const a = activations && i < activations.length ? activations[i] : 0;  // a trained net may be smaller
    const level = Math.round(255 * a);
    cell.style.backgroundColor = `rgb(${level}, ${level}, ${Math.min(255, level + 30)})`;
    cell.title = activations ? `neuron ${i + 1}: activation ${a.toFixed(2)}` : `neuron ${i + 1}`;
  });
  if (activations && !neuronPicked) {
    selectedNeuron = activations.indexOf(Math.max(...activations.slice(0, model.hidden_weights.count)));
  }
  selectNeuron(selectedNeuron);
}

function selectNeuron(index) {
  selectedNeuron = index;
  $("hidden").querySelectorAll(".neuron").forEach((cell, i) => {
    cell.classList.toggle("selected", i === index);
    cell.setAttribute("aria-pressed", String(i === index));
  });
  const context = $("weights").getContext("2d");
  context.clearRect(0, 0, FRAME, FRAME);
  if (weightSheet && model) {
    const { columns, tile } = model.hidden_weights;
    const column = index % columns;
    const row = Math.floor(index / columns);
    context.drawImage(weightSheet, column * tile, row * tile, tile, tile, 0, 0, FRAME, FRAME);
  }
  const activity = hiddenActivations && index < hiddenActivations.length
    ? `, activation ${hiddenActivations[index].toFixed(2)}` : "";
  $("neuron-caption").textContent = `Neuron ${index + 1}${activity}: the weights of its 784 inputs`;
}

// ------------------------------------------------------------------------ the model

// Fetch the model description, build the neuron grid and describe the model in the footer.
export async function loadModel() {
  try {
    const response = await fetch("/api/model");
    model = await response.json();
  } catch (error) {
    $("model").textContent = `Could not load the model description (${error.message}).`;
    return;
  }
  buildHidden(model.hidden_weights.count);
  const sheet = new Image();
  sheet.addEventListener("load", () => {
    weightSheet = sheet;
    selectNeuron(selectedNeuron);
  });
  sheet.src = model.hidden_weights.url;
  showHidden(null);
  describeModel();
}

function describeModel() {
  const meta = model.metadata || {};
  const parts = [`Network ${model.sizes.join("-")}`];
  if (meta.activation) parts.push(`${meta.activation} neurons`);
  if (meta.cost) parts.push(`${meta.cost} cost`);
  if (typeof meta.test_accuracy === "number") {
    parts.push(`${(100 * meta.test_accuracy).toFixed(2)}% right on the 10,000 MNIST test digits`);
  }
  const footer = $("model");
  footer.textContent = `${parts.join(", ")}. `;
  const link = document.createElement("a");
  link.href = "/report";
  link.textContent = "What it learned: the model report";
  footer.append(link);
}
