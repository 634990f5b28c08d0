"""Live training: a run of :func:`mnist_app.training.train` in a process of its own,
reporting what it does as events, for the server's Train view (:mod:`mnist_app.web.live`).

- :mod:`~mnist_app.live.settings`: what a run may be asked for, checked;
- :mod:`~mnist_app.live.run`: the training process: loads MNIST, trains, sends events;
- :mod:`~mnist_app.live.runner`: the server's side: starts, stops and listens to a run.

Nothing here knows HTTP.
"""
