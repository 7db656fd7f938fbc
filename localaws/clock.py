"""The clock AWS's delays run on here: deletion tasks, IAM's eventual consistency, a service's
usage lag, opt-in regions' changes. It is the monotonic clock, which a test may move forward
(:meth:`localaws.LocalAWS.advance_clock`): "the task is still running when the next run
looks" then holds however slow the machine, and "it has finished" comes when the test says,
not after a sleep. It never goes back, not even at a reset.
"""

from __future__ import annotations

import threading
import time

__all__ = ["advance", "ahead", "now"]

_lock = threading.Lock()
_ahead = 0.0


def now() -> float:
    """``time.monotonic()``, plus how far tests moved the clock forward."""
    return time.monotonic() + _ahead


def ahead() -> float:
    """How far tests moved the clock forward (wall-clock deadlines add it too)."""
    return _ahead


def advance(seconds: float) -> float:
    """Move the clock ``seconds`` forward; how far ahead of the monotonic clock it is now."""
    global _ahead
    if not seconds >= 0:
        raise ValueError(f"the clock moves forward only; got {seconds!r} seconds")
    with _lock:
        _ahead += seconds
        return _ahead
