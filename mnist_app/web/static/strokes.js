// Strokes drawn on the pad, kept as data (points and pen widths in units of the pad's
// height, 0..1) so that they can be drawn again at any size.

const FIT_MARGIN = 0.05;          // pad heights of paper right of strokes fitted to a narrower pad

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

// Scale ``strokes`` (in place) to fit a pad ``aspect`` heights wide if a point of them lies
// beyond it: down, by the factor that brings their ink (pen widths included) within its
// width less FIT_MARGIN, centred in its height. Returns that {scale, dy} (a point (x, y) is
// now at (x * scale, y * scale + dy)), or null if every point is on the pad.
export function fitStrokes(strokes, aspect) {
  let right = 0;
  let inkRight = 0;
  for (const stroke of strokes) {
    for (const [x] of stroke.points) {
      right = Math.max(right, x);
      inkRight = Math.max(inkRight, x + stroke.width / 2);
    }
  }
  if (right <= aspect) return null;
  const scale = (aspect - FIT_MARGIN) / inkRight;
  const dy = (1 - scale) / 2;
  for (const stroke of strokes) {
    stroke.width *= scale;
    for (const point of stroke.points) {
      point[0] *= scale;
      point[1] = point[1] * scale + dy;
    }
  }
  return { scale, dy };
}
