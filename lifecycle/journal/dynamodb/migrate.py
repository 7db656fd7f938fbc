"""``slr state migrate``: a local SQLite journal copied into the shared table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.exceptions

from lifecycle.journal.dynamodb.items import call_item, run_items, step_item
from lifecycle.journal.dynamodb.journal import DynamoJournal
from lifecycle.journal.sqlite import SqliteJournal

__all__ = ["migrate"]


def _renumber(rows: list[dict[str, Any]], id_field: str, time_field: str) -> dict[int, int]:
    """Microsecond ids, as the shared journal makes them, for a local journal's counters: in
    the same order, so that migrated history sorts before what comes after it."""
    out, last = {}, 0
    for row in rows:
        last = max(int(row[time_field] * 1e6), last + 1)
        out[int(row[id_field])] = last
    return out


def migrate(source: Path, target: DynamoJournal) -> dict[str, int]:
    """Copy runs, steps, calls and memory of the journal file ``source`` into ``target``; a
    second copy writes the same items again. The counts copied."""
    local = SqliteJournal(source)
    try:
        rows = local.export()
    finally:
        local.close()
    name = target.table.name
    steps = _renumber(rows["steps"], "step_id", "started_at")
    calls = _renumber(rows["calls"], "call_id", "created_at")
    items = []
    for run in rows["runs"]:
        run = run | {"dry_run": bool(run["dry_run"])}
        items += run_items(name, int(run["started_at"] * 1e6), run)
    for step in rows["steps"]:
        run_id = step.pop("run_id")
        items.append(step_item(name, run_id, step | {"step_id": steps[step["step_id"]]}))
    for call in rows["calls"]:
        scope = (call.pop("account"), call.pop("role"))
        ok = call.pop("ok")
        call |= {"call_id": calls[call["call_id"]], "step_id": steps.get(call["step_id"])}
        if ok is not None:  # an intent without result stays one
            call["ok"] = bool(ok)
        items.append(call_item(name, scope, call))
    try:
        target.table.batch_put([item["Put"]["Item"] for item in items])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        raise target.table.error(error) from None
    for memory in rows["memory"]:
        target.remember(
            memory["account"], memory["role"], json.loads(memory["memory"]), memory["world"]
        )
    return {
        "runs": len(rows["runs"]),
        "steps": len(rows["steps"]),
        "calls": len(rows["calls"]),
        "memories": len(rows["memory"]),
    }
