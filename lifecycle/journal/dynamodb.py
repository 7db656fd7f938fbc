"""The DynamoDB journal: one table shared by runners on many machines (``dynamodb://TABLE``).

Items (``pk`` / ``sk``, both strings):

- ``role#<account>#<role>`` / ``lock``: the lease (holder, expires_at, version: the fencing
  token); ``memory#<world>``: the memory, inline, or naming the generation of its chunks
  ``memory#<world>#<generation>#<n>`` (an item holds at most 400 KB; a drain of thousands of
  dependents does not fit one); ``call#<call id>``: a write call, intent then result;
- ``runs`` / ``<seq>#<run id>``: the runs, newest last (``seq`` is the start in microseconds);
- ``run#<run id>`` / ``run``: where the run sits; ``step#<step id>``: its steps.

Ids are microseconds, strictly increasing in a process: runs of one role never overlap (the
lease), so their order is their runs'. Every write is a transaction fenced by the writer's
lease (see :mod:`lifecycle.journal._table`); reads are strongly consistent.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from typing import Any

import botocore.exceptions

from lifecycle.aws import error_code
from lifecycle.journal._commit import GroupCommit, lock_key, role_pk
from lifecycle.journal._contract import (
    Journal,
    JournalError,
    Lease,
    LeaseLost,
    LockHeld,
    Scope,
    dead_here,
)
from lifecycle.journal._items import LAST, Ids, call_item, delete, put, run_items, step_item, update
from lifecycle.journal._table import (
    Table,
    connect_table,
    create_table,
    describe,
    expression,
)

__all__ = ["CHUNK_BYTES", "DynamoJournal", "connect_table", "create_table"]

#: Bytes of memory per item, under DynamoDB's 400 KB item limit with room for the key.
CHUNK_BYTES = 300_000


class DynamoJournal(Journal):
    """The journal in one DynamoDB table (see the module's docstring for its items)."""

    def __init__(self, table: Table) -> None:
        super().__init__()
        self.table = table
        self._ids = Ids()
        self._commit = GroupCommit(table, self._lost)
        self._last_run: str | None = None
        # What this process wrote: a step's or a call's run is not in its id.
        self._runs: dict[str, tuple[int, Scope]] = {}
        self._steps: dict[int, tuple[str, Scope]] = {}
        self._calls: dict[int, Scope] = {}

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

    def _read(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """A read, after every queued write is committed (a read sees this journal's writes)."""
        try:
            self._commit.flush()
            return fn(*args, **kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            raise self.table.error(error) from None

    def _lost(self, lease: Lease) -> LeaseLost:
        lock = self._read(self.table.get, _plain_key(lock_key(lease.account, lease.role))) or {}
        return LeaseLost(
            lease.account, lease.role, lock.get("holder", ""), float(lock.get("expires_at", 0))
        )

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
        self._last_run = run_id

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
        step_id: int | None,
        *,
        service: str,
        operation: str,
        region: str,
        params: dict[str, Any],
        key: str,
    ) -> int:
        if step_id is None:
            run_id = self._last_run
            scope = self._runs[run_id][1] if run_id in self._runs else None
        else:
            run_id, scope = self._steps.get(step_id, (None, None))
        if run_id is None or scope is None:
            raise JournalError(f"{self}: intent {key!r} belongs to no run (step {step_id})")
        call_id = self._ids.next()
        call = {
            "call_id": call_id,
            "run_id": run_id,
            "step_id": step_id,
            "service": service,
            "operation": operation,
            "region": region,
            "params": _dumps(params),
            "key": key,
            "created_at": time.time(),
        }
        self._write([call_item(self.table.name, scope, call)], scope)
        self._calls[call_id] = scope
        return call_id

    def result(
        self,
        call_id: int,
        *,
        ok: bool,
        response: dict[str, Any] | None = None,
        error: str | None = None,
        attempts: int = 1,
    ) -> None:
        scope = self._calls.get(call_id)
        if scope is None:
            raise JournalError(f"{self}: no call {call_id}")
        self._write(
            [
                update(
                    self.table.name,
                    role_pk(*scope),
                    f"call#{call_id:020d}",
                    ok=ok,
                    response=_dumps(response),
                    error=error,
                    attempts=attempts,
                    finished_at=time.time(),
                )
            ],
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
        return (_loads(found[0].get("response")) or {}) if found else None

    def unfinished(self, account: str, role: str) -> list[dict[str, Any]]:
        fields = (
            "call_id",
            "run_id",
            "service",
            "operation",
            "region",
            "params",
            "key",
            "created_at",
        )
        calls = self._calls_of((account, role), where="attribute_not_exists(#ok)")
        return [{f: c.get(f) for f in fields} | {"params": _loads(c["params"])} for c in calls]

    # per-role memory

    def memory(self, account: str, role: str, world: str = "real") -> dict[str, Any]:
        head = self._read(self.table.get, {"pk": role_pk(account, role), "sk": f"memory#{world}"})
        if head is None:
            return {}
        if "data" in head:
            return dict(json.loads(bytes(head["data"])))
        chunks = self._read(
            self.table.query,
            role_pk(account, role),
            "begins_with(#sk, :p)",
            {":p": f"memory#{world}#{head['generation']}#"},
        )
        if len(chunks) != head["chunks"]:
            raise JournalError(
                f"{self}: memory of {account}/{role} ({world}) is incomplete: "
                f"{len(chunks)} of {head['chunks']} parts"
            )
        return dict(json.loads(b"".join(bytes(c["data"]) for c in chunks)))

    def _old_chunks(self, pk: str, world: str) -> list[dict[str, Any]]:
        """Deletes of the chunks the current memory head refers to (in its replacement's
        transaction: never of chunks another holder may be writing)."""
        head = self._read(self.table.get, {"pk": pk, "sk": f"memory#{world}"}) or {}
        gen = head.get("generation")
        return [
            delete(self.table.name, pk, f"memory#{world}#{gen}#{n:05d}")
            for n in range(int(head.get("chunks", 0)) if gen else 0)
        ]

    def remember(
        self, account: str, role: str, memory: dict[str, Any], world: str = "real"
    ) -> None:
        pk, data = role_pk(account, role), _dumps(memory).encode()
        old, now = self._old_chunks(pk, world), time.time()
        if len(data) <= CHUNK_BYTES:
            head = put(self.table.name, pk, f"memory#{world}", data=data, updated_at=now)
        else:
            # The parts first, under a new generation nothing refers to yet; then the head
            # that refers to them, fenced, in one transaction with the old parts' deletion.
            gen = uuid.uuid4().hex[:12]
            parts = [data[i : i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)]
            self._read(
                self.table.batch_put,
                [
                    put(self.table.name, pk, f"memory#{world}#{gen}#{n:05d}", data=part)["Put"][
                        "Item"
                    ]
                    for n, part in enumerate(parts)
                ],
            )
            head = put(
                self.table.name,
                pk,
                f"memory#{world}",
                generation=gen,
                chunks=len(parts),
                updated_at=now,
            )
        self._write([head, *old], (account, role))

    def forget(self, account: str, role: str, world: str = "real") -> None:
        pk = role_pk(account, role)
        old = self._old_chunks(pk, world)
        self._write([delete(self.table.name, pk, f"memory#{world}"), *old], (account, role))

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
        fields = (
            "run_id",
            "workflow",
            "account",
            "role",
            "command",
            "target",
            "dry_run",
            "started_at",
            "finished_at",
            "outcome",
            "final_state",
        )
        return [{f: r.get(f) for f in fields} for r in found]

    def steps(self, run_id: str) -> list[dict[str, Any]]:
        items = self._read(self.table.query, f"run#{run_id}", "#sk <= :end", {":end": LAST})
        pointer = next((i for i in items if i["sk"] == "run"), None)
        if pointer is None:
            return []
        fields = (
            "step_id",
            "transition",
            "from_state",
            "to_state",
            "status",
            "error",
            "started_at",
            "finished_at",
        )
        steps = {
            i["step_id"]: {f: i.get(f) for f in fields} | {"calls": []}
            for i in items
            if i["sk"].startswith("step#")
        }
        call_fields = (
            "call_id",
            "service",
            "operation",
            "region",
            "key",
            "error",
            "attempts",
            "created_at",
            "finished_at",
        )
        for c in self._calls_of(
            (pointer["account"], pointer["role"]),
            int(pointer["seq"]),
            where="#run_id = :run",
            values={":run": run_id},
        ):
            if c.get("step_id") in steps:
                steps[c["step_id"]]["calls"].append(
                    {f: c.get(f) for f in call_fields}
                    | {
                        "params": _loads(c["params"]),
                        "response": _loads(c.get("response")),
                        "ok": c.get("ok"),
                    }
                )
        return list(steps.values())

    # the lease lock

    def _take(self, lease: Lease, lease_seconds: float, *, renewing: bool) -> Lease:
        key = lock_key(lease.account, lease.role)
        lock = self._read(self.table.get, _plain_key(key))
        now = time.time()
        holder = (lock or {}).get("holder", "")
        until, version = (
            float((lock or {}).get("expires_at", 0)),
            int((lock or {}).get("version", 0)),
        )
        # A renewal never steals: losing the lease means someone else may have acted.
        theirs = bool(holder) and holder != lease.holder
        live = theirs and until > now and not dead_here(holder)
        if theirs and (renewing or live):
            raise LockHeld(lease.account, lease.role, holder, until)
        if renewing:
            new = replace(lease, expires_at=now + lease_seconds)
            condition = "#holder = :h AND #version = :v"
            values: dict[str, Any] = {":h": lease.holder, ":v": lease.version}
            change = "SET #expires_at = :e"
        else:
            # Every taking is a new fencing token, even by the same holder.
            new = replace(lease, expires_at=now + lease_seconds, version=version + 1)
            condition = "attribute_not_exists(#sk)" if lock is None else "#version = :seen"
            values = {} if lock is None else {":seen": version}
            change = "SET #holder = :nh, #expires_at = :e, #version = :nv"
            values |= {":nh": new.holder, ":nv": new.version}
        values[":e"] = new.expires_at
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=key,
                UpdateExpression=change,
                ConditionExpression=condition,
                **expression(change, condition, values=values),
            )
        except botocore.exceptions.ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise self.table.error(error) from None
            now_lock = self._read(self.table.get, _plain_key(key)) or {}
            raise (LeaseLost if renewing else LockHeld)(
                lease.account,
                lease.role,
                now_lock.get("holder", ""),
                float(now_lock.get("expires_at", 0)),
            ) from None
        except botocore.exceptions.BotoCoreError as error:
            raise self.table.error(error) from None
        return new

    def _give_back(self, lease: Lease) -> None:
        # The item stays, with its version: the next taking's token must be greater.
        change, condition = (
            "SET #holder = :none, #expires_at = :zero",
            "#holder = :h AND #version = :v",
        )
        values = {":none": "", ":zero": 0, ":h": lease.holder, ":v": lease.version}
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=lock_key(lease.account, lease.role),
                UpdateExpression=change,
                ConditionExpression=condition,
                **expression(change, condition, values=values),
            )
        except botocore.exceptions.ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise self.table.error(error) from None


def _plain_key(key: dict[str, dict[str, str]]) -> dict[str, str]:
    return {k: v["S"] for k, v in key.items()}


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
