"""A run's worker threads: started when its parallel work first needs them, then kept.

``threading.Thread.start`` waits until the new thread runs, and while other threads hold the
GIL that takes milliseconds: starting a scan's 42 threads one after the other cost a run more
than its calls (docs/performance.md, row 1). Here the caller never waits for a thread to start
(they start together, each as soon as it gets the GIL), and the threads stay for the run's
next scan or drain. They end when the run's gateway is gone (or with the process).
"""

from __future__ import annotations

import _thread
import queue
import threading
import weakref
from collections.abc import Callable
from contextvars import copy_context
from typing import Any, TypeVar

__all__ = ["Threads"]

T = TypeVar("T")
R = TypeVar("R")
Task = Callable[[], None]


def _work(tasks: queue.SimpleQueue[Task | None]) -> None:
    while (task := tasks.get()) is not None:
        task()  # a task catches its own errors (see Threads.map)


def _stop(tasks: queue.SimpleQueue[Task | None], started: list[int]) -> None:
    for _ in range(started[0]):
        tasks.put(None)


class Threads:
    """Worker threads that run the tasks put to them, as many as the largest map asked for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tasks: queue.SimpleQueue[Task | None] = queue.SimpleQueue()
        self._started = [0]
        #: Tasks running now: a map inside a task (a scan beside a role lookup) gets threads
        #: of its own, never waits for its caller's.
        self._busy = 0
        # The threads hold the queue, not this object: once it is collected, they end.
        weakref.finalize(self, _stop, self._tasks, self._started)

    def _at_least(self, idle: int) -> None:
        with self._lock:
            while self._started[0] < self._busy + idle:
                _thread.start_new_thread(_work, (self._tasks,))
                self._started[0] += 1

    def map(self, fn: Callable[[T], R], items: list[T], workers: int) -> list[R]:
        """``fn`` over ``items`` in order, ``workers`` at once, each in a copy of the caller's
        context; the first exception is raised after every item has been tried."""
        context, lock, turns = copy_context(), threading.Lock(), iter(range(len(items)))
        results: list[Any] = [None] * len(items)
        errors: list[BaseException | None] = [None] * len(items)
        finished = threading.Semaphore(0)

        def work() -> None:
            with self._lock:
                self._busy += 1
            try:
                while True:
                    with lock:
                        index = next(turns, None)
                    if index is None:
                        return
                    try:
                        results[index] = context.copy().run(fn, items[index])
                    except BaseException as error:  # raised in the caller's thread, below
                        errors[index] = error
            finally:
                with self._lock:
                    self._busy -= 1
                finished.release()

        self._at_least(workers)
        for _ in range(workers):
            self._tasks.put(work)
        for _ in range(workers):
            finished.acquire()
        first = next((e for e in errors if e is not None), None)
        if first is not None:
            raise first
        return results
