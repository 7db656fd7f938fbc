"""A crash on demand at a write boundary: the fault injection behind the resume tests, and a
way for users to rehearse a crash (``SLR_CRASH_AT=before|after:Operation:N``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import structlog

__all__ = ["arm_crash_point", "install_crash_hook"]


@dataclass
class _CrashPoint:
    """``SLR_CRASH_AT=when:Operation:n`` kills the process with SIGKILL just before the n-th
    such request is sent (``before``) or just after its response arrives (``after``): the
    fault injection behind the resume tests, and a way for users to rehearse a crash."""

    when: str
    operation: str
    nth: int
    seen: int = field(default=0)


_CRASH: _CrashPoint | None = None


def arm_crash_point(spec: str | None) -> None:
    """Arm (``when:Operation:n``) or disarm (``None``) the crash point for clients made from
    now on; ``slr`` arms ``SLR_CRASH_AT`` at start, tests arm it explicitly."""
    global _CRASH
    if not spec:
        _CRASH = None
        return
    try:
        when, operation, nth = spec.split(":")
        _CRASH = _CrashPoint(when, operation, int(nth))
    except ValueError:
        raise ValueError(f"SLR_CRASH_AT takes when:Operation:n, not {spec!r}") from None
    if when not in ("before", "after"):
        raise ValueError(f"SLR_CRASH_AT: when is before or after, not {when!r}")


def install_crash_hook(client: Any) -> None:
    if _CRASH is None:
        return
    crash = _CRASH

    def hit(model: Any) -> bool:
        if model.name != crash.operation:
            return False
        crash.seen += 1
        return crash.seen == crash.nth

    def kill() -> None:
        structlog.get_logger("slr").warning("crash.injected", operation=crash.operation)
        os.kill(os.getpid(), 9)

    if crash.when == "before":
        client.meta.events.register(
            "before-call.*.*", lambda model, **_: kill() if hit(model) else None
        )
    else:
        client.meta.events.register(
            "after-call.*.*", lambda model, **_: kill() if hit(model) else None
        )
