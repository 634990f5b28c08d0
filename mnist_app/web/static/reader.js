// The pad's reader switch: read the drawing with the shipped network or with the one being
// trained in the Train view (/train, linked from the page's header). The "training" choice
// is offered once a run exists; /?reader=training opens the page with it chosen.

const URLS = { shipped: "/api/predict", training: "/api/train/predict" };
const listeners = [];
let chosen = "shipped";

// Where the pad posts its drawing to be read.
export function predictUrl() {
  return URLS[chosen];
}

// Call ``listener`` whenever the reader changes (to read the drawing again).
export function onReaderChange(listener) {
  listeners.push(listener);
}

async function offerTraining(switcher) {
  let run = null;
  try {
    run = (await (await fetch("/api/train")).json()).run;
  } catch {
    return;                       // a server without the Train view: the shipped reader only
  }
  const training = switcher.querySelector('input[value="training"]');
  training.disabled = !run;
  switcher.hidden = false;
  if (run && new URLSearchParams(window.location.search).get("reader") === "training") {
    training.checked = true;
    choose("training");
  }
}

function choose(reader) {
  chosen = reader;
  document.body.dataset.reader = reader;  // style.css hides the shipped network's neurons
  for (const listener of listeners) listener(reader);
}

const switcher = document.getElementById("reader");
if (switcher) {
  switcher.addEventListener("change", (event) => choose(event.target.value));
  offerTraining(switcher);
}
