"""Training's random distortions: the ranges they are drawn from (:class:`Distortions`),
the strength `train --distort 1` means, and :func:`random_distortions`, built on the
transforms of :mod:`mnist_app.augment`.

Apart from those transforms because reading a picture needs only the transforms: a frozen
dataclass compiles its methods when its module is imported (docs/speed.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_app.augment import FRAME_CENTRE, linear_maps, centres_of_mass, elastic_fields, stroke_width, warp
from mnist_app.constants import MASS_CENTRE


@dataclass(frozen=True)
class Distortions:
    """Ranges of the random distortions of :func:`random_distortions` (each drawn uniformly
    per image); all zero means none."""

    degrees: float = 0.0  # turn by up to this many degrees either way
    scale: float = 0.0  # resize by a factor in [1 - scale, 1 + scale]
    shear: float = 0.0  # slant: horizontal shear factor in [-shear, shear]
    elastic: float = 0.0  # RMS length of the elastic displacement, pixels
    thicken: float = 0.0  # stroke edges move out by up to this many pixels...
    thin: float = 0.0  # ...or in by up to this many

    @property
    def any(self) -> bool:
        return any(value > 0 for value in vars(self).values())

    def scaled(self, strength: float) -> "Distortions":
        """Every range multiplied by ``strength`` (0 gives no distortion)."""
        return Distortions(**{name: value * strength for name, value in vars(self).items()})


# Strength 1 of `train --distort`: chosen on the validation split and the realistic sets.
STANDARD_DISTORTIONS = Distortions(degrees=10, scale=0.1, shear=0.2, elastic=1.0, thicken=0.7, thin=0.4)


ELASTIC_SMOOTHNESS = 4.0  # pixels: Simard et al.'s sigma for 28x28 digits


def random_distortions(images: np.ndarray, settings: Distortions, rng: np.random.Generator) -> np.ndarray:
    """``images`` each distorted by random settings drawn from ``settings``' ranges: new
    handwriting from old, still in MNIST's convention (centred by mass)."""
    m = len(images)
    matrices = linear_maps(
        m,
        degrees=rng.uniform(-settings.degrees, settings.degrees, m),
        zoom=rng.uniform(1 - settings.scale, 1 + settings.scale, m),
        slant=rng.uniform(-settings.shear, settings.shear, m),
    )
    # Keep each digit's centre of mass where MNIST puts it: the output position q must
    # sample the source's centre of mass c, so the map's offset is c - A q.
    target = np.full((m, 2, 1), MASS_CENTRE - FRAME_CENTRE, dtype=np.float32)
    matrices[:, :, 2] = centres_of_mass(images) - (matrices[:, :, :2] @ target)[:, :, 0]
    fields = (elastic_fields(m, settings.elastic, ELASTIC_SMOOTHNESS, rng)
              if settings.elastic > 0 else None)
    distorted = warp(images, matrices, fields)
    if settings.thicken > 0 or settings.thin > 0:
        distorted = stroke_width(distorted, rng.uniform(-settings.thin, settings.thicken, m))
    return distorted
