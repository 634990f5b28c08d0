"""The web app: a page to draw a digit and watch the network read it, and a JSON API.

    from mnist_app.predict import Classifier
    from mnist_app.web.app import make_app

    app = make_app(Classifier.load())   # a WSGI application (PEP 3333) for any WSGI server

``mnist-app serve`` hosts it on waitress (:mod:`mnist_app.web.server`). Modules:

- :mod:`~mnist_app.web.app`: the routing table, errors as JSON, security headers;
- :mod:`~mnist_app.web.api`: POST /api/predict, GET /api/model, GET /healthz;
- :mod:`~mnist_app.web.protocol`: Request, Response, HttpError over the WSGI environ;
- :mod:`~mnist_app.web.multipart`: the ``image`` field of a multipart form;
- :mod:`~mnist_app.web.static`: the page's files from package data;
- :mod:`~mnist_app.web.weights_image`: hidden neurons' weights as one PNG;
- :mod:`~mnist_app.web.report_page`: GET /report, built once on first use;
- :mod:`~mnist_app.web.live`: the Train view's API, runs of :mod:`mnist_app.live` as
  Server-Sent Events;
- :mod:`~mnist_app.web.settings`: every limit and timeout, named;
- :mod:`~mnist_app.web.server` and :mod:`~mnist_app.web.guarded_waitress`: waitress, with
  a deadline per request, room for new clients and no thread waiting on a slow reader;
- :mod:`~mnist_app.web.workers`: posted images preprocessed in worker processes.

Nothing is imported here, so that the CLI can read the settings without importing numpy
and Pillow.
"""

