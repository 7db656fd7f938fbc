"""A fleet's results: each account's outcome, the summary, the fleet's run outcome, the text
table, and the live progress bar (a terminal's stderr only).

The fleet's run outcome: an error when an account this runner did failed (its own run ended
anything but done, pending or lock held) or was not started (``--failure-tolerance``); else
the worst of the accounts it did (lock held by a runner outside this fleet run, then changes
pending); done when all are done. Accounts another runner of the same fleet run did are
reported, never counted. The fleet knows no exit codes: the documents it makes say each
outcome's ``exit_code`` as the ``codes`` they are given number it (the command line's).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TextIO

from lifecycle.model.outcome import Outcome as RunOutcome
from lifecycle.model.results import SCHEMA_VERSION
from lifecycle.views.text import Progress, _table

__all__ = ["AccountResult", "Codes", "FleetProgress", "FleetResult", "Outcome", "fleet_text"]

#: How run outcomes are numbered in documents and records: the command line's exit codes.
Codes = Mapping[RunOutcome, int]


class Outcome(StrEnum):
    """How one account of a fleet ended, for this runner."""

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    FAILED = "failed"
    #: Another runner, outside this fleet run, holds the account's role (exit 3).
    HELD = "held"
    #: Done in this fleet run by another runner (or by an earlier start of this command).
    ELSEWHERE = "elsewhere"
    #: Never started: the failure tolerance was exceeded first.
    NOT_STARTED = "not-started"


_BY_RUN = {
    RunOutcome.DONE: Outcome.SUCCEEDED,
    RunOutcome.PENDING: Outcome.PENDING,
    RunOutcome.LOCK_HELD: Outcome.HELD,
}


@dataclass
class AccountResult:
    """One account of a fleet: its single-account document and how it ended."""

    account: str
    outcome: Outcome
    #: How the account's run ended, as a single-account run would; ``None``: not done here.
    run: RunOutcome | None
    #: The single-account document (``status``, ``plan``, ``apply``), when there is one.
    document: dict[str, Any] | None
    error: str | None = None
    #: For ``elsewhere``: the completion record of the runner that did it.
    done_by: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, account: str, run: RunOutcome, document: dict[str, Any]) -> AccountResult:
        outcome = _BY_RUN.get(run, Outcome.FAILED)
        return cls(account, outcome, run, document, document.get("error"))

    @classmethod
    def failure(cls, account: str, run: RunOutcome, error: str) -> AccountResult:
        return cls(account, _BY_RUN.get(run, Outcome.FAILED), run, None, error)

    @classmethod
    def not_started(cls, account: str, why: str) -> AccountResult:
        return cls(account, Outcome.NOT_STARTED, None, None, why)

    @classmethod
    def elsewhere(cls, account: str, record: Mapping[str, Any]) -> AccountResult:
        return cls(account, Outcome.ELSEWHERE, None, None, None, dict(record))

    def facts(self) -> dict[str, Any]:
        """Start and final state, active dependents, writes: the table's columns."""
        if self.done_by:
            return {k: self.done_by.get(k) for k in ("start", "final", "active", "writes")}
        doc = self.document or {}
        steps = doc.get("steps", [])
        return {
            "start": doc.get("start_state", doc.get("state")),
            "final": doc.get("final_state", doc.get("state")),
            "active": sum(1 for d in doc.get("dependents", []) if d.get("active")),
            "writes": sum(
                op.get("access") == "write" and op.get("outcome") != "refused"
                for step in steps
                for op in step.get("operations", [])
            ),
        }

    def exit_code(self, codes: Codes) -> int | None:
        """The account's exit code as ``codes`` number its run; ``None``: not done here."""
        return None if self.run is None else codes[self.run]

    def record(self, runner: str, codes: Codes) -> dict[str, Any]:
        """The completion record other runners of the fleet run read."""
        return {
            "runner": runner,
            "outcome": str(self.outcome),
            "exit_code": self.exit_code(codes),
            "error": self.error,
            "at": time.time(),
            **self.facts(),
            "run_id": (self.document or {}).get("run_id"),
        }

    def as_dict(self, codes: Codes) -> dict[str, Any]:
        return {
            **(self.document or {"account": self.account}),
            "outcome": str(self.outcome),
            "exit_code": self.exit_code(codes),
            "error": self.error,
            "done_by": self.done_by or None,
        }

    def summary_fields(self, codes: Codes) -> dict[str, Any]:
        return {
            "account": self.account,
            "outcome": str(self.outcome),
            "exit_code": self.exit_code(codes),
            "error": self.error,
            **self.facts(),
        }


