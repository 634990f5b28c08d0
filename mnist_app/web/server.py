"""Host the app on waitress, a pure-Python production WSGI server (the ``[serve]`` extra).

Waitress reads and writes every connection in one I/O loop and hands only complete
requests to its worker threads. :mod:`mnist_app.web.guarded_waitress` adds what its
options cannot say: a deadline for a whole request, room for new clients, no thread
waiting on a client that does not read, and errors answered as the app answers them.

Thread safety: the worker threads share one Classifier. Its forward pass only reads the
weights and allocates fresh arrays, and Pillow decodes each request's image on its own
objects, so requests need no lock.
"""

from __future__ import annotations

import errno

from mnist_app.errors import MnistAppError
from mnist_app.web.settings import Limits, ServerSettings

INSTALL_HINT = "pip install 'mnist_app[serve]' (or, in a checkout, pip install '.[serve]')"


class ServeError(MnistAppError):
    """The server cannot start: waitress is missing, or the address cannot be used."""


def create_server(app, settings: ServerSettings, limits: Limits, socket_map: dict | None = None):
    """A waitress server bound to ``settings.host``:``settings.port``, not yet running
    (call ``.run()``). ``socket_map`` is waitress's connection map, for callers that drive
    the I/O loop themselves (tests). Raises ServeError, one line, if it cannot listen."""
    try:
        import waitress  # noqa: F401  (checked first: guarded_waitress may be imported already)

        from mnist_app.web import guarded_waitress
    except ImportError:
        raise ServeError(f"serving needs waitress: {INSTALL_HINT}") from None
    try:
        return guarded_waitress.create_server(app, settings.waitress_options(limits), settings.request_seconds,
                                              {} if socket_map is None else socket_map)
    except OSError as error:
        reason = "the port is in use" if error.errno == errno.EADDRINUSE else (error.strerror or str(error))
        raise ServeError(f"cannot listen on {settings.host}:{settings.port}: {reason}") from error
    except ValueError as error:  # waitress's "Invalid host/port specified.": the host did not resolve
        cause = error.__context__
        reason = (cause.strerror if isinstance(cause, OSError) else None) or str(cause or error)
        raise ServeError(f"cannot listen on {settings.host}:{settings.port}: no such address ({reason})") from error


WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1"}  # every interface -> its loopback


def urls(server) -> list[str]:
    """The http:// URLs to open for a server made by :func:`create_server`. A server on
    every interface (0.0.0.0, ::) is shown at its loopback address, which it includes."""
    return [f"http://{_url_host(WILDCARD_HOSTS.get(host, host))}:{port}/" for host, port in _listening(server)]


def on_every_interface(server) -> bool:
    return any(host in WILDCARD_HOSTS for host, _ in _listening(server))


def _listening(server) -> list[tuple[str, int]]:
    """(host, port) of each socket; waitress makes a multi-socket server for a host name
    that resolves to several addresses."""
    return getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
