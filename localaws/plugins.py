"""Our plug-ins into moto: IAM's service-linked roles and deletion tasks, MediaTailor, Auto
Scaling, the regions, STS and DynamoDB as harsh as AWS, installed once per process."""

from __future__ import annotations

import functools

__all__ = ["install"]

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

    import localaws.cloudtrail_responses
    from localaws import (
        autoscaling,
        config,
        dynamodb,
        iam_responses,
        mediatailor_responses,
        regions,
        sts,
    )

    autoscaling.install()
    config.install()
    dynamodb.install()
    iam_responses.install()
    mediatailor_responses.install()
    regions.install()
    sts.install()
    localaws.cloudtrail_responses.install()
    # moto's server lists its package folder on every request to route it (the figures:
    # docs/performance.md, "The local AWS"); the folders do not change while it runs, so
    # list them once.
    if moto.backends.list_of_moto_modules is not _listed_once:
        global _moto_modules
        _moto_modules = tuple(moto.backends.list_of_moto_modules())
        moto.backends.list_of_moto_modules = _listed_once
    # It also lists a handler class's methods (inspect.getmembers) on every request to find
    # the action's, a large part of a request's CPU. Classes do not change either.
    listed = moto.core.utils.method_names_from_class
    if moto.core.responses.method_names_from_class is listed:  # type: ignore[attr-defined]
        moto.core.responses.method_names_from_class = functools.cache(listed)  # type: ignore[attr-defined]
