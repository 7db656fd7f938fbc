"""One bounded pool for a whole fleet: the threads every account's parallel work runs on, and
the slots that cap the calls in flight per account-region (where AWS throttles) and in total.

200 accounts x 21 regions x 2 lists is 8,400 list calls: each account's runner hands its
scan and its writes to this pool instead of starting threads of its own, so a fleet runs on
``in_flight`` threads however many accounts it has.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager
from contextvars import copy_context
from typing import TypeVar

__all__ = ["AccountCalls", "FleetPool"]

T = TypeVar("T")
R = TypeVar("R")

_here = threading.local()


def _mark_pool_thread() -> None:
    _here.in_pool = True


class FleetPool:
    """``in_flight`` threads and as many call slots in total; ``per_region`` slots per
    (account, region)."""

    def __init__(self, *, in_flight: int = 64, per_region: int = 8) -> None:
        if in_flight < 1 or per_region < 1:
            raise ValueError("a pool needs at least one call in flight")
        self.in_flight, self.per_region = in_flight, per_region
        self._threads = ThreadPoolExecutor(
            max_workers=in_flight, thread_name_prefix="fleet", initializer=_mark_pool_thread
        )
        self._total = threading.BoundedSemaphore(in_flight)
        self._regions: dict[tuple[str, str], threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        #: The most calls that were in flight at once (what the bounds let through).
        self.peak = 0
        self._now = 0

    def __enter__(self) -> FleetPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._threads.shutdown(wait=True)

    def for_account(self, account: str) -> AccountCalls:
        """The pool as one account's runner uses it (its slots keyed by its regions)."""
        return AccountCalls(self, account)

    def forget(self, account: str) -> None:
        """Drop an account's slots once it is done (a fleet of thousands keeps few)."""
        with self._lock:
            for key in [k for k in self._regions if k[0] == account]:
                del self._regions[key]

    @contextmanager
    def slot(self, account: str, region: str) -> Iterator[None]:
        with self._lock:
            key = (account, region)
            if key not in self._regions:
                self._regions[key] = threading.BoundedSemaphore(self.per_region)
            regional = self._regions[key]
        # Always the region's slot first, then the total's: one order, no deadlock.
        with regional, self._total:
            with self._lock:
                self._now += 1
                self.peak = max(self.peak, self._now)
            try:
                yield
            finally:
                with self._lock:
                    self._now -= 1

    def map(self, fn: Callable[[T], R], items: list[T], workers: int) -> list[R]:
        """``fn`` over ``items`` on the pool's threads, at most ``workers`` of them at once
        (a window, so a drain of thousands queues no more than that); each item keeps the
        caller's log context; the first exception is raised after every item was tried."""
        if getattr(_here, "in_pool", False):
            # Already on a pool thread: waiting here for other pool threads could starve.
            return [fn(item) for item in items]
        results: dict[int, R] = {}
        errors: dict[int, BaseException] = {}
        running: dict[Future[R], int] = {}
        queue = iter(enumerate(items))
        window = max(1, min(workers, len(items)))
        while True:
            for index, item in queue:
                running[self._threads.submit(copy_context().run, fn, item)] = index
                if len(running) >= window:
                    break
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                error = future.exception()
                if error is None:
                    results[index] = future.result()
                else:
                    errors[index] = error
        if errors:
            raise errors[min(errors)]
        return [results[i] for i in range(len(items))]


class AccountCalls:
    """One account's view of a :class:`FleetPool`: what its runner's gateway is given."""

    def __init__(self, pool: FleetPool, account: str) -> None:
        self._pool, self.account = pool, account

    def map(self, fn: Callable[[T], R], items: list[T], workers: int) -> list[R]:
        return self._pool.map(fn, items, workers)

    def slot(self, region: str) -> AbstractContextManager[None]:
        return self._pool.slot(self.account, region)
