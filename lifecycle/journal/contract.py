"""The journal contract every backend keeps, its errors, and the lease with its heartbeat.

A journal holds runs, steps, the write calls (an intent before each AWS write, its result
after), per-role memory, and one lease lock per role. While a journal holds a role's lease,
every write it makes about that role is fenced: conditional, in the same atomic write, on the
lease still being its own and unexpired. A runner that lost its lease (paused, cut off, its
heartbeat late) gets :class:`LeaseLost` from its next journal write, and since the intent of
an AWS write is journaled before the write is sent, it sends no further AWS write.

Intents may be stored a few writes ahead, several in one round trip (:meth:`Journal.intents`).
Before each AWS write the runner also asks :meth:`Journal.still_held`: by this machine's own
clock, the lease must have been renewed within two thirds of its duration. A runner paused past
its lease, or cut off from the journal, then sends nothing more, not even a write whose intent
it stored in time; within its lease no other runner can hold the lock.
"""

from __future__ import annotations

import abc
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lifecycle.errors import JournalError, LeaseLost, LockHeld
from lifecycle.model.calls import Call

__all__ = ["Journal", "Lease", "Scope", "default_state_dir", "from_json", "holder_id", "to_json"]

#: A lease's and a memory's key: (account, role).
Scope = tuple[str, str]


def to_json(value: Any) -> str:
    """Params, responses and memory as the journal stores them."""
    return json.dumps(value, sort_keys=True, default=str)


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def default_state_dir() -> Path:
    """``$XDG_STATE_HOME/slr-lifecycle``, else ``~/.local/state/slr-lifecycle``."""
    xdg = os.environ.get("XDG_STATE_HOME", "")
    # The XDG spec says to ignore a relative value.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "state"
    return base / "slr-lifecycle"


def holder_id() -> str:
    """This process as a lock holder: ``<hostname>:<pid>``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def dead_here(holder: str) -> bool:
    """True when ``holder`` ran on this host and its process is gone (killed, crashed): its
    lease can be taken at once instead of after it expires. Other hosts' leases expire."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, owned by someone else
    return False


@dataclass(frozen=True)
class Lease:
    """A held lock on one role of one account, valid until ``expires_at`` (epoch seconds)."""

    account: str
    role: str
    holder: str
    expires_at: float
    #: The fencing token: the lock record's version when this holder took it. Every taking
    #: increments it; renewals keep it, so a heartbeat never fences its own holder's writes.
    version: int = 0


#: The part of a lease its holder counts on, by its own clock from the start of the last
#: taking or renewal: the rest allows for a heartbeat that is late and clocks that disagree.
TRUSTED_PART = 2 / 3


def _wait(stop: threading.Event, seconds: float) -> bool:
    return stop.wait(seconds)


