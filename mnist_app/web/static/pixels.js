// MNIST's 28x28 pictures on the pages' canvases, painted pixel by pixel.

export const FRAME = 28;          // MNIST pictures are 28x28
// The pad's colours, [r, g, b]: its ink, in which strokes are drawn, on its paper (style.css's --paper).
export const PAD_INK = [17, 19, 24];
export const PAD_PAPER = [255, 255, 255];

// Paint a FRAME x FRAME canvas ``context``: ``colour(i)`` is pixel i's [r, g, b] (each
// 0-255), row by row; every pixel is opaque.
export function paintFrame(context, colour) {
  const picture = context.createImageData(FRAME, FRAME);
  for (let i = 0; i < FRAME * FRAME; i += 1) {
    picture.data.set(colour(i), 4 * i);
    picture.data[4 * i + 3] = 255;
  }
  context.putImageData(picture, 0, 0);
}

// A 28x28 picture (rows of grey levels, ink 255 on 0) drawn light on black, as MNIST
// shows it; null: black.
export function drawPicture(context, input) {
  const levels = input ? input.flat() : null;
  paintFrame(context, (i) => {
    const level = levels ? levels[i] : 0;
    return [level, level, level];
  });
}
