// The ten outputs of a reading as bars beside the pad, as the command line prints them.

const N_CLASSES = 10;
const $ = (id) => document.getElementById(id);

// One decimal, as the command line prints it: the unsure rule's near tie is judged so.
export function percent(p) {
  return `${(100 * p).toFixed(1)}%`;
}

// One bar for each digit in the #bars list.
export function buildBars() {
  const list = $("bars");
  for (let digit = 0; digit < N_CLASSES; digit += 1) {
    const item = document.createElement("li");
    item.innerHTML = '<span class="label"></span><span class="track"><span class="fill"></span></span><span class="value"></span>';
    item.querySelector(".label").textContent = digit;
    list.append(item);
  }
}

// The ten probabilities as bars, ``best`` highlighted; no reading (null): empty bars.
export function showBars(probabilities, best) {
  $("bars").querySelectorAll("li").forEach((item, digit) => {
    const p = probabilities ? probabilities[digit] : 0;
    item.classList.toggle("best", digit === best);
    item.querySelector(".fill").style.transform = `scaleX(${p.toFixed(4)})`;
    item.querySelector(".value").textContent = probabilities ? percent(p) : "";
    item.setAttribute("aria-label", probabilities ? `${digit}: ${percent(p)}` : `${digit}`);
  });
}
