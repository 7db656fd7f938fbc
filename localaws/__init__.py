"""The embedded local AWS: moto's server with MediaTailor, realistic service-linked roles, opt-in
regions and faults on demand, as harsh as AWS by default (see README.md next to this file).

May import: moto, botocore and ``lifecycle.aws.regions`` (AWS's region rule, written once).

>>> from localaws import LocalAWS, Fault
>>> with LocalAWS(port=0, deletion_seconds=2.0) as aws:  # doctest: +SKIP
...     aws.set_faults([Fault(service="iam", operation="GetRole", kind="throttle", count=2)])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from localaws.faults import Fault, FaultKind
from localaws.plugins import install
from localaws.process import LocalAWS, LocalAWSError
from localaws.settings import Settings

__all__ = ["Fault", "FaultKind", "LocalAWS", "LocalAWSError", "Settings", "install", "serve"]


def serve(
    port: int,
    deletion_seconds: float | None = None,
    host: str = "127.0.0.1",
    *,
    faults: Sequence[Fault] = (),
    quiet: bool = False,
    **settings: Any,
) -> None:
    """Run the local AWS in the foreground until interrupted (Ctrl-C).

    ``settings`` are any of :class:`~localaws.settings.Settings`' fields (``short_pages=False``,
    ...) over its defaults, which are as harsh as AWS. Prints the endpoint URL and an
    ``export AWS_ENDPOINT_URL=...`` line.
    """
    # Imported here: moto is heavy, and driving a LocalAWS child does not need it.
    from localaws.server import serve as serve_in_this_process

    if deletion_seconds is not None:
        settings["deletion_seconds"] = deletion_seconds
    start = Settings().changed(settings)
    serve_in_this_process(port, start, host, faults=faults, quiet=quiet)