@dataclass
class FleetResult:
    """What a fleet command did, account by account."""

    command: str
    workflow: str
    fleet_run: str
    accounts: list[AccountResult]

    @property
    def outcome(self) -> RunOutcome:
        """How the fleet's run ended, for this runner (see the module's docstring)."""
        mine = {r.outcome for r in self.accounts if r.outcome is not Outcome.ELSEWHERE}
        if mine & {Outcome.FAILED, Outcome.NOT_STARTED}:
            return RunOutcome.ERROR
        if Outcome.HELD in mine:
            return RunOutcome.LOCK_HELD
        return RunOutcome.PENDING if Outcome.PENDING in mine else RunOutcome.DONE

    def summary(self) -> dict[str, int]:
        counts = Counter(str(r.outcome) for r in self.accounts)
        return {"accounts": len(self.accounts)} | {str(o): counts[str(o)] for o in Outcome}

    def as_dict(self, codes: Codes) -> dict[str, Any]:
        """The fleet's document, each ``exit_code`` as ``codes`` number outcomes."""
        return {
            "schema_version": SCHEMA_VERSION,
            "command": self.command,
            "workflow": self.workflow,
            "fleet_run": self.fleet_run,
            "accounts": [r.as_dict(codes) for r in self.accounts],
            "summary": self.summary() | {"exit_code": codes[self.outcome]},
        }


def fleet_text(document: Mapping[str, Any]) -> str:
    """One row per account and a summary line."""
    rows, notes = [], []
    for item in document["accounts"]:
        # The document's own exit code: the table shows what the document says.
        result = AccountResult(
            item["account"],
            Outcome(item["outcome"]),
            None,
            item,
            item["error"],
            item.get("done_by") or {},
        )
        facts = result.facts()
        start, final = facts["start"] or "-", facts["final"] or "-"
        code = _dash(item["exit_code"])
        outcome = str(result.outcome)
        if result.done_by:
            outcome += f" ({result.done_by.get('outcome')} by {result.done_by.get('runner')})"
        rows.append(
            (
                result.account,
                f"{start} -> {final}",
                _dash(facts["active"]),
                _dash(facts["writes"]),
                outcome,
                code,
            )
        )
        if result.error:
            notes.append(f"  {result.account}: {result.error}")
    summary = document["summary"]
    counted = ", ".join(f"{summary[str(o)]} {o}" for o in Outcome if summary[str(o)])
    lines = _table(("ACCOUNT", "STATE", "ACTIVE", "WRITES", "OUTCOME", "EXIT"), rows)
    lines += notes
    lines.append(
        f"fleet {document['command']} {document['fleet_run']}: {summary['accounts']} accounts"
        f"{': ' + counted if counted else ''}; exit {summary['exit_code']}"
    )
    return "\n".join(lines) + "\n"


def _dash(value: Any) -> Any:
    return "-" if value is None else value


class FleetProgress:
    """A live progress bar on a terminal's stderr: accounts done / total, failures so far,
    the step each running account is in. Silent without a terminal (the logs say it)."""

    WIDTH = 24

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None) -> None:
        self.bar = Progress(stream, live=live)
        self.live = self.bar.live
        self.total = self.done_count = self.failed = 0
        self.running: dict[str, str] = {}
        self._lock = threading.Lock()

    def start(self, total: int) -> None:
        self.total = total
        self._draw()

    def begin(self, account: str) -> None:
        with self._lock:
            self.running[account] = "starting"
        self._draw()

    def step(self, account: str, message: str) -> None:
        with self._lock:
            self.running[account] = message
        self._draw()

    def wait(self, account: str, holder: str) -> None:
        with self._lock:
            self.running.pop(account, None)
        self._draw()

    def end(self, account: str, result: AccountResult) -> None:
        with self._lock:
            self.running.pop(account, None)
            self.done_count += 1
            self.failed += result.outcome in (Outcome.FAILED, Outcome.NOT_STARTED)
        self._draw()

    def line(self) -> str:
        with self._lock:
            filled = self.WIDTH * self.done_count // max(self.total, 1)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            steps = ", ".join(f"{a}: {m}" for a, m in list(self.running.items())[:3])
            more = len(self.running) - 3
        extra = f" +{more}" if more > 0 else ""
        return (
            f"[{bar}] {self.done_count}/{self.total} accounts, {self.failed} failed"
            f"{' | ' + steps + extra if steps else ''}"
        )

    def _draw(self) -> None:
        if self.live:
            self.bar(self.line()[:400])

    def done(self) -> None:
        self.bar.done()
