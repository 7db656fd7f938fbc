"""``SLR_CRASH_AT=before|after:Operation:N``: a crash on demand at a write boundary, the fault
injection behind the resume tests and a way for users to rehearse a crash. ``slr`` arms it at
start (:mod:`lifecycle.cli.entry`) with :func:`lifecycle.testing.crash_at`."""

from __future__ import annotations

from contextlib import ExitStack
from typing import cast

__all__ = ["arm_crash_point"]

#: The crash point armed, until disarmed.
_ARMED = ExitStack()


def arm_crash_point(spec: str | None) -> None:
    """Arm (``when:Operation:n``) or disarm (``None``) the crash point for clients made from
    now on; ``slr`` arms ``SLR_CRASH_AT`` at start. ``ValueError`` on a malformed ``spec``."""
    _ARMED.close()
    if not spec:
        return
    try:
        when, operation, nth = spec.split(":")
        count = int(nth)
    except ValueError:
        raise ValueError(f"SLR_CRASH_AT takes when:Operation:n, not {spec!r}") from None
    if when not in ("before", "after"):
        raise ValueError(f"SLR_CRASH_AT: when is before or after, not {when!r}")
    from lifecycle.testing.crash import When, crash_at

    _ARMED.enter_context(crash_at(cast(When, when), operation, count))
