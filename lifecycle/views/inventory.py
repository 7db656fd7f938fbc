"""An inventory as people and machines read it: a text table, Markdown (for a ticket or a
pull request), CSV, and the JSON document (``schema_version``, one item per role).

Each role reads: its name, the service principal, when it was created, its last use (date
and region, ``never``, or ``not within 400 days``), whether it went unused for the days
asked, the workflow that knows it (or the one that can still create and delete it), and
who clears what uses it (its workflow's drain, or a person); with a scan, its lifecycle
state and active dependents.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from lifecycle.model.inventory import Entry, LastUse, summary
from lifecycle.model.results import SCHEMA_VERSION
from lifecycle.views.text import _table

__all__ = ["inventory_csv", "inventory_document", "inventory_markdown", "inventory_text"]


def _last_use(entry: Entry) -> str:
    role = entry.role
    if entry.last_use is LastUse.USED and role.last_used is not None:
        return f"{role.last_used:%Y-%m-%d} {role.last_used_region or '?'}"
    return str(entry.last_use)


def _workflow(entry: Entry) -> str:
    if entry.workflow is not None:
        return entry.workflow
    return f"none ({entry.lifecycle} deletes)" if entry.lifecycle else "none"


def _clears(entry: Entry) -> str:
    return "its drain" if entry.cleared_by == "workflow" else "a person"


def _scanned(entry: Entry) -> tuple[str, str]:
    if entry.state is None:
        return "-", entry.scan_note or ("unknown" if entry.workflow is None else "-")
    active = entry.active or ()
    return entry.state, ", ".join(active) if active else "none"


def _columns(found: Sequence[Entry], scanned: bool) -> tuple[list[str], list[list[str]]]:
    fleet = any(e.account for e in found)
    headers = ["role", "service", "created", "last used", "unused", "workflow", "cleared by"]
    if scanned:
        headers += ["state", "active dependents"]
    rows = []
    for e in found:
        row = [
            e.role.name,
            e.role.principal,
            f"{e.role.created:%Y-%m-%d}",
            _last_use(e),
            "yes" if e.unused else "no",
            _workflow(e),
            _clears(e),
        ]
        if scanned:
            row += list(_scanned(e))
        rows.append([e.account or "", *row] if fleet else row)
    return (["account", *headers] if fleet else headers), rows


def inventory_text(
    found: Sequence[Entry], days: int, *, scanned: bool, failed: Mapping[str, str] | None = None
) -> str:
    headers, rows = _columns(found, scanned)
    lines = _table(headers, rows) if rows else ["(no service-linked role)"]
    facts = summary(found, failed)
    where = f" in {facts['accounts']} accounts" if facts["accounts"] > 1 else ""
    lines.append(
        f"{facts['roles']} service-linked roles{where}, {facts['unused']} unused for {days}+ days"
    )
    if facts["accounts"] > 1:
        for principal, counts in facts["by_service"].items():
            lines.append(f"  {principal}: {counts['roles']} roles, {counts['unused']} unused")
    for account, why in facts["failed_accounts"].items():
        lines.append(f"failed {account}: {why}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def inventory_markdown(
    found: Sequence[Entry], days: int, *, scanned: bool, failed: Mapping[str, str] | None = None
) -> str:
    headers, rows = _columns(found, scanned)
    facts = summary(found, failed)
    lines = [
        f"### Service-linked roles: {facts['roles']}, {facts['unused']} unused for {days}+ days",
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
    ]
    for row in rows:
        cells = [f"`{row[0]}`" if not any(e.account for e in found) else row[0], *row[1:]]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if facts["failed_accounts"]:
        lines += ["", "Accounts that failed:", ""]
        lines += [f"- {a}: {_cell(why)}" for a, why in facts["failed_accounts"].items()]
    return "\n".join(lines) + "\n"


def inventory_csv(found: Sequence[Entry], *, scanned: bool) -> str:
    """One row per role, the JSON document's fields as columns (dates in ISO 8601)."""
    out = io.StringIO()
    fields = [
        "account",
        "name",
        "principal",
        "created",
        "last_used",
        "last_used_region",
        "last_use",
        "unused",
        "workflow",
        "lifecycle_workflow",
        "cleared_by",
    ]
    if scanned:
        fields += ["state", "active_dependents", "scan_note"]
    writer = csv.DictWriter(out, fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for entry in found:
        item = entry.as_dict()
        if scanned:
            item["active_dependents"] = " ".join(item["active_dependents"] or ())
        writer.writerow(item)
    return out.getvalue()


def inventory_document(
    found: Sequence[Entry],
    days: int,
    now: datetime,
    *,
    scanned: bool,
    accounts: Sequence[Mapping[str, Any]] = (),
    failed: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``inventory --output json``; ``accounts``: a fleet's, each with how it ended."""
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "command": "inventory",
        "generated_at": now.isoformat(),
        "unused_days": days,
        "scanned": scanned,
        "roles": [entry.as_dict() for entry in found],
        "summary": summary(found, failed),
    }
    if accounts:
        document["accounts"] = list(accounts)
    return document
