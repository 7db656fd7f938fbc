"""A role's memory in the shared table: inline in one item, or in parts under a generation
that its head item names (an item holds at most 400 KB; a drain of thousands of dependents
does not fit one). Reads go through the journal's retried reader; the writes returned here are
sent by the journal, fenced, in one transaction."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from lifecycle.errors import JournalError
from lifecycle.journal.contract import to_json
from lifecycle.journal.dynamodb.items import delete, put
from lifecycle.journal.dynamodb.lock import role_pk
from lifecycle.journal.dynamodb.table import Table

__all__ = ["CHUNK_BYTES", "forget_writes", "memory_writes", "read_memory"]

#: Bytes of memory per item, under DynamoDB's 400 KB item limit with room for the key.
CHUNK_BYTES = 300_000

#: The journal's retried read: ``read(fn, *args)`` calls ``fn(*args)``.
Read = Callable[..., Any]


def read_memory(table: Table, read: Read, account: str, role: str, world: str) -> dict[str, Any]:
    head = read(table.get, {"pk": role_pk(account, role), "sk": f"memory#{world}"})
    if head is None:
        return {}
    if "data" in head:
        return dict(json.loads(bytes(head["data"])))
    chunks = read(
        table.query,
        role_pk(account, role),
        "begins_with(#sk, :p)",
        {":p": f"memory#{world}#{head['generation']}#"},
    )
    if len(chunks) != head["chunks"]:
        raise JournalError(
            f"{table}: memory of {account}/{role} ({world}) is incomplete: "
            f"{len(chunks)} of {head['chunks']} parts"
        )
    return dict(json.loads(b"".join(bytes(c["data"]) for c in chunks)))


def _old_chunks(table: Table, read: Read, pk: str, world: str) -> list[dict[str, Any]]:
    """Deletes of the chunks the current memory head refers to (in its replacement's
    transaction: never of chunks another holder may be writing)."""
    head = read(table.get, {"pk": pk, "sk": f"memory#{world}"}) or {}
    gen = head.get("generation")
    return [
        delete(table.name, pk, f"memory#{world}#{gen}#{n:05d}")
        for n in range(int(head.get("chunks", 0)) if gen else 0)
    ]


def memory_writes(
    table: Table, read: Read, account: str, role: str, memory: dict[str, Any], world: str
) -> list[dict[str, Any]]:
    """The fenced writes that make ``memory`` the role's memory in ``world``."""
    pk, data = role_pk(account, role), to_json(memory).encode()
    old, now = _old_chunks(table, read, pk, world), time.time()
    if len(data) <= CHUNK_BYTES:
        return [put(table.name, pk, f"memory#{world}", data=data, updated_at=now), *old]
    # The parts first, under a new generation nothing refers to yet; then the head that
    # refers to them, fenced, in one transaction with the old parts' deletion.
    gen = uuid.uuid4().hex[:12]
    parts = [data[i : i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)]
    read(
        table.batch_put,
        [
            put(table.name, pk, f"memory#{world}#{gen}#{n:05d}", data=part)["Put"]["Item"]
            for n, part in enumerate(parts)
        ],
    )
    head = put(table.name, pk, f"memory#{world}", generation=gen, chunks=len(parts), updated_at=now)
    return [head, *old]


def forget_writes(
    table: Table, read: Read, account: str, role: str, world: str
) -> list[dict[str, Any]]:
    pk = role_pk(account, role)
    return [delete(table.name, pk, f"memory#{world}"), *_old_chunks(table, read, pk, world)]
