"""What ``slr`` prints on stdout for people: tables of dependents, plans and runs.

JSON output is the ``as_dict`` of the results themselves; this module is only the text.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from lifecycle.model.observation import Observation

if TYPE_CHECKING:
    from lifecycle.engine.runner import Runner

__all__ = [
    "Progress",
    "dependents_table",
    "history_text",
    "run_text",
    "settings_text",
    "status_document",
    "status_text",
]


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]


def settings_text(settings: Any) -> str:
    """``key=value`` pairs, sorted by key; a list's items joined by commas (``-`` if empty)."""

    def text(value: Any) -> str:
        return ",".join(map(str, value)) or "-" if isinstance(value, list | tuple) else str(value)

    return " ".join(f"{k}={text(v)}" for k, v in sorted(dict(settings).items()))


def dependents_table(world: Observation) -> list[str]:
    rows = [
        (d.region, d.kind, d.name, "yes" if d.active else "no", settings_text(d.settings))
        for d in world.dependents
    ]
    if not rows:
        return ["  (no dependents in the scanned regions)"]
    return ["  " + line for line in _table(("REGION", "KIND", "NAME", "ACTIVE", "SETTINGS"), rows)]


def status_document(runner: Runner, account: str, world: Observation, state: str) -> dict[str, Any]:
    """What ``status --output json`` prints (and a fleet's status, per account)."""
    from lifecycle.model.results import SCHEMA_VERSION

    facts = world.as_dict() | {"dependents": runner.dependents_of(world)}
    keys = (
        "role",
        "dependents",
        "scanned_regions",
        "unscanned_regions",
        "skipped_regions",
        "deletion_task",
    )
    return {
        "schema_version": SCHEMA_VERSION,
        "command": "status",
        "workflow": runner.workflow.name,
        "account": account,
        "state": runner.workflow.definition.state(state).label,
        **{key: facts[key] for key in keys},
        "dependents_known": runner.workflow.dependents_known,
    }


def status_text(document: dict[str, Any], world: Observation) -> str:
    role = document["role"]
    lines = [
        f"workflow    {document['workflow']}",
        f"account     {document['account']}",
        f"state       {document['state']}",
        f"role        {role['arn'] if role else '(absent)'}",
    ]
    if role and role.get("created"):
        lines.append(f"created     {role['created']}")
    task = document.get("deletion_task")
    if task:
        lines.append(f"deletion    {task['status']} {task['id']}")
    if document.get("dependents_known") is False:
        lines.append("dependents  unknown: no workflow knows what uses this role")
        return "\n".join(lines) + "\n"
    active = sum(1 for d in world.dependents if d.active)
    lines.append(
        f"dependents  {len(world.dependents)} found, {active} active, "
        f"{len(world.scanned_regions)} regions scanned"
    )
    lines += dependents_table(world)
    for dependent in document["dependents"]:
        where = f"{dependent['region']}/{dependent['name']}"
        for note in dependent.get("notes", ()):
            lines.append(f"note        {where}: {note}")
        if dependent.get("by_hand"):
            lines.append(f"by hand     {where} ({dependent['kind']}): {dependent['by_hand']}")
    for region, why in sorted(world.unscanned_regions.items()):
        lines.append(f"not scanned {region}: {why}")
    skipped = skipped_line(world.skipped_regions)
    if skipped:
        lines.append(f"skipped     {skipped}")
    return "\n".join(lines) + "\n"


def skipped_line(skipped: dict[str, str] | Any) -> str:
    """One line for the regions a scan skipped: their names, then the reason(s)."""
    if not skipped:
        return ""
    reasons = sorted(set(skipped.values()))
    return f"{', '.join(sorted(skipped))} ({'; '.join(reasons)})"


def _operation(op: dict[str, Any]) -> str:
    params = settings_text(op.get("parameters", {}))
    tries = f"  ({op['attempts']} attempts)" if op.get("attempts", 0) > 1 else ""
    return f"{op['service']}:{op['operation']} [{op['region']}] {params}".rstrip() + tries


