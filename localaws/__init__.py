"""The embedded local AWS: moto's server with MediaTailor, realistic service-linked roles, opt-in
regions and faults on demand, as harsh as AWS by default (see README.md next to this file).

>>> from localaws import LocalAWS, Fault
>>> with LocalAWS(port=0, deletion_seconds=2.0) as aws:  # doctest: +SKIP
...     aws.set_faults([Fault(service="iam", operation="GetRole", kind="throttle", count=2)])
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from localaws.faults import Fault, FaultKind
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


_moto_modules: tuple[str, ...] = ()


def _listed_once() -> tuple[str, ...]:
    return _moto_modules


def install() -> None:
    """Install the plug-ins into moto in this process (idempotent), e.g. for ``moto.mock_aws``.

    The server does this itself; call it before the first request of an in-process mock.
    The settings in force are ``localaws.settings.current()`` (change them with
    ``localaws.settings.use(...)``).
    """
    import moto.backends
    import moto.core.responses
    import moto.core.utils

    from localaws import dynamodb, iam, mediatailor, regions, sts

    dynamodb.install()
    iam.install()
    mediatailor.install()
    regions.install()
    sts.install()
    # moto's server lists its package folder (about 180 stat calls) on every request to
    # route it; the folders do not change while it runs, so list them once.
    if moto.backends.list_of_moto_modules is not _listed_once:
        global _moto_modules
        _moto_modules = tuple(moto.backends.list_of_moto_modules())
        moto.backends.list_of_moto_modules = _listed_once
    # It also lists a handler class's methods (inspect.getmembers) on every request to find
    # the action's: a third of a MediaTailor request's CPU. Classes do not change either.
    listed = moto.core.utils.method_names_from_class
    if moto.core.responses.method_names_from_class is listed:  # type: ignore[attr-defined]
        moto.core.responses.method_names_from_class = functools.cache(listed)  # type: ignore[attr-defined]
