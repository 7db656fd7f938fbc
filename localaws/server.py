"""Running the local AWS in this process: :func:`serve` (blocking) and :func:`make_server`."""

from __future__ import annotations

import gc
import io
import os
import sys
import threading
import time
from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

from cheroot.wsgi import Server

from localaws.app import LocalAWSApp
from localaws.control import CONTROL_PREFIX, ENDPOINT_LINE_PREFIX
from localaws.faults import Fault
from localaws.settings import Settings

__all__ = ["KEEP_ALIVE", "THREADS", "make_server", "serve"]

#: Requests served at once (a latency fault holds its thread while it waits, as AWS holds a
#: request): above anything the benchmarks and tests send at once (a fleet's 64).
THREADS = 128
#: Idle connections kept open for their clients' next requests.
KEEP_ALIVE = 4096


class _RequestLog:
    """One line per request on stderr, as werkzeug's server printed."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        def logged(status: str, headers: Any, exc_info: Any = None) -> Any:
            line = f'{environ.get("REMOTE_ADDR", "-")} "{environ["REQUEST_METHOD"]} '
            print(f'{line}{environ.get("PATH_INFO", "")}" {status.split()[0]}', file=sys.stderr)
            return start_response(status, headers, exc_info)

        return self.app(environ, logged)


class _WholeRequests:
    """Serves a request only once its body arrived whole, as AWS does: a client killed while
    sending (``kill -9`` mid-write) leaves a body shorter than its ``Content-Length``, and
    AWS never acts on what it did not receive. cheroot alone hands the application what did
    arrive, and moto would act on it (and record it)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            body = environ["wsgi.input"].read(length)
            if len(body) < length:
                start_response("400 Bad Request", [("Connection", "close")])
                return [b""]
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


def make_server(
    port: int,
    settings: Settings | None = None,
    host: str = "127.0.0.1",
    *,
    faults: Sequence[Fault] = (),
    quiet: bool = False,
) -> Server:
    """An HTTP server for the local AWS, bound (``port=0``: a free port), not started.

    ``settings`` are the start settings (``/_localaws/reset`` restores them); default: AWS's
    harshness, :class:`~localaws.settings.Settings`'s defaults.

    cheroot serves it, as AWS's endpoints do: HTTP/1.1 with connections kept open between a
    client's requests, a pool of threads rather than one started for each request. moto's
    own server (werkzeug's) closes every connection after one request; the handshake and
    the thread cost each request CPU on both sides that AWS's clients never spend
    (docs/performance.md, "The local AWS").
    """
    app = _WholeRequests(LocalAWSApp(settings or Settings(), faults))
    server = Server(
        (host, port),
        app if quiet else _RequestLog(app),
        numthreads=THREADS,
        request_queue_size=THREADS,
        timeout=60,
        server_name="localaws",
    )
    # Every client keeps its connections (cheroot closes all but 10 idle ones by default):
    # a scan's 21 regions, a fleet's accounts.
    server.keep_alive_conn_limit = KEEP_ALIVE
    server.prepare()
    # moto builds URLs to itself (SQS queue URLs, for instance) from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(server.bind_addr[1])
    return server


def _exit_when_orphaned(parent_pid: int) -> None:
    # A parent killed without cleanup must not leave the server running.
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(0)


def serve(
    port: int,
    settings: Settings | None = None,
    host: str = "127.0.0.1",
    *,
    faults: Sequence[Fault] = (),
    quiet: bool = False,
    parent_pid: int | None = None,
) -> None:
    """Run the local AWS in the foreground until interrupted.

    Prints the endpoint URL and an ``export AWS_ENDPOINT_URL=...`` line for a shell.
    """
    server = make_server(port, settings, host, faults=faults, quiet=quiet)
    url = f"http://{host}:{server.bind_addr[1]}"
    print(
        f"# Local AWS (moto {version('moto')} + slr-lifecycle plug-ins) listening on {url}\n"
        "# Any credentials work, e.g. AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing\n"
        f"# Faults and settings: {url}{CONTROL_PREFIX} (localaws/README.md); "
        "Ctrl-C stops\n"
        f"{ENDPOINT_LINE_PREFIX}{url}",
        flush=True,
    )
    if parent_pid is not None:
        threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    # What is loaded by now (moto, botocore's models, the plug-ins) stays for the server's
    # life: out of the collector's sight, a full collection no longer walks it every time.
    gc.freeze()
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
