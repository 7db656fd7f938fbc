"""A crash on demand at a write boundary, for tests of resuming: the process kills itself
(SIGKILL) just before the n-th request of an operation is sent, or just after its response
arrives. ``slr`` arms it from ``SLR_CRASH_AT`` (:mod:`lifecycle.cli.crash`).

No production code knows about it: while :func:`crash_at` is active, every botocore client
created gets one more event handler, and the handlers do nothing once it is over.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog

__all__ = ["CrashPoint", "When", "crash_at"]

When = Literal["before", "after"]


@dataclass
class CrashPoint:
    """Where to crash: the ``nth`` (from 1) request of ``operation`` (botocore's name, such as
    ``DeleteServiceLinkedRole``), ``before`` it is sent or ``after`` its response arrives."""

    when: When
    operation: str
    nth: int
    #: The requests of ``operation`` seen so far, by every client.
    seen: int = 0
    #: False once :func:`crash_at` is over: its clients' handlers then do nothing.
    active: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.when not in ("before", "after"):
            raise ValueError(f"crash_at: when is before or after, not {self.when!r}")

    def install(self, client: Any) -> None:
        """Count ``client``'s requests. Registered last, so that the handlers before it (the
        gateway's refusal of undeclared writes, a stub's answer) decide first: a request
        refused or answered without being sent is not counted ``before``."""
        client.meta.events.register_last(f"{self.when}-call.*.*", self._on_call)

    def _on_call(self, model: Any, **_: Any) -> None:
        if not self.active or model.name != self.operation:
            return
        with self._lock:
            self.seen += 1
            hit = self.seen == self.nth
        if hit:
            structlog.get_logger("slr").warning("crash.injected", operation=self.operation)
            os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def crash_at(when: When, operation: str, nth: int = 1) -> Iterator[CrashPoint]:
    """Kill this process with SIGKILL at the ``nth`` request of ``operation`` sent by any
    botocore client created while the context is active (``before`` the request is sent or
    ``after`` its response arrives), logging ``crash.injected`` first::

        with crash_at("after", "PutWidget", 2):
            runner.apply("deleted")  # in a child process: its parent then resumes

    It works by wrapping ``botocore.client.ClientCreator.create_client``: clients created
    before the context, or after it, never crash.
    """
    from botocore.client import ClientCreator

    point = CrashPoint(when, operation, nth)
    create_client = ClientCreator.create_client

    def creating(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, *args, **kwargs)
        point.install(client)
        return client

    ClientCreator.create_client = creating
    try:
        yield point
    finally:
        point.active = False
        # Put back what was there unless a later crash_at, still active, wrapped it since.
        if ClientCreator.create_client is creating:
            ClientCreator.create_client = create_client
