"""The intents of a step's writes, stored ahead of them.

With shared state a journal entry is a round trip (DynamoDB), and a write's intent must be
stored before the write is sent. Stored one by one, each write would wait for its own round
trip; here a thread of its own stores the intents of the writes to come, several in one round
trip, while the workers send the writes whose intents are already stored. At most ``window``
intents are stored and not yet taken by a worker, so a runner that loses its lease to a steal
can send at most that many writes more than the ones under way (and none at all once its
lease has run out by its own clock: :meth:`lifecycle.journal.Journal.still_held`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence

from lifecycle.model.calls import Call

__all__ = ["IntentsAhead"]

Store = Callable[[list[Call]], list[int]]
#: What tells two planned calls apart (their params are a dict, not hashable).
Identity = tuple[str, str, str, str]


def identity(call: Call) -> Identity:
    return (call.service, call.operation, call.region, call.key)


class IntentsAhead:
    """Stores the intents of ``calls`` in order, in batches, at most ``window`` ahead of the
    workers taking them; :meth:`take` hands each stored intent's call id to its write."""

    def __init__(self, store: Store, calls: Sequence[Call], window: int) -> None:
        self._store_batch, self._calls, self._window = store, list(calls), max(1, window)
        self._order: dict[Identity, deque[int]] = {}
        for index, call in enumerate(self._calls):
            self._order.setdefault(identity(call), deque()).append(index)
        #: Call ids of stored intents no worker has taken yet, by index in ``calls``.
        self._ready: dict[int, int] = {}
        self._stored = 0
        #: The furthest intent a worker waits for: stored whatever the window (a worker that
        #: never came for its intent must not stall the others).
        self._needed = -1
        self._error: BaseException | None = None
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="intents ahead", daemon=True)

    def start(self) -> IntentsAhead:
        self._thread.start()
        return self

    def _next_batch(self) -> tuple[int, int] | None:
        """Under the lock: wait until there is room, then the next batch's bounds (or None)."""
        while not self._closed and self._stored < len(self._calls):
            room = self._window - len(self._ready)
            # Half a window at least, so that a round trip stores several (or one for a
            # worker waiting).
            if room >= (self._window + 1) // 2 or self._needed >= self._stored:
                end = max(self._stored + room, self._needed + 1)
                return self._stored, min(len(self._calls), end)
            self._cond.wait()
        return None

    def _run(self) -> None:
        while True:
            with self._cond:
                bounds = self._next_batch()
            if bounds is None:
                return
            start, end = bounds
            try:
                ids = self._store_batch(self._calls[start:end])
            except BaseException as error:  # handed to every worker waiting, or to come
                with self._cond:
                    self._error = error
                    self._cond.notify_all()
                return
            with self._cond:
                self._ready.update(zip(range(start, end), ids, strict=True))
                self._stored = end
                self._cond.notify_all()

    def take(self, call: Call) -> int | None:
        """The call id of ``call``'s intent, once stored (its write may be sent then); None
        for a call that is not one of those stored ahead."""
        with self._cond:
            indices = self._order.get(identity(call))
            if not indices:
                return None
            index = indices.popleft()
            if index not in self._ready and self._error is None:
                self._needed = max(self._needed, index)
                self._cond.notify_all()
                while index not in self._ready and self._error is None:
                    self._cond.wait()
            if index in self._ready:
                self._cond.notify_all()  # room for the next batch
                return self._ready.pop(index)
            assert self._error is not None
            raise self._error

    def close(self) -> list[int]:
        """Stop storing; the call ids of intents stored and never taken (their writes were
        not sent), unless storing failed (then nothing more can be written)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()
        return [] if self._error is not None else list(self._ready.values())
