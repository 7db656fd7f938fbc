"""The SQLite journal: one file on this machine's disk (the embedded default).

The engine writes an intent before each AWS write call and its result after it, so a run killed
at any point resumes without repeating a destructive call that already took effect. SQLite's
write lock makes a lease's check-and-claim, and each fenced write's check-and-write, atomic
across the processes of this machine.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

from lifecycle.errors import JournalError, LeaseLost, LockHeld
from lifecycle.journal.contract import (
    Journal,
    Lease,
    Scope,
    dead_here,
    default_state_dir,
    from_json,
    to_json,
)
from lifecycle.journal.sqlite_schema import SCHEMA, SCHEMA_VERSION, TABLES

__all__ = ["SqliteJournal"]


#: Finds a write's scope only if it is needed (when some lease is held).
Lookup = Callable[[], Scope | None]


class SqliteJournal(Journal):
    """One SQLite file: runs, steps, write calls, per-role memory and leases."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self._create_file()
            self._db = sqlite3.connect(
                self.path, timeout=5.0, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise self._error(f"cannot open: {exc}") from exc
        try:
            with self._locked() as db:
                db.row_factory = sqlite3.Row
                self._check_schema()
                # Durable on commit: an intent must be on disk before the AWS call is sent.
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
                db.execute("PRAGMA foreign_keys=ON")
                os.chmod(self.path, 0o600)  # also tightens a file made by an older, laxer run
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def in_dir(cls, state_dir: Path | None) -> SqliteJournal:
        """The journal in ``state_dir`` (the default state dir when ``None``)."""
        return cls((state_dir or default_state_dir()) / "journal.sqlite3")

    def __str__(self) -> str:
        return str(self.path)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _error(self, reason: str) -> JournalError:
        return JournalError(f"journal {self.path}: {' '.join(reason.split())}")

    def _create_file(self) -> None:
        parent = self.path.parent
        if not parent.is_dir():
            parent.mkdir(parents=True, mode=0o700)
            parent.chmod(0o700)  # mkdir's mode is filtered by the umask
        if not self.path.exists():
            # Created here rather than by SQLite so that it is never readable by others.
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))

    def _check_schema(self) -> None:
        # Read before any write, so that a foreign or corrupt file is left exactly as it was.
        if self._schema() == (0, set()):
            with self._locked() as db:
                # Re-checked under the write lock: another process may be creating it too.
                db.execute("BEGIN IMMEDIATE")
                if self._schema() == (0, set()):
                    for statement in SCHEMA.split(";"):
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.commit()
        version, tables = self._schema()
        if version != SCHEMA_VERSION or not tables >= TABLES:
            raise self._error(f"not a slr-lifecycle journal (schema version {version})")

    def _schema(self) -> tuple[int, set[str]]:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        return version, {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, serialised between threads; SQLite and OS errors become JournalError."""
        with self._lock:
            try:
                yield self._db
            except (sqlite3.Error, OSError) as exc:
                with suppress(sqlite3.Error):  # a closed connection cannot even say
                    if self._db.in_transaction:
                        self._db.rollback()
                raise self._error(str(exc)) from exc

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        # Autocommit mode: each statement is committed (and synced) before this returns.
        with self._locked() as db:
            return db.execute(sql, args)

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._locked() as db:
            return db.execute(sql, args).fetchall()

    def _scope_of(self, sql: str, args: tuple[Any, ...]) -> Scope | None:
        rows = self._all(sql, args)
        return (rows[0][0], rows[0][1]) if rows else None

    def _write(
        self, sql: str, args: tuple[Any, ...], scope: Scope | Lookup | None, what: str | None = None
    ) -> sqlite3.Cursor:
        """One write, fenced when this journal holds the lease of its scope: the lock row is
        checked and the write made in one transaction, under SQLite's write lock."""
        lease = None
        if self._held:  # a lookup only when some lease is held
            found = scope() if callable(scope) else scope
            lease = self.fence(found) if found else None
        with self._locked() as db:
            if lease is None:
                cursor = db.execute(sql, args)
            else:
                db.execute("BEGIN IMMEDIATE")
                row = db.execute(
                    "SELECT holder, expires_at FROM locks WHERE account = ? AND role = ?",
                    (lease.account, lease.role),
                ).fetchone()
                if row is None or row["holder"] != lease.holder or row["expires_at"] <= time.time():
                    db.rollback()
                    holder, until = (row["holder"], row["expires_at"]) if row else ("", 0.0)
                    raise LeaseLost(lease.account, lease.role, holder, until)
                cursor = db.execute(sql, args)
                db.commit()
        if what is not None and cursor.rowcount != 1:
            raise self._error(f"no {what}")
        return cursor

    def _run_scope(self, run_id: str) -> Lookup:
        return lambda: self._scope_of("SELECT account, role FROM runs WHERE run_id = ?", (run_id,))

    # runs and steps

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
        self._write(
            "INSERT INTO runs (run_id, workflow, account, role, command, target, dry_run,"
            " started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, workflow, account, role, command, target, int(dry_run), time.time()),
            (account, role),
        )

    def finish_run(self, run_id: str, *, outcome: str, final_state: str | None) -> None:
        """Record how a run ended."""
        self._write(
            "UPDATE runs SET finished_at = ?, outcome = ?, final_state = ? WHERE run_id = ?",
            (time.time(), outcome, final_state, run_id),
            self._run_scope(run_id),
            f"run {run_id}",
        )

    def start_step(self, run_id: str, *, transition: str, from_state: str) -> int:
        """Record the start of a transition; returns its step id."""
        sql = "INSERT INTO steps (run_id, transition, from_state, started_at) VALUES (?, ?, ?, ?)"
        args = (run_id, transition, from_state, time.time())
        return int(self._write(sql, args, self._run_scope(run_id)).lastrowid or 0)

    def finish_step(
        self, step_id: int, *, status: str, to_state: str | None, error: str | None = None
    ) -> None:
        """Record how a step ended."""
        self._write(
            "UPDATE steps SET finished_at = ?, status = ?, to_state = ?, error = ?"
            " WHERE step_id = ?",
            (time.time(), status, to_state, error, step_id),
            lambda: self._scope_of(
                "SELECT account, role FROM runs JOIN steps USING (run_id) WHERE step_id = ?",
                (step_id,),
            ),
            f"step {step_id}",
        )

    # write calls

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
        """Record a write call about to be sent; returns its call id."""
        sql = "SELECT run_id, account, role FROM runs JOIN steps USING (run_id) WHERE step_id = ?"
        run = self._all(sql, (step_id,))
        if not run:
            raise self._error(f"intent {key!r} belongs to no run (step {step_id})")
        cursor = self._write(
            "INSERT INTO calls (run_id, account, role, step_id, service, operation, region,"
            " params, key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*run[0], step_id, service, operation, region, to_json(params), key, time.time()),
            (run[0]["account"], run[0]["role"]),
        )
        return int(cursor.lastrowid or 0)

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
        self._write(
            "UPDATE calls SET ok = ?, response = ?, error = ?, attempts = ?, finished_at = ?"
            " WHERE call_id = ?",
            (int(ok), to_json(response), error, attempts, time.time(), call_id),
            lambda: self._scope_of("SELECT account, role FROM calls WHERE call_id = ?", (call_id,)),
            f"call {call_id}",
        )

    def completed(
        self, account: str, role: str, key: str, *, since_run: str | None = None
    ) -> dict[str, Any] | None:
        """The response of the latest successful call with ``key`` (``{}`` if it had none).

        With ``since_run``, only calls of that run and of runs started after it count.
        """
        sql = "SELECT c.response FROM calls c JOIN runs r USING (run_id)"
        sql += " WHERE c.account = ? AND c.role = ? AND c.key = ? AND c.ok = 1"
        args: tuple[Any, ...] = (account, role, key)
        if since_run is not None:
            # rowid follows insertion order, unlike timestamps, which can tie or step back.
            sql += " AND r.rowid >= (SELECT rowid FROM runs WHERE run_id = ?)"
            args += (since_run,)
        rows = self._all(sql + " ORDER BY c.call_id DESC LIMIT 1", args)
        return (from_json(rows[0]["response"]) or {}) if rows else None

    def unfinished(self, account: str, role: str) -> list[dict[str, Any]]:
        """Intents without a result: the run died between sending a call and recording it."""
        rows = self._all(
            "SELECT call_id, run_id, service, operation, region, params, key, created_at"
            " FROM calls WHERE account = ? AND role = ? AND ok IS NULL ORDER BY call_id",
            (account, role),
        )
        return [dict(r) | {"params": from_json(r["params"])} for r in rows]

    # per-role memory

    def memory(self, account: str, role: str, world: str = "real") -> dict[str, Any]:
        """What the engine remembers about a role in ``world`` ("real" or "dry-run")."""
        sql = "SELECT memory FROM memory WHERE account = ? AND role = ? AND world = ?"
        rows = self._all(sql, (account, role, world))
        return dict(from_json(rows[0]["memory"])) if rows else {}

    def remember(
        self, account: str, role: str, memory: dict[str, Any], world: str = "real"
    ) -> None:
        """Replace what is remembered about a role in ``world``."""
        self._write(
            "INSERT OR REPLACE INTO memory VALUES (?, ?, ?, ?, ?)",
            (account, role, world, to_json(memory), time.time()),
            (account, role),
        )

    def forget(self, account: str, role: str, world: str = "real") -> None:
        """Drop what is remembered about a role in ``world``."""
        sql = "DELETE FROM memory WHERE account = ? AND role = ? AND world = ?"
        self._write(sql, (account, role, world), (account, role))

    # history

    def runs(
        self, limit: int = 20, *, account: str | None = None, role: str | None = None
    ) -> list[dict[str, Any]]:
        """The latest runs, newest first, optionally of one account and role."""
        rows = self._all(
            "SELECT * FROM runs WHERE (? IS NULL OR account = ?) AND (? IS NULL OR role = ?)"
            " ORDER BY rowid DESC LIMIT ?",
            (account, account, role, role, limit),
        )
        return [dict(r) | {"dry_run": bool(r["dry_run"])} for r in rows]

    def steps(self, run_id: str) -> list[dict[str, Any]]:
        """The steps of a run in order, each with its write calls."""
        steps = self._all("SELECT * FROM steps WHERE run_id = ? ORDER BY step_id", (run_id,))
        calls = self._all("SELECT * FROM calls WHERE run_id = ? ORDER BY call_id", (run_id,))
        out = {s["step_id"]: dict(s) | {"calls": []} for s in steps}
        for c in calls:
            if c["step_id"] in out:
                call = dict(c) | {
                    "params": from_json(c["params"]),
                    "response": from_json(c["response"]),
                    "ok": None if c["ok"] is None else bool(c["ok"]),
                }
                for k in ("run_id", "step_id", "account", "role"):
                    del call[k]
                out[c["step_id"]]["calls"].append(call)
        for step in out.values():
            del step["run_id"]
        return list(out.values())

    def export(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of runs, steps, calls and memory, oldest first (for a migration)."""
        order = {"runs": "rowid", "steps": "step_id", "calls": "call_id", "memory": "rowid"}
        return {
            table: [dict(r) for r in self._all(f"SELECT * FROM {table} ORDER BY {key}")]
            for table, key in order.items()
        }

    # the lease lock

    def _take(self, lease: Lease, lease_seconds: float, *, renewing: bool) -> Lease:
        with self._locked() as db:
            # IMMEDIATE takes SQLite's write lock now, so the check and the claim are atomic
            # across processes (other writers wait up to the busy timeout).
            db.execute("BEGIN IMMEDIATE")
            row = db.execute(
                "SELECT holder, expires_at FROM locks WHERE account = ? AND role = ?",
                (lease.account, lease.role),
            ).fetchone()
            now = time.time()
            # A renewal never steals: losing the lease means someone else may have acted.
            theirs = row is not None and row["holder"] != lease.holder
            live = theirs and row["expires_at"] > now and not dead_here(row["holder"])
            if theirs and (renewing or live):
                db.rollback()
                raise LockHeld(lease.account, lease.role, row["holder"], row["expires_at"])
            new = replace(lease, expires_at=now + lease_seconds)
            db.execute(
                "INSERT OR REPLACE INTO locks VALUES (?, ?, ?, ?)",
                (new.account, new.role, new.holder, new.expires_at),
            )
            db.commit()
            return new

    def _lost(self, lease: Lease) -> LeaseLost:
        row = self._all(
            "SELECT holder, expires_at FROM locks WHERE account = ? AND role = ?",
            (lease.account, lease.role),
        )
        holder, until = (row[0]["holder"], row[0]["expires_at"]) if row else ("", 0.0)
        return LeaseLost(lease.account, lease.role, holder, until)

    def _give_back(self, lease: Lease) -> None:
        with self._locked() as db:
            db.execute(
                "DELETE FROM locks WHERE account = ? AND role = ? AND holder = ?",
                (lease.account, lease.role, lease.holder),
            )
