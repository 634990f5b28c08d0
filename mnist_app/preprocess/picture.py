"""A decoded image as one band of grey levels, read at the region and resolution a step needs.

Locating the digit needs the whole picture at a modest resolution; reading it needs just the
digit's region, sharper. Both come from one full-resolution grey image, so small digits in
big photos keep their detail.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from mnist_app.constants import PIXEL_SCALE
from mnist_app.decode import DECODED_SCALE
from mnist_app.limits import GREY_STRIP_PIXELS

Region = tuple[float, float, float, float]  # (left, top, right, bottom) in full-size pixels

SMALL_SIDE = 128  # the backdrop for transparent pixels is decided on a copy this small


class Picture:
    """``image`` as grey levels 0 (black) to 1 (white), transparency flattened.

    Transparent pixels are composited onto white when the visible pixels are mostly dark,
    else onto black, so canvas strokes on a transparent background contrast with it.
    16-bit, 32-bit and float images are scaled by their full range into 8 bits.
    ``source_scale``: the image file's pixels per pixel here (a JPEG decoded at a reduced
    scale spans 2, 4 or 8), so that what is found can be told in the file's own pixels.
    """

    def __init__(self, image: Image.Image):
        self.grey = _single_band(image)
        self.size = self.grey.size  # (width, height)
        self.source_scale = float(image.info.get(DECODED_SCALE, 1.0))

    def levels(self, max_side: int, region: Region | None = None) -> np.ndarray:
        """The grey levels of ``region`` (default: all), area-averaged down so its longer
        side is at most ``max_side`` pixels: float32 (h, w) in [0, 1]."""
        return levels_of(self.steps(max_side, region))

    def steps(self, max_side: int, region: Region | None = None) -> np.ndarray:
        """What :meth:`levels` gives, as its 256 grey steps: uint8 (h, w), step k for level k/255."""
        left, top, right, bottom = region or (0, 0, *self.size)
        width, height = right - left, bottom - top
        factor = min(1.0, max_side / max(width, height))
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        resized = self.grey.resize(size, Image.Resampling.BOX, box=(left, top, right, bottom),
                                   reducing_gap=2.0 if factor < 0.5 else None)
        return np.asarray(resized)


def image_of(array: np.ndarray) -> Image.Image:
    """A 2-D uint8 or float32 array as an "L" or "F" image, as ``Image.fromarray`` makes it
    but without its checks of the array interface (5 against 10 us for a 96x80 array): an
    "L" image maps the array's memory, read-only; an "F" image is a copy."""
    mode = "L" if array.dtype == np.uint8 else "F"
    pixels = np.ascontiguousarray(array if mode == "L" else array.astype(np.float32, copy=False))
    return Image.frombuffer(mode, (array.shape[1], array.shape[0]), pixels, "raw", mode, 0, 1)


