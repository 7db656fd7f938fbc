"""The items of the shared journal, as transaction actions: one place for their layout,
used by the journal's writes and by a migration alike (see
:mod:`lifecycle.journal.dynamodb.journal`).

Items (``pk`` / ``sk``, both strings):

- ``role#<account>#<role>`` / ``lock``: the lease (holder, expires_at, version: the fencing
  token); ``memory#<world>``: the memory, inline, or naming the generation of its chunks
  ``memory#<world>#<generation>#<n>`` (an item holds at most 400 KB; a drain of thousands of
  dependents does not fit one); ``call#<call id>``: a write call, intent then result;
- ``runs`` / ``<seq>#<run id>``: the runs, newest last (``seq`` is the start in microseconds);
- ``run#<run id>`` / ``run``: where the run sits; ``step#<step id>``: its steps.

Ids are microseconds, strictly increasing in a process: runs of one role never overlap (the
lease), so their order is their runs'.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from lifecycle.journal.contract import Scope
from lifecycle.journal.dynamodb.lock import role_pk
from lifecycle.journal.dynamodb.table import value

__all__ = [
    "CALL_FIELDS",
    "LAST",
    "RUN_FIELDS",
    "STEP_FIELDS",
    "UNFINISHED_FIELDS",
    "Ids",
    "call_item",
    "delete",
    "put",
    "run_items",
    "step_item",
    "update",
]

#: The fields of a run, a step, a step's call and an unfinished call, as the contract returns
#: them (the SQLite journal's columns).
RUN_FIELDS = (
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
STEP_FIELDS = (
    "step_id",
    "transition",
    "from_state",
    "to_state",
    "status",
    "error",
    "started_at",
    "finished_at",
)
CALL_FIELDS = (
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
UNFINISHED_FIELDS = (
    "call_id",
    "run_id",
    "service",
    "operation",
    "region",
    "params",
    "key",
    "created_at",
)
LAST = "~"  # sorts after every digit: the end of an open sort-key range


class Ids:
    """Strictly increasing microsecond ids (a clock that steps back does not repeat one)."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._last = max(time.time_ns() // 1000, self._last + 1)
            return self._last


def key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    return {"pk": value(pk), "sk": value(sk)}


def put(table: str, pk: str, sk: str, **attrs: Any) -> dict[str, Any]:
    item = key(pk, sk) | {k: value(v) for k, v in attrs.items()}
    return {"Put": {"TableName": table, "Item": item}}


def update(table: str, pk: str, sk: str, **attrs: Any) -> dict[str, Any]:
    names = {f"#a{i}": k for i, k in enumerate(attrs)}
    values = {f":a{i}": value(v) for i, v in enumerate(attrs.values())}
    sets = ", ".join(f"#a{i} = :a{i}" for i in range(len(attrs)))
    return {
        "Update": {
            "TableName": table,
            "Key": key(pk, sk),
            "UpdateExpression": f"SET {sets}",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def delete(table: str, pk: str, sk: str) -> dict[str, Any]:
    return {"Delete": {"TableName": table, "Key": key(pk, sk)}}


def run_items(table: str, seq: int, run: dict[str, Any]) -> list[dict[str, Any]]:
    """A run in the runs' partition, by start, and where it sits, by run id."""
    return [
        put(table, "runs", f"{seq:020d}#{run['run_id']}", **run),
        put(
            table, f"run#{run['run_id']}", "run", seq=seq, account=run["account"], role=run["role"]
        ),
    ]


def step_item(table: str, run_id: str, step: dict[str, Any]) -> dict[str, Any]:
    """A step, in its run's partition."""
    return put(table, f"run#{run_id}", f"step#{step['step_id']:020d}", **step)


def call_item(table: str, scope: Scope, call: dict[str, Any]) -> dict[str, Any]:
    """A write call, in its role's partition (its params and response as JSON text)."""
    return put(table, role_pk(*scope), f"call#{call['call_id']:020d}", **call)
