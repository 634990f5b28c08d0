// A chosen or dropped file on the pad: drawn as the browser decodes it, fitted and centred;
// or, for a format the browser cannot show but the server reads (TIFF, say), as the server
// read it: the 28x28 picture of a digit (or each digit's, in its box, for a number) drawn
// in the pad's ink, with a line under the pad saying so.

import { FRAME, PAD_INK, PAD_PAPER, paintFrame } from "./pixels.js";

const MARGIN = 0.15;              // room around a number's digits, in digit heights

export class ShownFile {
  // The ``file`` and what the browser made of it: an ImageBitmap, or null if it cannot show it.
  constructor(file, bitmap) {
    this.file = file;
    this.bitmap = bitmap;
    this.pictures = [];           // what the server read: [{input: 28 rows of 28, box or null}]
  }

  static async open(file) {
    try {
      return new ShownFile(file, await createImageBitmap(file));
    } catch {
      return new ShownFile(file, null);  // a format the browser cannot show; the server may read it
    }
  }

  // Keep what the server read, from an answer of /api/predict or /api/number (status, json).
  read({ status, json }) {
    if (status !== 200 || !json) {
      this.pictures = [];
    } else if (json.digits) {
      this.pictures = json.digits.map((digit) => ({ input: digit.input, box: digit.box }));
    } else {
      this.pictures = [{ input: json.input, box: null }];
    }
  }

  // Draw the file on a canvas ``context`` of ``width`` x ``height`` pixels.
  draw(context, width, height) {
    if (this.bitmap) {
      const { scale, dx, dy } = this.fit(this.bitmap.width, this.bitmap.height, width, height);
      context.drawImage(this.bitmap, dx, dy, this.bitmap.width * scale, this.bitmap.height * scale);
      return;
    }
    context.imageSmoothingEnabled = false;  // the server's pixels, as they are
    for (const { input, box } of this.pictures) {
      const picture = inkPicture(input);
      if (!box) {                 // a lone digit: its whole picture, filling the pad
        const side = Math.min(width, height);
        context.drawImage(picture, (width - side) / 2, (height - side) / 2, side, side);
        continue;
      }
      // A number's digit: the picture's ink fitted in the digit's box, centred.
      const [x0, y0, x1, y1] = inkBounds(input);
      const [left, top, right, bottom] = this.toPad(box, width, height);
      const scale = Math.min((right - left) / (x1 - x0), (bottom - top) / (y1 - y0));
      const [w, h] = [(x1 - x0) * scale, (y1 - y0) * scale];
      context.drawImage(picture, x0, y0, x1 - x0, y1 - y0, (left + right - w) / 2, (top + bottom - h) / 2, w, h);
    }
    context.imageSmoothingEnabled = true;
  }

  // A box [left, top, right, bottom] in the posted picture's pixels, in pixels of a pad
  // ``width`` x ``height``: as the file is shown.
  toPad(box, width, height) {
    const [left, top, right, bottom] = box;
    const { scale, dx, dy, x0, y0 } = this.bitmap
      ? this.fit(this.bitmap.width, this.bitmap.height, width, height)
      : this.fitBoxes(width, height);
    return [dx + (left - x0) * scale, dy + (top - y0) * scale, dx + (right - x0) * scale, dy + (bottom - y0) * scale];
  }

  // The line under the pad: null when the browser shows the file.
  note() {
    if (this.bitmap) return null;
    const kind = this.file.type.startsWith("image/") ? `this ${this.file.type.slice(6).toUpperCase()} file` : "this file";
    if (!this.pictures.length) return `This browser cannot show ${kind}.`;
    const what = this.pictures.length > 1 ? "each digit's 28×28 picture" : "the 28×28 picture";
    return `This browser cannot show ${kind}: the pad shows ${what} the server read from it.`;
  }

  // Scale and offset that fit a ``w`` x ``h`` picture in the pad, centred.
  fit(w, h, width, height) {
    const scale = Math.min(width / w, height / h);
    return { scale, dx: (width - w * scale) / 2, dy: (height - h * scale) / 2, x0: 0, y0: 0 };
  }

  // For a file the browser cannot show: the scale and offset that fit the digits' boxes,
  // with a margin, in the pad, centred (the file's own size is unknown here).
  fitBoxes(width, height) {
    const boxes = this.pictures.map((picture) => picture.box);
    const margin = MARGIN * Math.max(...boxes.map(([, top, , bottom]) => bottom - top));
    const x0 = Math.min(...boxes.map((box) => box[0])) - margin;
    const y0 = Math.min(...boxes.map((box) => box[1])) - margin;
    const x1 = Math.max(...boxes.map((box) => box[2])) + margin;
    const y1 = Math.max(...boxes.map((box) => box[3])) + margin;
    return { ...this.fit(x1 - x0, y1 - y0, width, height), x0, y0 };
  }
}

// [left, top, right, bottom] (right and bottom exclusive) of the inked pixels of ``input``;
// the whole frame if it has none.
function inkBounds(input) {
  const rows = input.map((row, y) => (row.some((level) => level > 0) ? y : -1)).filter((y) => y >= 0);
  const columns = [...Array(FRAME).keys()].filter((x) => input.some((row) => row[x] > 0));
  return rows.length ? [columns[0], rows[0], columns[columns.length - 1] + 1, rows[rows.length - 1] + 1]
    : [0, 0, FRAME, FRAME];
}

// A FRAME x FRAME canvas of ``input`` (rows of grey levels, ink 255 on 0) in the pad's ink on paper.
function inkPicture(input) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = FRAME;
  const levels = input.flat();
  paintFrame(canvas.getContext("2d"), (i) => PAD_PAPER.map((paper, c) => paper + (PAD_INK[c] - paper) * levels[i] / 255));
  return canvas;
}
