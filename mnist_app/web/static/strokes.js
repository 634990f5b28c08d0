// Strokes drawn on the pad, kept as data (points and pen widths in units of the pad's
// height, 0..1) so that they can be drawn again at any size.

// One stroke ({width, points: [[x, y], ...]}, in units of the pad's height) on a canvas
// ``context`` whose height is ``size`` pixels.
function strokePath(context, size, stroke) {
  context.lineWidth = stroke.width * size;
  context.lineCap = context.lineJoin = "round";
  context.beginPath();
  const [x0, y0] = stroke.points[0];
  context.moveTo(x0 * size, y0 * size);
  if (stroke.points.length === 1) {
    context.lineTo(x0 * size + 0.01, y0 * size);  // a dot: a round cap on a tiny line
  }
  for (const [x, y] of stroke.points.slice(1)) {
    context.lineTo(x * size, y * size);
  }
  context.stroke();
}

// Every stroke, in ``color``.
export function drawStrokes(context, size, color, strokes) {
  context.strokeStyle = color;
  for (const stroke of strokes) {
    strokePath(context, size, stroke);
  }
}
