"""What the gateway needs of the journal and of a fleet's pool: where a write's intent goes
before it is sent, the threads and call slots."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

from lifecycle.model.calls import Call

__all__ = ["CallPool", "WriteJournal"]


T = TypeVar("T")


R = TypeVar("R")


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
