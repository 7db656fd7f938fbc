"""The journal's contract as tests, for a new backend to run (this module imports pytest).

Subclass :class:`JournalContract` in a test module and give it an ``opener`` fixture: a
callable that opens one more journal on one fresh state each test, every journal it opens
sharing that state (another runner, another machine), closed at the fixture's teardown::

    import pytest
    from lifecycle.testing import JournalContract

    class TestMyJournal(JournalContract):
        @pytest.fixture
        def opener(self, tmp_path):
            opened = []

            def open_one():
                opened.append(MyJournal(tmp_path / "state"))
                return opened[-1]

            yield open_one
            for journal in opened:
                journal.close()

The ``journal`` fixture, one journal of that state, may be overridden too. The shipped
backends (SQLite, DynamoDB) run the same class in ``tests/``.
"""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time

import pytest

from lifecycle.errors import LeaseLost, LockHeld
from lifecycle.journal import Journal, Lease, holder_id
from lifecycle.testing.records import (
    ACCOUNT,
    ROLE,
    Opener,
    RecordsContract,
    a_step,
    big_drain,
    drain_intent,
)

__all__ = ["ACCOUNT", "ROLE", "JournalContract", "Opener", "a_step", "big_drain", "drain_intent"]


class JournalContract(RecordsContract):
    """What every :class:`~lifecycle.journal.Journal` does: the records of
    :class:`~lifecycle.testing.records.RecordsContract`, and a lease lock per role that fences
    the writes of a holder who lost it. Needs an ``opener`` fixture (see the module)."""

    # the lease lock

    def test_a_second_holder_is_refused_with_the_first_named(self, journal: Journal) -> None:
        journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
        held = f"lock on {ACCOUNT}/{ROLE} held by host-a:1 until"
        with pytest.raises(LockHeld, match=held) as e:
            journal.acquire(ACCOUNT, ROLE, holder="host-b:2")
        assert e.value.holder == "host-a:1"
        assert e.value.expires_at > time.time()

    def test_the_same_holder_reacquires(self, journal: Journal) -> None:
        first = journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
        again = journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
        assert again.expires_at >= first.expires_at

    def test_an_expired_lease_is_taken_over(self, journal: Journal) -> None:
        journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.05)
        time.sleep(0.06)
        assert journal.acquire(ACCOUNT, ROLE, holder="host-b:2").holder == "host-b:2"

    def test_release_lets_another_take_it(self, journal: Journal) -> None:
        journal.release(journal.acquire(ACCOUNT, ROLE, holder="host-a:1"))
        assert journal.acquire(ACCOUNT, ROLE, holder="host-b:2").holder == "host-b:2"

    def test_release_by_a_former_holder_does_nothing(self, journal: Journal) -> None:
        lost = journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.05)
        time.sleep(0.06)
        journal.acquire(ACCOUNT, ROLE, holder="host-b:2")
        journal.release(lost)
        with pytest.raises(LockHeld):
            journal.acquire(ACCOUNT, ROLE, holder="host-c:3")

    def test_renew_by_a_holder_who_lost_the_lease_raises(self, journal: Journal) -> None:
        lost = journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.05)
        time.sleep(0.06)
        journal.acquire(ACCOUNT, ROLE, holder="host-b:2")
        with pytest.raises(LockHeld, match="held by host-b:2"):
            journal.renew(lost)

    def test_renew_extends_the_lease(self, journal: Journal) -> None:
        lease = journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=60)
        assert journal.renew(lease, 600).expires_at > lease.expires_at + 500

    def test_locks_are_per_role(self, journal: Journal) -> None:
        journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
        assert journal.acquire(ACCOUNT, "OtherRole", holder="host-b:2").holder == "host-b:2"

    def test_a_held_lease_is_renewed_in_the_background_and_released_after(
        self, journal: Journal
    ) -> None:
        # The heartbeat beats when the test says (not when a clock does), and says when it
        # waits again, its renewal done: no timing of a loaded machine decides the outcome.
        paused: queue.Queue[float] = queue.Queue()
        beats: queue.Queue[bool] = queue.Queue()

        def pause(stop: threading.Event, seconds: float) -> bool:
            paused.put(seconds)
            return beats.get(timeout=60)  # True: the block is over

        journal.heartbeat_pause = pause
        with journal.lease(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=600) as lease:
            assert isinstance(lease, Lease)
            expiries = [lease.expires_at]
            try:
                assert paused.get(timeout=60) == 200  # a third of the lease
                for _ in range(2):
                    beats.put(False)
                    assert paused.get(timeout=60) == 200  # renewed, and waiting again
                    with pytest.raises(LockHeld) as held:
                        journal.acquire(ACCOUNT, ROLE, holder="host-b:2")
                    expiries.append(held.value.expires_at)
            finally:
                beats.put(True)
        assert expiries == sorted(set(expiries)), "each heartbeat extends the lease"
        assert journal.acquire(ACCOUNT, ROLE, holder="host-b:2").holder == "host-b:2"

    def test_a_lease_of_a_dead_process_on_this_host_is_taken_at_once(
        self, journal: Journal
    ) -> None:
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        child.wait()  # a pid that existed on this host and is gone now
        dead = f"{socket.gethostname()}:{child.pid}"
        journal.acquire("111122223333", "Role", holder=dead, lease_seconds=600)
        taken = journal.acquire("111122223333", "Role", holder=holder_id(), lease_seconds=60)
        assert taken.holder == holder_id()

    def test_a_live_holder_on_this_host_keeps_its_lease(self, journal: Journal) -> None:
        alive = f"{socket.gethostname()}:{os.getpid()}"
        journal.acquire("111122223333", "Role", holder=alive, lease_seconds=600)
        with pytest.raises(LockHeld, match=alive):
            journal.acquire("111122223333", "Role", holder="elsewhere:1", lease_seconds=60)

    # fencing: the writes of a holder whose lease is gone

    def test_a_holder_whose_lease_was_taken_over_cannot_write(self, opener: Opener) -> None:
        paused, other = opener(), opener()
        step = a_step(paused)
        paused.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.05)
        time.sleep(0.06)  # the pause: its lease expires, another runner takes it
        other.acquire(ACCOUNT, ROLE, holder="host-b:2")
        with pytest.raises(LeaseLost, match="held by host-b:2") as lost:
            drain_intent(paused, step)
        assert isinstance(lost.value, LockHeld)  # the CLI's exit 3
        with pytest.raises(LeaseLost):
            paused.remember(ACCOUNT, ROLE, {"drained": ["stale"]})
        other.remember(ACCOUNT, ROLE, {"drained": ["fresh"]})
        assert other.unfinished(ACCOUNT, ROLE) == []
        assert paused.memory(ACCOUNT, ROLE) == {"drained": ["fresh"]}

    def test_a_holder_whose_lease_expired_cannot_write_even_before_a_takeover(
        self, journal: Journal
    ) -> None:
        journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.05)
        time.sleep(0.06)
        with pytest.raises(LeaseLost, match="expired"):
            journal.remember(ACCOUNT, ROLE, {"a": 1})
        assert journal.memory(ACCOUNT, ROLE) == {}

    def test_a_holder_writes_while_its_lease_holds_and_unfenced_after_release(
        self, journal: Journal
    ) -> None:
        lease = journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
        journal.remember(ACCOUNT, ROLE, {"a": 1})
        journal.release(lease)
        journal.remember(ACCOUNT, ROLE, {"a": 2})
        assert journal.memory(ACCOUNT, ROLE) == {"a": 2}

    def test_a_holder_counts_on_two_thirds_of_its_lease_by_its_own_clock(
        self, journal: Journal
    ) -> None:
        now = [1000.0]
        journal.clock = lambda: now[0]  # the test's clock: no renewal can come late
        lease = journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=60)
        journal.still_held((ACCOUNT, ROLE))  # just taken
        now[0] += 30
        journal.renew(lease, 60)  # a heartbeat: counted on afresh
        now[0] += 20  # past two thirds of the first taking, not of the heartbeat
        journal.still_held((ACCOUNT, ROLE))
        now[0] += 20  # at two thirds of a lease since the heartbeat
        with pytest.raises(LeaseLost, match=f"lease on {ACCOUNT}/{ROLE} lost"):
            journal.still_held((ACCOUNT, ROLE))
        journal.still_held((ACCOUNT, "OtherRole"))  # no lease held there: nothing to lose

    def test_a_lease_given_back_is_no_longer_counted_on(self, journal: Journal) -> None:
        journal.release(journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.05))
        time.sleep(0.06)
        journal.still_held((ACCOUNT, ROLE))  # unfenced again: nothing to lose