class Journal(abc.ABC):
    """Runs, steps, write calls, per-role memory and leases: the contract of every backend.

    ``memory``/``remember`` take and return a JSON-ready dict the journal treats as opaque.
    """

    def __init__(self) -> None:
        #: The leases this journal holds, by scope: the writes about a scope it holds are fenced.
        self._held: dict[Scope, Lease] = {}
        #: Until when (by ``clock``) this journal counts on each lease it holds.
        self._trusted: dict[Scope, float] = {}
        self._held_lock = threading.Lock()
        #: The clock this journal counts its leases by; a test may drive one of its own.
        self.clock: Callable[[], float] = time.monotonic
        #: How a heartbeat waits between renewals: ``(stop, seconds)``, true once ``stop`` is
        #: set (the block is over); a test may beat on its own signal instead of the clock's.
        self.heartbeat_pause: Callable[[threading.Event, float], bool] = _wait

    @abc.abstractmethod
    def close(self) -> None: ...

    def fence(self, scope: Scope) -> Lease | None:
        """The lease a write about ``scope`` must still hold, if this journal took one."""
        with self._held_lock:
            return self._held.get(scope)

    # runs and steps

    @abc.abstractmethod
    def start_run(
        self,
        run_id: str,
        *,
        workflow: str,
        account: str,
        role: str,
        command: str,
        target: str | None,
        dry_run: bool,
    ) -> None:
        """Record the start of a run."""

    @abc.abstractmethod
    def finish_run(self, run_id: str, *, outcome: str, final_state: str | None) -> None:
        """Record how a run ended."""

    @abc.abstractmethod
    def start_step(self, run_id: str, *, transition: str, from_state: str) -> int:
        """Record the start of a transition; returns its step id."""

    @abc.abstractmethod
    def finish_step(
        self, step_id: int, *, status: str, to_state: str | None, error: str | None = None
    ) -> None:
        """Record how a step ended."""

    # write calls

    @abc.abstractmethod
    def intent(
        self,
        step_id: int,
        *,
        service: str,
        operation: str,
        region: str,
        params: dict[str, Any],
        key: str,
    ) -> int:
        """Record a write call about to be sent (durably, before this returns); its call id.
        ``key`` is what the call does to what: how a later run finds it (:attr:`Call.key`)."""

    def intents(self, step_id: int, calls: Sequence[Call]) -> list[int]:
        """Record several write calls about to be sent, each under its :attr:`Call.key`
        (durably, before this returns; a backend may store them in one round trip); their
        call ids, in order."""
        return [
            self.intent(
                step_id,
                service=c.service,
                operation=c.operation,
                region=c.region,
                params=dict(c.params),
                key=c.key,
            )
            for c in calls
        ]

    @abc.abstractmethod
    def result(
        self,
        call_id: int,
        *,
        ok: bool,
        response: dict[str, Any] | None = None,
        error: str | None = None,
        attempts: int = 1,
    ) -> None:
        """Record the outcome of a write call."""

    @abc.abstractmethod
    def completed(
        self, account: str, role: str, key: str, *, since_run: str | None = None
    ) -> dict[str, Any] | None:
        """The response of the latest successful call with ``key`` (``{}`` if it had none).

        With ``since_run``, only calls of that run and of runs started after it count.
        """

    @abc.abstractmethod
    def unfinished(self, account: str, role: str) -> list[dict[str, Any]]:
        """Intents without a result: the run died between sending a call and recording it."""

    # per-role memory

    @abc.abstractmethod
    def memory(self, account: str, role: str, world: str = "real") -> dict[str, Any]:
        """What the engine remembers about a role in ``world`` ("real" or "dry-run")."""

    @abc.abstractmethod
    def remember(
        self, account: str, role: str, memory: dict[str, Any], world: str = "real"
    ) -> None:
        """Replace what is remembered about a role in ``world``."""

    @abc.abstractmethod
    def forget(self, account: str, role: str, world: str = "real") -> None:
        """Drop what is remembered about a role in ``world``."""

    # history

    @abc.abstractmethod
    def runs(
        self, limit: int = 20, *, account: str | None = None, role: str | None = None
    ) -> list[dict[str, Any]]:
        """The latest runs, newest first, optionally of one account and role."""

    @abc.abstractmethod
    def steps(self, run_id: str) -> list[dict[str, Any]]:
        """The steps of a run in order, each with its write calls."""

    # the lease lock

    @abc.abstractmethod
    def _take(self, lease: Lease, lease_seconds: float, *, renewing: bool) -> Lease:
        """Write the lease atomically if free, expired or ``lease.holder``'s, else LockHeld."""

    @abc.abstractmethod
    def _give_back(self, lease: Lease) -> None:
        """Free the lock if it is still ``lease``'s."""

    @abc.abstractmethod
    def _lost(self, lease: Lease) -> LeaseLost:
        """The LeaseLost of ``lease``, naming who holds the lock now."""

    def acquire(
        self, account: str, role: str, *, holder: str, lease_seconds: float = 60.0
    ) -> Lease:
        """Take the lock if it is free, expired or already ``holder``'s; else raise LockHeld."""
        started = self.clock()
        taken = self._take(Lease(account, role, holder, 0.0), lease_seconds, renewing=False)
        with self._held_lock:
            self._held[(account, role)] = taken
            self._trusted[(account, role)] = started + lease_seconds * TRUSTED_PART
        return taken

    def renew(self, lease: Lease, lease_seconds: float = 60.0) -> Lease:
        """Extend a lease; raise LockHeld if another holder took it meanwhile."""
        started = self.clock()
        renewed = self._take(lease, lease_seconds, renewing=True)
        scope = (lease.account, lease.role)
        with self._held_lock:
            held = self._held.get(scope)
            # The same taking (a renewal keeps the holder and the version): trusted for longer.
            if held and (held.holder, held.version) == (renewed.holder, renewed.version):
                self._trusted[scope] = started + lease_seconds * TRUSTED_PART
        return renewed

    def release(self, lease: Lease) -> None:
        """Give the lock back, if it is still ours; this journal's writes are unfenced again."""
        with self._held_lock:
            if self._held.get((lease.account, lease.role)) == lease:
                del self._held[(lease.account, lease.role)]
                self._trusted.pop((lease.account, lease.role), None)
        self._give_back(lease)

    def still_held(self, scope: Scope) -> None:
        """Raise LeaseLost if this journal holds the lease of ``scope`` but, by this machine's
        clock, can no longer count on it (see the module's docstring); else nothing."""
        with self._held_lock:
            lease, until = self._held.get(scope), self._trusted.get(scope)
        if lease is not None and until is not None and self.clock() >= until:
            raise self._lost(lease)

    @contextmanager
    def lease(
        self, account: str, role: str, *, holder: str, lease_seconds: float = 60.0
    ) -> Iterator[Lease]:
        """Hold the lock for the block, renewing it in the background every third of a lease
        (a heartbeat); a lost lease shows as LeaseLost at the block's next journal write."""
        held = self.acquire(account, role, holder=holder, lease_seconds=lease_seconds)
        stop = threading.Event()

        def keep() -> None:
            current = held
            while not self.heartbeat_pause(stop, lease_seconds / 3):
                try:
                    current = self.renew(current, lease_seconds)
                except (LockHeld, JournalError):
                    return  # lost, or the journal is closed: nothing left to keep

        renewer = threading.Thread(target=keep, name=f"lease {account}/{role}", daemon=True)
        renewer.start()
        try:
            yield held
        finally:
            stop.set()
            renewer.join()
            self.release(held)
