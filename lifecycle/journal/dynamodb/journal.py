"""The DynamoDB journal: one table shared by runners on many machines (``dynamodb://TABLE``).

Its items are laid out in :mod:`lifecycle.journal.dynamodb.items`. Every write is a
transaction fenced by the writer's lease; reads are strongly consistent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import botocore.exceptions

from lifecycle.errors import JournalError, LeaseLost
from lifecycle.journal.contract import Journal, Lease, Scope, from_json, to_json
from lifecycle.journal.dynamodb.commit import GroupCommit
from lifecycle.journal.dynamodb.items import (
    CALL_FIELDS,
    LAST,
    RUN_FIELDS,
    STEP_FIELDS,
    UNFINISHED_FIELDS,
    Ids,
    call_item,
    run_items,
    step_item,
    update,
)
from lifecycle.journal.dynamodb.lock import give_back, lost, role_pk, take
from lifecycle.journal.dynamodb.memory import forget_writes, memory_writes, read_memory
from lifecycle.journal.dynamodb.table import Table, connect_table, create_table, describe
from lifecycle.model.calls import Call

__all__ = ["DynamoJournal", "connect_table", "create_table"]

#: Intents stored in one transaction (of DynamoDB's 100 actions; results join it later).
INTENTS_AT_ONCE = 50
P = ParamSpec("P")
T = TypeVar("T")


class DynamoJournal(Journal):
    """The journal in one DynamoDB table (see the module's docstring for its items)."""

    def __init__(self, table: Table) -> None:
        super().__init__()
        self.table = table
        self._ids = Ids()
        self._commit = GroupCommit(table, self._lost)
        # What this process wrote: a step's or a call's run is not in its id.
        self._runs: dict[str, tuple[int, Scope]] = {}
        self._steps: dict[int, tuple[str, Scope]] = {}
        # Calls sent and not yet finished: their scope and their intent's item attributes.
        self._calls: dict[int, tuple[Scope, dict[str, Any]]] = {}

    @classmethod
    def connect(
        cls,
        table: str,
        *,
        region: str | None = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
    ) -> DynamoJournal:
        """The journal in ``table``, checked to exist with the state table's shape."""
        found = connect_table(table, region=region, profile=profile, endpoint_url=endpoint_url)
        describe(found)
        return cls(found)

    def __str__(self) -> str:
        return str(self.table)

    def close(self) -> None:
        try:
            self._commit.flush()
        finally:
            self.table.client.close()

    def _write(
        self, actions: list[dict[str, Any]], scope: Scope | None, *, wait: bool = True
    ) -> None:
        try:
            self._commit.write(actions, self.fence(scope) if scope else None, wait=wait)
        except botocore.exceptions.BotoCoreError as error:
            raise self.table.error(error) from None

    def _read(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A read, after every queued write is committed (a read sees this journal's writes)."""
        try:
            self._commit.flush()
            return fn(*args, **kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            raise self.table.error(error) from None

    def _lost(self, lease: Lease) -> LeaseLost:
        # Called by the group commit while it holds the commit turn: it must not flush (the
        # flush would wait for that very turn), only read who holds the lock now.
        try:
            return lost(self.table, lease)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            raise self.table.error(error) from None

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
        seq = self._ids.next()
        run = {
            "run_id": run_id,
            "workflow": workflow,
            "account": account,
            "role": role,
            "command": command,
            "target": target,
            "dry_run": dry_run,
            "started_at": seq / 1e6,
            "finished_at": None,
            "outcome": None,
            "final_state": None,
        }
        self._write(run_items(self.table.name, seq, run), (account, role))
        self._runs[run_id] = (seq, (account, role))

    def _run(self, run_id: str) -> tuple[int, Scope] | None:
        if run_id not in self._runs:
            found = self._read(self.table.get, {"pk": f"run#{run_id}", "sk": "run"})
            if found is None:
                return None
            self._runs[run_id] = (int(found["seq"]), (found["account"], found["role"]))
        return self._runs[run_id]

    def finish_run(self, run_id: str, *, outcome: str, final_state: str | None) -> None:
        run = self._run(run_id)
        if run is None:
            raise JournalError(f"{self}: no run {run_id}")
        seq, scope = run
        self._write(
            [
                update(
                    self.table.name,
                    "runs",
                    f"{seq:020d}#{run_id}",
                    finished_at=time.time(),
                    outcome=outcome,
                    final_state=final_state,
                )
            ],
            scope,
        )

    def start_step(self, run_id: str, *, transition: str, from_state: str) -> int:
        run = self._run(run_id)
        if run is None:
            raise JournalError(f"{self}: no run {run_id}")
        step_id = self._ids.next()
        step = {
            "step_id": step_id,
            "transition": transition,
            "from_state": from_state,
            "to_state": None,
            "status": None,
            "error": None,
            "started_at": time.time(),
            "finished_at": None,
        }
        self._write([step_item(self.table.name, run_id, step)], run[1])
        self._steps[step_id] = (run_id, run[1])
        return step_id

    def finish_step(
        self, step_id: int, *, status: str, to_state: str | None, error: str | None = None
    ) -> None:
        if step_id not in self._steps:
            raise JournalError(f"{self}: no step {step_id}")
        run_id, scope = self._steps[step_id]
        self._write(
            [
                update(
                    self.table.name,
                    f"run#{run_id}",
                    f"step#{step_id:020d}",
                    finished_at=time.time(),
                    status=status,
                    to_state=to_state,
                    error=error,
                )
            ],
            scope,
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
        return self._store(step_id, [(service, operation, region, params, key)])[0]

    def intents(self, step_id: int, calls: Sequence[Call]) -> list[int]:
        planned = [(c.service, c.operation, c.region, dict(c.params), c.key) for c in calls]
        return self._store(step_id, planned)

    def _store(self, step_id: int, calls: list[tuple[str, str, str, Any, str]]) -> list[int]:
        """The intents of ``calls`` (service, operation, region, params, key) stored: ids."""
        run_id, scope = self._steps.get(step_id, (None, None))
        if run_id is None or scope is None:
            keys = ", ".join(repr(c[-1]) for c in calls)
            raise JournalError(f"{self}: intent {keys} belongs to no run (step {step_id})")
        made: list[dict[str, Any]] = []
        for service, operation, region, params, key in calls:
            call_id = self._ids.next()
            made.append(
                {
                    "call_id": call_id,
                    "run_id": run_id,
                    "step_id": step_id,
                    "service": service,
                    "operation": operation,
                    "region": region,
                    "params": to_json(params),
                    "key": key,
                    "created_at": time.time(),
                }
            )
        # One fenced transaction per INTENTS_AT_ONCE intents, all stored before this returns.
        for at in range(0, len(made), INTENTS_AT_ONCE):
            part = made[at : at + INTENTS_AT_ONCE]
            self._write([call_item(self.table.name, scope, call) for call in part], scope)
        ids: list[int] = [call["call_id"] for call in made]
        self._calls.update((i, (scope, call)) for i, call in zip(ids, made, strict=True))
        return ids

    def result(
        self,
        call_id: int,
        *,
        ok: bool,
        response: dict[str, Any] | None = None,
        error: str | None = None,
        attempts: int = 1,
    ) -> None:
        sent = self._calls.get(call_id)
        if sent is None:
            raise JournalError(f"{self}: no call {call_id}")
        scope, call = sent
        finished = {
            "ok": ok,
            "response": to_json(response),
            "error": error,
            "attempts": attempts,
            "finished_at": time.time(),
        }
        self._write(
            # The whole call again, intent and result: a put, where an update would make
            # DynamoDB evaluate an update expression for every write of a drain.
            [call_item(self.table.name, scope, call | finished)],
            scope,
            # Write-behind: no AWS write waits on a result, so it joins the next transaction
            # (a crash before then leaves the intent unfinished, as between call and result).
            wait=False,
        )
        del self._calls[call_id]

    def _calls_of(
        self,
        scope: Scope,
        since: int = 0,
        *,
        newest_first: bool = False,
        where: str | None = None,
        values: dict[str, Any] | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        return list(
            self._read(
                self.table.query,
                role_pk(*scope),
                "#sk BETWEEN :from AND :to",
                {":from": f"call#{since:020d}", ":to": f"call#{LAST}", **(values or {})},
                newest_first=newest_first,
                where=where,
                limit=limit,
            )
        )

    def completed(
        self, account: str, role: str, key: str, *, since_run: str | None = None
    ) -> dict[str, Any] | None:
        since = 0
        if since_run is not None:
            run = self._run(since_run)
            if run is None:
                return None
            since = run[0]
        found = self._calls_of(
            (account, role),
            since,
            newest_first=True,
            where="#key = :k AND #ok = :ok",
            values={":k": key, ":ok": True},
            limit=1,
        )
        return (from_json(found[0].get("response")) or {}) if found else None

    def unfinished(self, account: str, role: str) -> list[dict[str, Any]]:
        calls = self._calls_of((account, role), where="attribute_not_exists(#ok)")
        return [
            {f: c.get(f) for f in UNFINISHED_FIELDS} | {"params": from_json(c["params"])}
            for c in calls
        ]

    # per-role memory

    def memory(self, account: str, role: str, world: str = "real") -> dict[str, Any]:
        return read_memory(self.table, self._read, account, role, world)

    def remember(
        self, account: str, role: str, memory: dict[str, Any], world: str = "real"
    ) -> None:
        writes = memory_writes(self.table, self._read, account, role, memory, world)
        self._write(writes, (account, role))

    def forget(self, account: str, role: str, world: str = "real") -> None:
        self._write(forget_writes(self.table, self._read, account, role, world), (account, role))

    # history

    def runs(
        self, limit: int = 20, *, account: str | None = None, role: str | None = None
    ) -> list[dict[str, Any]]:
        where = " AND ".join(c for c, v in (("#account = :a", account), ("#role = :r", role)) if v)
        values = {k: v for k, v in ((":a", account), (":r", role)) if v}
        found = self._read(
            self.table.query,
            "runs",
            "#sk < :end",
            {":end": LAST, **values},
            newest_first=True,
            where=where or None,
            limit=limit,
        )
        return [{f: r.get(f) for f in RUN_FIELDS} for r in found]

    def steps(self, run_id: str) -> list[dict[str, Any]]:
        items = self._read(self.table.query, f"run#{run_id}", "#sk <= :end", {":end": LAST})
        pointer = next((i for i in items if i["sk"] == "run"), None)
        if pointer is None:
            return []
        steps: dict[int, dict[str, Any]] = {
            i["step_id"]: {f: i.get(f) for f in STEP_FIELDS} | {"calls": []}
            for i in items
            if i["sk"].startswith("step#")
        }
        for c in self._calls_of(
            (pointer["account"], pointer["role"]),
            int(pointer["seq"]),
            where="#run_id = :run",
            values={":run": run_id},
        ):
            if c.get("step_id") in steps:
                steps[c["step_id"]]["calls"].append(
                    {f: c.get(f) for f in CALL_FIELDS}
                    | {
                        "params": from_json(c["params"]),
                        "response": from_json(c.get("response")),
                        "ok": c.get("ok"),
                    }
                )
        return list(steps.values())

    # the lease lock

    def _take(self, lease: Lease, lease_seconds: float, *, renewing: bool) -> Lease:
        return self._read(take, self.table, lease, lease_seconds, renewing=renewing)

    def _give_back(self, lease: Lease) -> None:
        self._read(give_back, self.table, lease)
