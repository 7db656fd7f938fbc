"""The fleet's one pool: its threads, and the bounds on calls in flight per account-region
and in total."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from lifecycle.fleet import FleetPool


def test_calls_in_flight_are_capped_per_account_region_and_in_total() -> None:
    now: Counter[tuple[str, str]] = Counter()
    peak: Counter[tuple[str, str]] = Counter()
    total = [0, 0]
    lock = threading.Lock()
    with FleetPool(in_flight=6, per_region=2) as pool:

        def call(where: tuple[str, str]) -> None:
            with pool.slot(*where):
                with lock:
                    now[where] += 1
                    total[0] += 1
                    peak[where] = max(peak[where], now[where])
                    total[1] = max(total[1], total[0])
                time.sleep(0.01)
                with lock:
                    now[where] -= 1
                    total[0] -= 1

        work = [(f"11111111111{a}", "us-east-1") for a in range(3)] * 10
        pool.map(call, work, workers=len(work))
    assert max(peak.values()) == 2
    assert total[1] == pool.peak == 6


def test_one_accounts_map_runs_on_the_pools_threads_within_its_window() -> None:
    names: set[str] = set()
    running, widest = [0], [0]
    lock = threading.Lock()

    def item(n: int) -> int:
        with lock:
            names.add(threading.current_thread().name)
            running[0] += 1
            widest[0] = max(widest[0], running[0])
        time.sleep(0.005)
        with lock:
            running[0] -= 1
        return n * 2

    with FleetPool(in_flight=8) as pool:
        assert pool.map(item, list(range(40)), workers=3) == [n * 2 for n in range(40)]
    assert widest[0] == 3
    assert all(name.startswith("fleet") for name in names)


def test_the_first_error_is_raised_after_every_item_was_tried() -> None:
    tried: list[int] = []

    def item(n: int) -> int:
        tried.append(n)
        if n in (3, 5):
            raise ValueError(f"item {n}")
        return n

    with FleetPool(in_flight=4) as pool, pytest.raises(ValueError, match="item 3"):
        pool.map(item, list(range(10)), workers=4)
    assert sorted(tried) == list(range(10))
