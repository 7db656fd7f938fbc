"""A plan as a pull-request comment: one Markdown document, from plan documents.

GitHub and GitLab render it as it is: a summary line, the lifecycle as a Mermaid diagram with
the planned path marked (diagrams.py's renderer), the exact writes of each step, the dependents
the plan changes, the IAM permissions it needs and the fingerprints ``slr apply plan.json``
checks. A comment holds at most 65,536 characters: past that, the tables are cut, each with
a count of the rows left out.

Each plan document is one account's ``slr plan`` JSON (``-o plan.json``); a comment has one
section per account, so a fleet's plans make one comment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lifecycle.model.calls import Call
from lifecycle.model.workflow import OBSERVE, Workflow
from lifecycle.views import diagrams
from lifecycle.views.policy import operations_policy
from lifecycle.views.review.changes import dependent_changes, dependent_of
from lifecycle.views.text import settings_text

__all__ = ["COMMENT_LIMIT", "plan_comment", "planned_path"]

#: The most characters a GitHub comment holds (GitLab's limit is higher).
COMMENT_LIMIT = 65_536

#: What each fingerprint covers: ``apply plan.json`` refuses the plan when it no longer holds.
FINGERPRINTS = {
    "definition": "the lifecycle definition or the workflow's operations changed",
    "observed": "the state, the role, the active dependents or the target changed",
}


def code(value: object) -> str:
    """``value`` as an inline code span that is safe in a table cell: nothing in it is read
    as Markdown or HTML (names come from AWS), and a ``|`` does not end the cell."""
    text = " ".join(str(value).split()).replace("|", "\\|")
    if not text:
        return "-"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def planned_path(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The triggers a plan fires, in order (a blocked step fires nothing)."""
    return tuple(
        s["transition"] for s in document["steps"] if s["transition"] and s["status"] != "blocked"
    )


