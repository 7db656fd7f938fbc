"""A run as one self-contained HTML page, from what the journal keeps of it.

The page needs no network and no script: its style is inline, the diagram is inline SVG (or,
without Graphviz, a table that says so), and a Content-Security-Policy forbids every fetch.
Everything shown is escaped: names come from AWS. It prints on paper as it reads on screen.

What the journal keeps, and so what the page shows: the run, its steps, and each write call
(parameters, attempts, outcome, the time from its intent to its result). Reads are not
journaled; neither is a snapshot of the dependents per run, so "before" is the role's drain
record (the settings a drain replaced, as the journal remembers them now).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from lifecycle.model.calls import Call
from lifecycle.model.workflow import Workflow
from lifecycle.views import diagrams
from lifecycle.views.review.changes import dependent_changes, dependent_of
from lifecycle.views.text import settings_text

__all__ = ["run_highlight", "run_page"]

#: No fetch of any kind, no script: the page is read as it is.
_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_STYLE = """
:root { --ok: #166534; --ok-bg: #dcfce7; --bad: #991b1b; --bad-bg: #fee2e2;
        --wait: #92400e; --wait-bg: #fef3c7; --line: #d4d4d8; --muted: #52525b; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       color: #18181b; margin: 0 auto; padding: 24px 32px; max-width: 1180px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
code, .mono { font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.outcome { display: inline-block; font-weight: 700; padding: 3px 12px; border-radius: 999px;
           font-size: 14px; letter-spacing: .02em; text-transform: uppercase; }
.succeeded { color: var(--ok); background: var(--ok-bg); }
.failed, .interrupted { color: var(--bad); background: var(--bad-bg); }
.pending { color: var(--wait); background: var(--wait-bg); }
.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr;
         gap: 2px 16px; margin: 12px 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 0; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { font-size: 13px; color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.step td { background: #f4f4f5; font-weight: 600; }
tr.call td:first-child { padding-left: 28px; }
.params { font: 12px/1.35 ui-monospace, Menlo, Consolas, monospace; color: var(--muted);
          overflow-wrap: break-word; margin-top: 2px; }
th.axis, td.axis { width: 22%; }
td code, .nowrap { white-space: nowrap; }
.bar { height: 10px; background: #71717a; border-radius: 2px; min-width: 3px; }
tr.step .bar { background: #b45309; }
.diagram svg { max-width: 100%; height: auto; }
.note { color: var(--muted); font-size: 13px; }
.warn { border-left: 4px solid #b45309; background: var(--wait-bg); padding: 6px 10px; }
.taken { font-weight: 700; color: #b45309; }
@media print {
  body { padding: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  tr, .diagram { break-inside: avoid; }
  .outcome, .bar, tr.step td { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _when(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch)) if epoch else "-"


def _seconds(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else max(0.0, end - start)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def run_highlight(steps: Sequence[Mapping[str, Any]]) -> diagrams.Highlight | None:
    """The state a run started from and the transitions it took (a step that failed or
    changed no state took none); ``None`` for a run without steps."""
    if not steps:
        return None
    taken = tuple(s["transition"] for s in steps if s["to_state"] not in (None, s["from_state"]))
    return diagrams.Highlight(steps[0]["from_state"], taken, taken=True)


def _outcome(run: Mapping[str, Any]) -> str:
    return str(run.get("outcome") or "interrupted")


def _header(workflow: Workflow, run: Mapping[str, Any], label: Any) -> list[str]:
    command = run["command"] + (" --dry-run" if run.get("dry_run") else "")
    outcome = _outcome(run)
    facts = [
        ("workflow", run["workflow"]),
        ("account", run["account"]),
        ("role", run["role"]),
        ("command", f"slr {command} --target {run.get('target') or '-'}"),
        ("started", _when(run.get("started_at"))),
        ("finished", _when(run.get("finished_at"))),
        ("took", _duration(_seconds(run.get("started_at"), run.get("finished_at")))),
        ("final state", label(run.get("final_state")) if run.get("final_state") else "-"),
    ]
    return [
        f"<h1>Run <code>{_e(run['run_id'])}</code> of {_e(workflow.role_name)}</h1>",
        f'<p><span class="outcome {_e(outcome)}" id="outcome">{_e(outcome)}</span> '
        f"&nbsp;final state <strong>{_e(facts[-1][1])}</strong></p>",
        '<dl class="facts">',
        *(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts),
        "</dl>",
    ]


def _diagram(diagram: diagrams.Diagram, svg: str | None) -> list[str]:
    lines = ["<h2>Path taken</h2>", '<div class="diagram">']
    if svg is not None:
        # The SVG element alone: no XML prolog or DOCTYPE inside HTML.
        lines.append(svg[svg.find("<svg") :])
    else:
        labels = {node.id: node.label for node in diagram.nodes}
        lines += [
            '<p class="warn">Graphviz\'s <code>dot</code> is not installed where this page '
            "was made, so the diagram is shown as a table of the lifecycle's transitions "
            "(the path taken in bold).</p>",
            "<table><tr><th>from</th><th>trigger</th><th>to</th></tr>",
            *(
                f"<tr{' class=taken' if e.highlighted else ''}><td>{_e(labels[e.source])}</td>"
                f"<td>{_e(e.title)}</td><td>{_e(labels[e.dest])}</td></tr>"
                for e in diagram.edges
            ),
            "</table>",
        ]
    path = [e.trigger for e in diagram.edges if e.highlighted]
    start = next((n.label for n in diagram.nodes if n.highlighted), "-")
    taken = " → ".join(path) if path else "no transition"
    lines += [
        "</div>",
        f'<p class="note">Started in <strong>{_e(start)}</strong>; took {_e(taken)}.</p>',
    ]
    return lines


def _call_outcome(call: Mapping[str, Any]) -> str:
    return {True: "ok", False: "failed", None: "no result (interrupted)"}[call["ok"]]


def _bar(start: float, seconds: float | None, run_start: float, total: float) -> str:
    """A bar placed on the run's time axis: where it starts and how long it took."""
    left = 100 * (start - run_start) / total
    width = 100 * (seconds or 0.0) / total
    return (
        f'<td class="axis"><div class="bar" style="margin-left:{min(left, 99.5):.1f}%;'
        f'width:{min(width, 100 - left):.1f}%"></div></td>'
    )


def _timeline(steps: Sequence[Mapping[str, Any]], label: Any, run: Mapping[str, Any]) -> list[str]:
    run_start = float(run["started_at"])
    ends = [s.get("finished_at") or s["started_at"] for s in steps]
    total = max([float(run.get("finished_at") or 0.0), *ends]) - run_start or 1.0
    rows = []
    for number, step in enumerate(steps, 1):
        took = _seconds(step["started_at"], step.get("finished_at"))
        where = f"{label(step['from_state'])} → {label(step['to_state'] or step['from_state'])}"
        error = f": {step['error']}" if step.get("error") else ""
        rows.append(
            f'<tr class="step"><td>{number}. {_e(step["transition"])}</td>'
            f'<td class="nowrap">{_e(where)}</td>'
            f'<td class="num">+{step["started_at"] - run_start:.2f} s</td>'
            f'<td class="num">{_e(_duration(took))}</td><td></td><td></td>'
            f"<td>{_e((step.get('status') or 'interrupted') + error)}</td>"
            + _bar(step["started_at"], took, run_start, total)
            + "</tr>"
        )
        for call in step["calls"]:
            latency = _seconds(call["created_at"], call.get("finished_at"))
            attempts = call.get("attempts")
            retries = "-" if attempts is None else str(max(0, attempts - 1))
            error = f": {call['error']}" if call.get("error") else ""
            rows.append(
                f'<tr class="call"><td><code>{_e(call["service"])}:{_e(call["operation"])}'
                f'</code><div class="params">{_e(settings_text(call.get("params") or {}))}'
                f"</div></td><td><code>{_e(call['region'])}</code></td>"
                f'<td class="num">+{call["created_at"] - run_start:.2f} s</td>'
                f'<td class="num">{_e(_duration(latency))}</td>'
                f'<td class="num">{_e(attempts if attempts is not None else "-")}</td>'
                f'<td class="num">{_e(retries)}</td><td>{_e(_call_outcome(call) + error)}</td>'
                + _bar(call["created_at"], latency, run_start, total)
                + "</tr>"
            )
    return [
        "<h2>Timeline</h2>",
        '<table id="timeline"><tr><th>step / write</th><th>states / region</th><th>at</th>'
        "<th>took</th><th>attempts</th><th>retries</th><th>outcome</th>"
        f'<th class="axis">0 … {_e(_duration(total))}</th></tr>',
        *rows,
        "</table>",
        '<p class="note">The journal keeps each write: "took" runs from its intent to its '
        "result, retries and their waits included. Reads (the scans, the deletion polls) are "
        "not journaled: the run's JSON log events (<code>aws.call</code>) have them.</p>",
    ]


def _dependents(
    workflow: Workflow,
    steps: Sequence[Mapping[str, Any]],
    memory: Mapping[str, Any],
) -> list[str]:
    head = ["<h2>Dependents before and after</h2>"]
    writes = [
        (
            Call.from_dict(c),
            {"outcome": _call_outcome(c)},
        )
        for s in steps
        for c in s["calls"]
    ]
    drained = [dependent_of(d) for d in memory.get("drained", ())]
    changes = dependent_changes(workflow, drained, writes)
    if not changes:
        unmatched = sum(1 for call, _ in writes if call.service == workflow.service)
        why = "this run changed no dependent"
        if unmatched:
            why = f"{unmatched} write(s) to dependents, but no drain record to compare them with"
        return [*head, f"<p>{_e(why)}.</p>"]
    rows = [
        f"<tr><td><code>{_e(c.before.region)}</code></td>"
        f'<td class="nowrap">{_e(c.before.kind)}</td>'
        f"<td><code>{_e(c.before.name)}</code></td>"
        f'<td class="params">{_e(settings_text(c.before.settings))}</td>'
        f'<td class="params">{_e(settings_text(c.after))}</td>'
        f"<td>{_e(c.extra.get('outcome', '-'))}</td><td>{_e('; '.join(c.notes) or '-')}</td></tr>"
        for c in changes
    ]
    return [
        *head,
        '<table id="dependents"><tr><th>region</th><th>kind</th><th>name</th><th>before</th>'
        "<th>after (this run's write)</th><th>write</th><th>notes</th></tr>",
        *rows,
        "</table>",
        '<p class="note">"Before" is the role\'s drain record as the journal keeps it now (the '
        "settings a drain replaced); the journal keeps no snapshot of the dependents per run.</p>",
    ]


def run_page(
    workflow: Workflow,
    run: Mapping[str, Any],
    steps: Sequence[Mapping[str, Any]],
    memory: Mapping[str, Any],
    diagram_svg: str | None,
) -> str:
    """The page of one journaled run: ``run`` and ``steps`` as the journal returns them,
    ``memory`` the role's remembered intent (its drain record), ``diagram_svg`` Graphviz's
    SVG of the path taken (``None`` without Graphviz: a table stands in, and says so)."""

    def label(state: str) -> str:
        return workflow.definition.state(state).label

    highlight = run_highlight(steps)
    diagram = diagrams.extract(workflow, highlight)
    body = _header(workflow, run, label)
    if highlight:
        body += _diagram(diagram, diagram_svg)
    if steps:
        body += _timeline(steps, label, run)
    else:
        body += ["<h2>Timeline</h2>", "<p>This run fired no transition.</p>"]
    body += _dependents(workflow, steps, memory)
    title = f"slr run {run['run_id']}: {_outcome(run)}"
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en"><head><meta charset="utf-8">',
                f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<title>{_e(title)}</title>",
                f"<style>{_STYLE}</style>",
                "</head><body>",
                *body,
                f'<p class="note">Made by <code>slr history --run {_e(run["run_id"])} --format '
                "html</code> from the journal.</p>",
                "</body></html>",
            ]
        )
        + "\n"
    )
