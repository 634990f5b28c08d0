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
- :mod:`~mnist_app.synthetic.nondigits`, :mod:`~mnist_app.synthetic.marks`: things that
  are not a digit: letters, shapes, scribbles;
- :mod:`~mnist_app.synthetic.fonts`: the installed font families, found in one way;
- :mod:`~mnist_app.synthetic.families`: every non-digit generator as a family, and which
  families are held out of training and calibration;
- :mod:`~mnist_app.synthetic.training`: non-digits, typed and hand-written digits for
  training, in MNIST's 28x28 convention, from the training families only;
- :mod:`~mnist_app.synthetic.sets`: the seeded evaluation sets.
"""
