"""Seeded generators of digits (and non-digits) as people really supply them.

Used to measure the app on realistic input (``scripts/measure_realistic.py``) and, in
part, to train it (:mod:`mnist_app.synthetic.training`). Every function takes an explicit
``numpy.random.Generator``; the same generator state gives the same arrays and bytes.

Modules, from the bottom up:

- :mod:`~mnist_app.synthetic.strokes`: smooth pen paths and anti-aliased stroke drawing;
- :mod:`~mnist_app.synthetic.paper`: an ink map on a page, encoded as a photo, canvas
  export, ink on white, scan or screenshot;
- :mod:`~mnist_app.synthetic.skeleton`, :mod:`~mnist_app.synthetic.pens`: MNIST digits
  redrawn with any pen from their centre lines, or enlarged with their own strokes;
- :mod:`~mnist_app.synthetic.glyphs`, :mod:`~mnist_app.synthetic.handwriting`: digits
  written as pen strokes in a dozen hands, independent of MNIST;
- :mod:`~mnist_app.synthetic.typed`: digits and symbols typed in the DejaVu fonts;
- :mod:`~mnist_app.synthetic.nondigits`: things that are not a digit, for evaluation;
- :mod:`~mnist_app.synthetic.training`: non-digits and typed digits for training, in
  MNIST's 28x28 convention, from generator choices the evaluation does not use;
- :mod:`~mnist_app.synthetic.sets`: the seeded evaluation sets.
"""
