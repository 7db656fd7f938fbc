"""One AWS call as a step's result reports it, and what the gateway needs of the journal and of
a fleet's pool: where a write's intent goes before it is sent, the threads and call slots."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from lifecycle.model.workflow import Call

__all__ = ["CallPool", "CallRecord", "WriteJournal"]


T = TypeVar("T")


R = TypeVar("R")


@dataclass
class CallRecord:
    """One operation as a step's result reports it: what was sent and how it went."""

    service: str
    operation: str
    region: str
    parameters: dict[str, Any]
    #: HTTP attempts, the first included.
    attempts: int = 0
    #: ``ok``, ``error`` or ``simulated`` (a dry run's stand-in for a write).
    outcome: str = "ok"
    error_code: str | None = None
    latency_ms: float = 0.0
    #: ``read`` or ``write``, as the workflow declares the operation.
    access: str = "read"
    #: Attempts AWS answered with throttling (any 429 included).
    throttled: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "operation": self.operation,
            "region": self.region,
            "parameters": self.parameters,
            "access": self.access,
            "attempts": self.attempts,
            "outcome": self.outcome,
            "error_code": self.error_code,
        }


class WriteJournal(Protocol):
    """Where a write's intent is recorded before it is sent, and its result after."""

    def ahead(self, calls: Sequence[Call], window: int) -> AbstractContextManager[None]:
        """While the block runs, ``calls``' intents are stored ahead of their writes, at most
        ``window`` stored and not yet sent."""
        ...

    def before_write(self, call: Call) -> int:
        """Store ``call``'s intent (or take the one stored ahead): the token of its result."""
        ...

    def after_write(
        self,
        token: int,
        *,
        ok: bool,
        response: Mapping[str, Any] | None,
        error: str | None,
        attempts: int,
    ) -> None: ...


class CallPool(Protocol):
    """Threads and call slots shared by many runs (a fleet of accounts): where a run's
    parallel work goes, and the slot each HTTP attempt holds while it is in flight."""

    def map(self, fn: Callable[[T], R], items: list[T], workers: int) -> list[R]:
        """``fn`` over ``items``, at most ``workers`` at once, as :meth:`Gateway.map`."""
        ...

    def slot(self, region: str) -> AbstractContextManager[object]:
        """Held around one HTTP attempt in ``region`` (waits while the bounds are full)."""
        ...
