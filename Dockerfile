# mnist-app: classify digit images with the shipped 784-30-10 network.
#
#   docker build -t mnist-app .
#   docker run --rm mnist-app --help
#   docker run --rm --network none -v "$PWD:/data" mnist-app predict /data/digit.png
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD/mnist:/data" mnist-app train ...
#   docker run --rm -p 8000:8000 mnist-app serve --host 0.0.0.0     # then open http://localhost:8000/
#
# Two stages: `build` turns the source tree into a wheel (with the weights inside, as
# mnist_app/models/*.npz); the runtime stage installs the runtime dependencies in a layer
# that depends only on pyproject.toml, then the wheel with --no-deps, so a code change
# rebuilds only the last small layers. No compilers, build tools, pip caches, sources
# or tests end up in the image.

# ---------------------------------------------------------------------------- build
FROM python:3.13-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /src

# The build backend ([build-system].requires), installed once per pyproject.toml change,
# so later code changes build the wheel without going to the package index.
COPY pyproject.toml ./
RUN python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
        > /tmp/build-requirements.txt \
 && pip install -r /tmp/build-requirements.txt

# README.md* : pyproject names it as the long description, but the build works without it.
COPY pyproject.toml README.md* ./
COPY mnist_app ./mnist_app
COPY models ./models
RUN pip wheel --no-deps --no-build-isolation --wheel-dir /wheels . \
 && python -m zipfile -l /wheels/*.whl

# -------------------------------------------------------------------------- runtime
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# Runtime dependencies ([project].dependencies: numpy, pillow, requests, tqdm) and the
# [serve] extra (waitress, for `mnist-app serve`). This layer depends only on
# pyproject.toml, so editing the code does not reinstall them. The packages' own test
# suites (16 MB, nearly all numpy's) are dropped; the .pyc files pip compiles are kept
# (22 MB, but they halve the start-up time of every command).
COPY pyproject.toml /tmp/pyproject.toml
RUN python -c 'import tomllib; project = tomllib.load(open("/tmp/pyproject.toml", "rb"))["project"]; print(*project["dependencies"], *project["optional-dependencies"]["serve"], sep="\n")' \
        > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && site_packages="$(python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" \
 && find "$site_packages" -mindepth 1 -path "$site_packages/pip" -prune \
        -o -type d -name tests -prune -exec rm -rf {} + \
 && rm /tmp/pyproject.toml /tmp/requirements.txt

# An unprivileged user. /data is the working directory and the data dir (MNIST download
# cache, trained weights); mount a host folder there. It is world-writable (sticky, like
# /tmp) so that `--user "$(id -u):$(id -g)"` also works when nothing is mounted.
RUN groupadd --gid 10001 app \
 && useradd --uid 10001 --gid app --home-dir /home/app --create-home \
        --shell /usr/sbin/nologin app \
 && install -d -m 1777 /data

# The app itself, last: the wheel carries the package and the shipped weights. The build
# fails here if the weights (models/*.npz) did not make it into the package.
COPY --from=build /wheels/ /tmp/wheels/
RUN pip install --no-deps /tmp/wheels/*.whl \
 && rm -rf /tmp/wheels \
 && python -c 'import mnist_app, pathlib, sys; weights = sorted(pathlib.Path(mnist_app.__file__).with_name("models").glob("*.npz")); print("shipped weights:", *weights); sys.exit(not weights and "no shipped weights: models/*.npz is missing from the package")'

# The data dir (the app's default would be ~/.cache/mnist_app, lost with the container).
# `--data-dir DIR` or `-e MNIST_APP_DATA=DIR` override it.
ENV MNIST_APP_DATA=/data

USER app:app
WORKDIR /data

# `mnist-app serve --host 0.0.0.0` listens here; publish it with -p 8000:8000.
EXPOSE 8000

# Healthy while /healthz answers 200, i.e. the model is loaded and the server is answering.
# It asks port 8000, serve's default: a container serving on another --port reports
# unhealthy. For the one-shot commands (predict, train) it never runs long enough to matter.
# (--start-interval would check faster while starting, but the legacy builder rejects it.)
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

# `docker stop` sends SIGTERM, which every command answers with Ctrl-C's clean-up (partial
# files removed, worker processes ended): `serve` then exits 0, as a server stopped by its
# manager, and the one-shot commands 143. (SIGINT would make `serve` exit 130, Ctrl-C's status.)
STOPSIGNAL SIGTERM
ENTRYPOINT ["mnist-app"]
CMD ["--help"]
