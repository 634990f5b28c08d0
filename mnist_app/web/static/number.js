// Number mode of the draw-a-digit page: the pad widens so several digits fit side by
// side, POST /api/number reads them all, and each digit's box is drawn over the pad with
// the 28x28 picture the network read there and its confidence.

import { FRAME, drawPicture } from "./pixels.js";

const TAG_HEIGHT = 32;            // CSS pixels of a digit's tag (its 28x28 picture and confidence)
                                  // above its box; with less room, the tag goes inside
const $ = (id) => document.getElementById(id);

let shownReading = null;          // the /api/number answer shown over the pad, and its toPad, or null

export function numberMode() {
  return $("number-mode").checked;
}

// Call ``changed(numberMode())`` after the mode is switched (the page resizes the pad; it
// reads the drawing again as a number, or clears the pad when it narrows).
export function setUpNumberMode(changed) {
  $("number-mode").addEventListener("change", () => {
    document.body.classList.toggle("number-mode", numberMode());
    $("pad-hint").innerHTML = numberMode() ? "Write a number here<br>or drop a photo of one"
      : "Draw one digit here<br>or drop a photo of one";
    clearNumber();
    changed(numberMode());
  });
}

// How the server's error for a picture that clearly holds several digits, read as one
// (mnist_app.errors.SeveralDigits, a 400), begins.
export const SEVERAL_DIGITS = "several digits";

export function isSeveralDigits(status, json) {
  return status === 400 && typeof json?.error === "string" && json.error.startsWith(SEVERAL_DIGITS);
}

// Say ``words`` in ``state`` (an element), with a button that switches number mode on (the
// drawing stays and is read as a number): for a picture that holds several digits, or may.
export function offerNumberMode(state, words) {
  const button = document.createElement("button");
  button.type = "button";
  button.id = "read-as-number";
  button.textContent = "Read it as a number";
  button.addEventListener("click", () => {
    $("number-mode").checked = true;
    $("number-mode").dispatchEvent(new Event("change"));
  });
  state.replaceChildren(`${words} `, button);
}

// Show a /api/number answer: the number in #number, and a box over the pad for each digit.
// ``toPad([left, top, right, bottom])`` maps a box in the posted picture's pixels to CSS
// pixels of the pad at its size when called.
export function showNumber(reading, toPad) {
  $("number").textContent = reading.number;
  shownReading = { reading, toPad };
  placeNumber();
}

// Draw the boxes of the number shown again, where they lie on the pad now (after it was
// resized), from the same answer.
export function placeNumber() {
  const layer = $("number-boxes");
  layer.replaceChildren();
  if (!shownReading) return;
  const { reading, toPad } = shownReading;
  for (const digit of reading.digits) {
    const [left, top, right, bottom] = toPad(digit.box);
    const box = document.createElement("div");
    box.className = digit.unsure ? "digit-box unsure" : "digit-box";
    if (top < TAG_HEIGHT) box.classList.add("tag-inside");
    Object.assign(box.style, {
      left: `${left}px`, top: `${top}px`, width: `${right - left}px`, height: `${bottom - top}px`,
    });
    const tag = document.createElement("span");
    tag.className = "digit-tag";
    const seen = document.createElement("canvas");
    seen.width = seen.height = FRAME;
    seen.className = "pixels";
    drawPicture(seen.getContext("2d"), digit.input);
    const label = document.createElement("span");
    // Whole percent: with one decimal, the tags of narrow digits on a phone overlap.
    const percent = `${Math.round(100 * digit.confidence)}%`;
    label.textContent = `${digit.digit} · ${percent}`;
    tag.append(seen, label);
    box.append(tag);
    layer.append(box);
    // A tag wider than its box would cover the next digit's: it keeps the picture and the
    // percentage (the digit itself is in #number and in the picture), side by side or,
    // in a box narrower still, one over the other.
    if (tag.offsetWidth > box.offsetWidth) label.textContent = percent;
    if (tag.offsetWidth > box.offsetWidth) box.classList.add("narrow");
  }
}

export function clearNumber() {
  shownReading = null;
  $("number").textContent = "";
  $("number-boxes").replaceChildren();
}