def run_text(document: dict[str, Any]) -> str:
    verb = (
        "plan" if document["command"] == "plan" else ("dry run" if document["dry_run"] else "apply")
    )
    lines = [
        f"{verb}: {document['start_state']} -> {document['target']} (run {document['run_id']})"
    ]
    left_out = document.get("regions_left_out")
    if left_out:
        every = len(left_out) + len(document.get("regions", ()))
        lines.append(
            f"regions left out by --regions, not scanned: {len(left_out)} of {every} "
            f"({', '.join(left_out)})"
        )
    if document.get("dependents_known") is False:
        lines.append(
            "dependents: unknown (no workflow knows what uses this role; IAM's failed deletion "
            "may name some); a decommission needs --accept-unknown-dependents"
        )
    if not document["steps"] and not document.get("error"):
        lines.append(_nothing_to_do(document["final_state"], document["target"]))
    for number, step in enumerate(document["steps"], 1):
        lines += _step_lines(number, step, document["target"])
    skipped = skipped_line(document.get("skipped_regions"))
    if skipped:
        lines.append(f"skipped regions: {skipped}")
    lines.append(f"final state: {document['final_state']}")
    if document.get("error"):
        lines.append(f"error: {document['error']}")
    return "\n".join(lines) + "\n"


def _step_lines(number: int, step: dict[str, Any], target: str) -> list[str]:
    if step["transition"] is None and step["status"] == "noop":
        return [_nothing_to_do(step["to"], target)]
    # A step outside the lifecycle (the role's description converged) names what it did.
    what = step["transition"] or f"converge {step['detail'].get('converged', 'role')}"
    lines = [f"  {number}. {what}: {step['from']} -> {step['to']}  [{step['status']}]"]
    shown = [op for op in step["operations"] if op.get("access") == "write"]
    for op in shown:
        lines.append(f"       {_operation(op)}")
    reads = len(step["operations"]) - len(shown)
    if reads:
        lines.append(f"       + {reads} read{'s' if reads > 1 else ''}")
    if step.get("error"):
        lines.append(f"       ! {step['error']}")
    detail = step.get("detail", {})
    for name, notes in sorted(detail.get("notes", {}).items()):
        lines += [f"       note: {name}: {note}" for note in notes]
    for name in detail.get("gone", ()):
        lines.append(f"       gone: {name} (deleted since it was scanned; dropped)")
    for entry in detail.get("usage") or ():
        lines.append(f"       still used in {entry['region']}: {', '.join(entry['resources'])}")
    return lines


def _nothing_to_do(state: str, target: str) -> str:
    if state == target:
        return f"  nothing to do: already {state}"
    # A state that meets the target (no role: nothing left to delete).
    return f"  nothing to do: {state}, so {target} already holds"


def _when(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch)) if epoch else "-"


def history_text(runs: list[dict[str, Any]], steps: list[dict[str, Any]] | None) -> str:
    if steps is not None:
        lines = []
        for step in steps:
            lines.append(
                f"{_when(step['started_at'])}  {step['transition']}: "
                f"{step['from_state']} -> {step['to_state']}  [{step['status']}]"
                + (f"  {step['error']}" if step.get("error") else "")
            )
            for call in step["calls"]:
                state = {1: "ok", 0: "failed", None: "no result (interrupted)"}[call["ok"]]
                lines.append(
                    f"    {call['service']}:{call['operation']} [{call['region']}] "
                    f"{call['key']}  {state}"
                )
        return "\n".join(lines or ["(no steps)"]) + "\n"
    rows = [
        (
            _when(r["started_at"]),
            r["run_id"],
            r["command"] + (" --dry-run" if r["dry_run"] and r["command"] != "plan" else ""),
            r["target"] or "-",
            r["outcome"] or "(interrupted)",
            r["final_state"] or "-",
        )
        for r in runs
    ]
    if not rows:
        return "(no runs yet)\n"
    return (
        "\n".join(_table(("STARTED", "RUN", "COMMAND", "TARGET", "OUTCOME", "FINAL"), rows)) + "\n"
    )


class Progress:
    """A live progress line on a terminal's stderr; silent when stderr is not a terminal."""

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self._shown = False

    def __call__(self, message: str) -> None:
        if self.live:
            self.stream.write(f"\r\033[K{message}")
            self.stream.flush()
            self._shown = True

    def done(self) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False
