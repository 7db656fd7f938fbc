"""Running the local AWS in this process: :func:`serve` (blocking) and :func:`make_server`."""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Sequence
from importlib.metadata import version

from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import make_server as make_wsgi_server

from localaws.app import LocalAWSApp
from localaws.control import CONTROL_PREFIX, ENDPOINT_LINE_PREFIX
from localaws.faults import Fault
from localaws.settings import Settings

__all__ = ["make_server", "serve"]


class _QuietRequestHandler(MotoRequestHandler):
    """moto's handler without a log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def make_server(
    port: int,
    settings: Settings | None = None,
    host: str = "127.0.0.1",
    *,
    faults: Sequence[Fault] = (),
    quiet: bool = False,
) -> BaseWSGIServer:
    """A threaded HTTP server for the local AWS, bound (``port=0``: a free port), not started.

    ``settings`` are the start settings (``/_localaws/reset`` restores them); default: AWS's
    harshness, :class:`~localaws.settings.Settings`'s defaults.
    """
    app = LocalAWSApp(settings or Settings(), faults)
    handler = _QuietRequestHandler if quiet else MotoRequestHandler
    server = make_wsgi_server(host, port, app, threaded=True, request_handler=handler)
    # moto builds URLs to itself (SQS queue URLs, for instance) from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(server.server_port)
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
    url = f"http://{host}:{server.server_port}"
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
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
