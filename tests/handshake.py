"""Waiting for what a test's other side has done, instead of sleeping for it."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["until"]


def until(condition: Callable[[], object], timeout: float = 30.0) -> bool:
    """Whether ``condition()`` came true within ``timeout`` seconds: a handshake's patience,
    not a measure (a loaded machine only makes it wait longer)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
