"""The report's one inline stylesheet: system fonts only, a responsive grid, no external files.

Readable from a phone (about 390 px wide) to a desktop window: columns of charts fold
into one, charts scale with their viewBox, wide tables scroll sideways inside their box.
"""

CSS = """
:root { color-scheme: light; --ink: #1d1d1f; --muted: #5b5b63; --line: #dcdce0; --panel: #f6f6f8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main { max-width: 1200px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.35rem; margin: 0 0 8px; padding-top: 12px; border-top: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 18px 0 6px; }
p { margin: 6px 0; max-width: 75ch; }
.lead { color: var(--muted); margin-bottom: 10px; }
nav { display: flex; flex-wrap: wrap; gap: 6px 14px; padding: 8px 0 14px; }
nav a { color: #1f5fa8; text-decoration: none; white-space: nowrap; }
nav a:hover { text-decoration: underline; }
section { margin: 18px 0 30px; }
.note { color: var(--muted); font-size: 0.92rem; }
.headline { font-size: 1.15rem; }
.grid { display: grid; gap: 18px 36px; grid-template-columns: repeat(auto-fit, minmax(min(100%, 440px), 1fr)); }
figure { margin: 0; min-width: 0; }
figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 4px; }
figure h3 { margin-top: 6px; }
svg.chart { display: block; width: 100%; height: auto; max-width: 560px; }
svg.chart text { font-family: inherit; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 6px 0; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td.number, th.number { text-align: right; }
table.facts th { font-weight: 600; white-space: nowrap; color: var(--muted); }
code { font-size: 0.85rem; }
code.hash { word-break: break-all; }
img.pixels { image-rendering: pixelated; image-rendering: crisp-edges; display: block; background: #000; }
ul.gallery { list-style: none; padding: 0; margin: 6px 0; display: grid; gap: 10px;
  grid-template-columns: repeat(auto-fill, minmax(100px, 1fr)); }
ul.gallery li { background: var(--panel); border-radius: 6px; padding: 6px; font-size: 0.82rem; text-align: center; }
ul.gallery img { width: 64px; height: 64px; margin: 0 auto 4px; }
.wrong { color: #b3261e; font-weight: 600; }
.right { color: #1b7a3a; font-weight: 600; }
.neurons { display: grid; gap: 10px; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); }
.neuron { background: var(--panel); border-radius: 6px; padding: 8px; }
.neuron img { width: 112px; height: 112px; margin: 0 auto 4px; background: #fff; }
.neuron svg.chart { max-width: 190px; margin: 0 auto; }
.neuron figcaption { margin: 0; font-size: 0.8rem; text-align: center; }
.colour-bar { max-width: 480px; }
@media (max-width: 480px) {
  header, main { padding: 0 12px; }
  h1 { font-size: 1.4rem; }
  th, td { padding: 3px 6px; }
  table.facts th, table.facts td { display: block; border: 0; padding: 0 4px; }
  table.facts th { padding-top: 6px; white-space: normal; }
  table.facts tr { display: block; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
}
"""