def resized(array: np.ndarray, size: tuple[int, int], resample: Image.Resampling,
            box: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """``array`` (h, w) uint8 or float32 (:func:`image_of`), or its ``box`` (left, top,
    right, bottom, in its pixels), resized by Pillow to ``size`` (width, height) with
    ``resample``: float32 (height, width)."""
    return np.asarray(image_of(array).resize(size, resample, box=box), dtype=np.float32)


def levels_of(steps: np.ndarray) -> np.ndarray:
    """Grey steps (h, w) uint8 as levels: float32 (h, w) in [0, 1], step k at k * PIXEL_SCALE."""
    levels = steps.astype(np.float32)
    levels *= PIXEL_SCALE
    return levels


def steps_of(levels: np.ndarray) -> np.ndarray:
    """``levels`` in [0, 1] rounded to 256 steps: (h, w) uint8, step k for level k/255; the
    inverse of :func:`levels_of`."""
    return np.rint(levels * 255).astype(np.uint8)


def _single_band(image: Image.Image) -> Image.Image:
    """A one-band "L" version of ``image`` (itself if it is one: it is only read)."""
    if image.mode == "F" or image.mode.startswith("I"):  # I, I;16, I;16B, ...
        return _eight_bit(image)
    if "A" in image.getbands() or "a" in image.getbands() or "transparency" in image.info:
        grey, alpha = _grey_and_alpha(image)
        if grey.getbbox() is None:  # black ink on transparency, as the page's canvas exports it
            return _black_ink_on_white(alpha)
        flattened = Image.new("L", image.size, _backdrop_level(grey, alpha))
        flattened.paste(grey, None, alpha)  # what Image.composite does, without its copy of the backdrop
        return flattened
    if image.mode == "L":
        return image
    try:
        return image.convert("L")
    except ValueError:  # e.g. LAB, which Pillow converts only to RGB(A)
        return image.convert("RGB").convert("L")


def _grey_and_alpha(image: Image.Image) -> tuple[Image.Image, Image.Image]:
    """The grey levels and the alpha band of an image with transparency, each "L". An RGBA
    or LA image gives them straight (the same levels: Pillow's RGBA to L is its RGBA to
    LA), without the two-band copy that converting to "LA" and splitting it makes."""
    if image.mode in ("RGBA", "LA"):
        return image.convert("L"), image.getchannel("A")
    grey, alpha = image.convert("LA").split()
    return grey, alpha


def _black_ink_on_white(alpha: Image.Image) -> Image.Image:
    """A picture black in every pixel (its grey band all 0), flattened as :func:`_single_band`
    flattens it (its backdrop is white): Pillow's paste of level 0 through ``alpha`` onto
    255 rounds 255 x (255 - a) / 255 to 255 - a, so the grey levels are ``alpha`` inverted,
    one pass instead of the backdrop's sampling and the paste (2.6M to 1.1M instructions a
    280x280 canvas)."""
    from PIL import ImageChops  # 0.25M instructions to import, for canvases only

    return ImageChops.invert(alpha)


def _backdrop_level(grey: Image.Image, alpha: Image.Image) -> int:
    """255 (white) if the visible pixels are mostly dark, else 0: the alpha-weighted mean
    grey of the visible pixels decides, sampled on a grid of at most SMALL_SIDE x SMALL_SIDE,
    or over every pixel (summed by Pillow, without float copies) if the grid missed the strokes."""
    step = max(1, -(-max(grey.size) // SMALL_SIDE))
    g = np.asarray(grey, dtype=np.uint8)[::step, ::step].astype(np.float32)
    a = np.asarray(alpha, dtype=np.uint8)[::step, ::step].astype(np.float32)
    visible, weighted = a.sum(), (g * a).sum()
    if not visible:
        from PIL import ImageChops, ImageStat  # only here, where the grid missed: 1.1M instructions to import

        visible = ImageStat.Stat(alpha).sum[0]
        weighted = ImageStat.Stat(ImageChops.multiply(grey, alpha)).sum[0] * 255  # g x a / 255 a pixel
    return 255 if not visible or weighted / visible < 127.5 else 0


def _eight_bit(image: Image.Image) -> Image.Image:
    """A 16-bit, 32-bit or float ``image`` as "L", scaled by its full range (NaN and
    infinities count as 0), converted GREY_STRIP_PIXELS at a time.

    One byte a pixel loses nothing the later steps use: they judge ink on 256 grey
    levels. Converting in strips keeps the cost at that byte: converting the whole
    picture to floats at once took several 4-byte copies of it (1 GB for an 8150 x
    8150 16-bit PNG that decodes to 127 MB).
    """
    width, height = image.size
    rows = max(1, GREY_STRIP_PIXELS // width)
    strips = [(0, top, width, min(height, top + rows)) for top in range(0, height, rows)]
    peak = max(float(_finite_values(image, strip).max(initial=0)) for strip in strips)
    factor = 255 / _full_scale(peak)
    grey = np.empty((height, width), dtype=np.uint8)
    for strip in strips:
        values = _finite_values(image, strip)
        values *= factor
        np.clip(values, 0, 255, out=values)
        grey[strip[1]:strip[3]] = np.rint(values)
    return Image.fromarray(grey)


def _finite_values(image: Image.Image, strip: Region) -> np.ndarray:
    """The pixels of ``strip`` (left, top, right, bottom) as float32, NaN and infinities 0."""
    values = np.asarray(image.crop(strip).convert("F"), dtype=np.float32).copy()
    return np.nan_to_num(values, copy=False, nan=0.0, posinf=0.0, neginf=0.0)


def _full_scale(peak: float) -> float:
    """The level that means white: 1 for float images in [0, 1], else 255 or 65535."""
    for scale in (1.0, 255.0, 65535.0):
        if peak <= scale:
            return scale
    return peak
