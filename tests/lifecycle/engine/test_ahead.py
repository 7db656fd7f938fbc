"""The intents of a step's writes, stored ahead of them (lifecycle.engine.ahead): each write
gets its own intent, stored before it is taken; at most a window of them waits; a failure to store
reaches every write after it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle.engine.ahead import IntentsAhead
from lifecycle.engine.executors import StepJournal
from lifecycle.errors import LeaseLost
from lifecycle.journal import open_journal
from lifecycle.model.calls import Call

ACCOUNT, ROLE = "123456789012", "AWSServiceRoleForMediaTailor"


def calls(n: int) -> list[Call]:
    return [Call("example", "Op", "us-east-1", {"Name": f"c{i}"}, f"c{i}") for i in range(n)]


class Store:
    """Call ids from a counter, as a journal gives them; what was stored, and the most ever
    stored and not yet taken."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.lock = threading.Lock()
        self.stored: list[str] = []
        self.taken: set[str] = set()
        self.most_waiting = 0
        self.batches = 0
        self.fail_at = fail_at

    def __call__(self, batch: list[Call]) -> list[int]:
        with self.lock:
            if self.fail_at is not None and len(self.stored) + len(batch) > self.fail_at:
                raise LeaseLost(ACCOUNT, ROLE, "elsewhere:1", time.time() + 60)
            first = len(self.stored)
            self.stored += [c.key for c in batch]
            self.batches += 1
            self.most_waiting = max(self.most_waiting, len(self.stored) - len(self.taken))
            return list(range(first, first + len(batch)))

    def take(self, ahead: IntentsAhead, call: Call) -> int | None:
        token = ahead.take(call)
        with self.lock:
            if token is not None:
                assert self.stored[token] == call.key, "an intent is its own write's"
                self.taken.add(call.key)
        return token


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 60), window=st.integers(1, 9), workers=st.integers(1, 8))
def test_every_write_gets_its_own_stored_intent_with_at_most_a_window_waiting(
    n: int, window: int, workers: int
) -> None:
    store, planned = Store(), calls(n)
    ahead = IntentsAhead(store, planned, window).start()
    with ThreadPoolExecutor(workers) as pool:
        tokens = list(pool.map(lambda c: store.take(ahead, c), planned))
    assert ahead.close() == []
    assert sorted(t for t in tokens if t is not None) == list(range(n))
    assert store.stored == [c.key for c in planned]  # in order, each once
    # Counted from outside, a take is seen a moment after it returns (up to one per worker),
    # and a worker waiting for its intent gets it stored past the window (one per worker):
    # never more, however many writes are planned.
    assert store.most_waiting <= window + 2 * workers


def test_intents_are_stored_in_batches_not_one_round_trip_each() -> None:
    store, planned = Store(), calls(40)
    ahead = IntentsAhead(store, planned, 8).start()
    for call in planned:
        store.take(ahead, call)
        time.sleep(0.002)  # a write takes a while: the next batch is stored meanwhile
    ahead.close()
    assert store.batches <= 40 // 4


def test_a_call_not_planned_gets_no_intent_from_it() -> None:
    store = Store()
    ahead = IntentsAhead(store, calls(2), 2).start()
    other = Call("iam", "DeleteServiceLinkedRole", "us-east-1", {})
    assert ahead.take(other) is None
    assert ahead.close() != []  # the two planned ones were stored and never taken


def test_a_failure_to_store_reaches_every_write_after_it_and_leaves_nothing_to_close() -> None:
    store, planned = Store(fail_at=3), calls(10)
    ahead = IntentsAhead(store, planned, 3).start()
    assert [store.take(ahead, c) for c in planned[:3]] == [0, 1, 2]
    for call in planned[3:]:
        with pytest.raises(LeaseLost, match="held by elsewhere:1"):
            ahead.take(call)
    assert ahead.close() == []


def test_intents_stored_for_writes_never_sent_get_a_result_saying_so(tmp_path: Path) -> None:
    journal = open_journal(tmp_path)
    journal.start_run(
        "run-1",
        workflow="mediatailor",
        account=ACCOUNT,
        role=ROLE,
        command="apply",
        target="deleted",
        dry_run=False,
    )
    step = journal.start_step("run-1", transition="drain", from_state="in-use")
    writes = StepJournal(journal, step, (ACCOUNT, ROLE))
    planned = [Call("mediatailor", "Op", "us-east-1", {"Name": f"c{i}"}, f"c{i}") for i in range(3)]
    with writes.ahead(planned, 3):
        token = writes.before_write(Call("mediatailor", "Op", "us-east-1", {"Name": "c0"}, "c0"))
        writes.after_write(token, ok=True, response={}, error=None, attempts=1)
        time.sleep(0.05)  # the others' intents are stored meanwhile
    calls_made = journal.steps("run-1")[0]["calls"]
    assert [(c["key"], c["ok"], c["error"]) for c in calls_made] == [
        ("Op:us-east-1:c0", True, None),
        ("Op:us-east-1:c1", False, "not sent"),
        ("Op:us-east-1:c2", False, "not sent"),
    ]
    assert journal.unfinished(ACCOUNT, ROLE) == []