def _writes(step: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [op for op in step["operations"] if op.get("access") == "write"]


def _call(op: Mapping[str, Any]) -> Call:
    return Call.from_dict(op)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class _Rows:
    """A table's rows, which a comment too long for its limit cuts."""

    rows: list[str]
    #: What one row is (``write``), to count what a cut leaves out.
    noun: str

    def cut(self, limit: int | None) -> list[str]:
        """The rows up to ``limit``, and a line counting the rest."""
        if limit is None or len(self.rows) <= limit:
            return self.rows
        left = _plural(len(self.rows) - limit, "more " + self.noun)
        return [
            *self.rows[:limit],
            "",
            f"_... and {left}, not shown: the comment would be "
            "too long (`slr plan -o plan.json` has them all)._",
        ]


_Lines = list[str | _Rows]


def _summary(document: Mapping[str, Any]) -> str:
    writes = sum(len(_writes(s)) for s in document["steps"])
    parts = [
        f"account {code(document['account'])}",
        f"role {code(document['role'])}",
        f"**{document['start_state']} → {document['target']}**",
        _plural(writes, "write"),
    ]
    skipped = document.get("skipped_regions")
    if skipped is not None:
        parts.append("regions skipped: " + (_skipped(skipped) or "none"))
    return " · ".join(parts)


def _skipped(skipped: Mapping[str, str]) -> str:
    """The skipped regions, those that share a reason together: ``a``, ``b`` (why)."""
    by_reason: dict[str, list[str]] = {}
    for region, why in sorted(skipped.items()):
        by_reason.setdefault(why, []).append(region)
    return ", ".join(
        f"{', '.join(code(r) for r in regions)} ({why})" for why, regions in by_reason.items()
    )


def _diagram(workflow: Workflow, document: Mapping[str, Any]) -> list[str]:
    highlight = diagrams.Highlight(document["start_state"], planned_path(document))
    mermaid = diagrams.to_mermaid(diagrams.extract(workflow, highlight))
    return ["```mermaid", mermaid.rstrip("\n"), "```"]


def _steps(document: Mapping[str, Any]) -> _Lines:
    lines: _Lines = []
    for number, step in enumerate(document["steps"], 1):
        what = step["transition"] or f"converge {step['detail'].get('converged', 'role')}"
        if step["transition"] is None and step["status"] == "noop":
            continue
        lines += ["", f"#### {number}. {what}: {step['from']} → {step['to']}"]
        writes = _writes(step)
        reads = len(step["operations"]) - len(writes)
        lines += [
            "",
            f"{_plural(len(writes), 'write')}, {_plural(reads, 'read')} "
            f"(reads change nothing and are not listed).",
        ]
        if step.get("error"):
            lines += ["", f"> **{step['status']}**: {code(step['error'])}"]
        if writes:
            table = [
                f"| {code(op['region'])} | {code(op['service'] + ':' + op['operation'])} "
                f"| {code(settings_text(op.get('parameters') or {}))} |"
                for op in writes
            ]
            lines += ["", "| region | operation | parameters |", "|---|---|---|"]
            lines.append(_Rows(table, "write"))
    return lines


def _dependents(workflow: Workflow, document: Mapping[str, Any]) -> _Lines:
    lines: _Lines = ["", "### Dependents this plan changes", ""]
    observed = document.get("dependents")
    if observed is None:
        return [*lines, "_This plan document lists no observed dependents._"]
    writes: list[tuple[Call, Mapping[str, Any]]] = [
        (_call(op), {}) for s in document["steps"] for op in _writes(s)
    ]
    changes = dependent_changes(workflow, map(dependent_of, observed), writes)
    if not changes:
        return [*lines, "None: no dependent's settings change."]
    table = [
        f"| {code(c.before.region)} | {c.before.kind} | {code(c.before.name)} "
        f"| {code(settings_text(c.before.settings))} | {code(settings_text(c.after))} "
        f"| {'; '.join(c.notes) or '-'} |"
        for c in changes
    ]
    head = ["| region | kind | name | now | after the plan | notes |", "|---|---|---|---|---|---|"]
    return [*lines, *head, _Rows(table, "dependent")]


def _permissions(workflow: Workflow, document: Mapping[str, Any]) -> list[str]:
    # The plan's own transitions, observation, and any write outside them (a converge).
    sent = {(op["service"], op["operation"]) for s in document["steps"] for op in _writes(s)}
    operations = {
        *workflow.operations(OBSERVE, *planned_path(document)),
        *(op for op in workflow.operations() if (op.service, op.name) in sent),
    }
    policy = operations_policy(workflow, operations)
    actions = sorted({a for st in policy["Statement"] for a in st["Action"]})
    return [
        "",
        "### IAM permissions this plan needs",
        "",
        ", ".join(code(a) for a in actions),
        "",
        "<details><summary>The least-privilege policy (from <code>slr policy</code>'s "
        "generator, limited to this plan's transitions and observation)</summary>",
        "",
        "```json",
        json.dumps(policy, indent=2),
        "```",
        "",
        "</details>",
    ]


def _fingerprints(document: Mapping[str, Any]) -> list[str]:
    lines = [
        "",
        "### Fingerprints `slr apply plan.json` checks",
        "",
        "| fingerprint | value | the plan is refused when |",
        "|---|---|---|",
    ]
    for name, value in sorted((document.get("fingerprints") or {}).items()):
        lines.append(f"| {name} | {code(value)} | {FINGERPRINTS.get(name, '-')} |")
    return lines


def _account(workflow: Workflow, document: Mapping[str, Any]) -> _Lines:
    lines: _Lines = [f"## Account {code(document['account'])}", "", _summary(document)]
    if document.get("error"):
        lines += ["", f"> **The plan stops**: {code(document['error'])}"]
    if not planned_path(document) and not any(_writes(s) for s in document["steps"]):
        return [*lines, "", f"Nothing to do: the role is already {document['final_state']}."]
    lines += ["", *_diagram(workflow, document), "", "### Steps"]
    lines += _steps(document)
    lines += _dependents(workflow, document)
    lines += _permissions(workflow, document)
    lines += _fingerprints(document)
    return lines


def _comment(workflow: Workflow, plans: Sequence[Mapping[str, Any]]) -> _Lines:
    targets = sorted({p["target"] for p in plans})
    lines: _Lines = [f"# slr plan: {workflow.role_name} → {', '.join(targets)}"]
    for document in plans:
        lines += ["", *_account(workflow, document)]
    lines += [
        "",
        "---",
        f"_Made by `slr plan --format markdown` ({workflow.name} workflow); "
        "nothing was written. `slr apply plan.json` sends exactly these writes while "
        "the fingerprints hold._",
    ]
    return lines


def _text(lines: _Lines, rows: int | None) -> str:
    """The comment with at most ``rows`` rows per table (all with ``None``)."""
    flat = [
        part for line in lines for part in (line.cut(rows) if isinstance(line, _Rows) else [line])
    ]
    return "\n".join(flat) + "\n"


def plan_comment(
    workflow: Workflow, plans: Sequence[Mapping[str, Any]], *, limit: int = COMMENT_LIMIT
) -> str:
    """One Markdown comment for ``plans`` (one plan document per account), at most ``limit``
    characters: the longest tables that fit, each cut with a count of what was left out."""
    lines = _comment(workflow, plans)
    full = _text(lines, None)
    if len(full) <= limit:
        return full
    # The most rows per table that fit: the comment grows with it, so search for it.
    low, high = 0, max(len(line.rows) for line in lines if isinstance(line, _Rows))
    while low < high:
        middle = (low + high + 1) // 2
        if len(_text(lines, middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    text = _text(lines, low)
    if len(text) > limit:  # only so many accounts fit, even without a table row
        ending = "\n\n_... cut: the comment would be too long (see the JSON plans)._\n"
        text = text[: limit - len(ending)] + ending
    return text
