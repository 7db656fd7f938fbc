"""One row per target, and the table ``make bench`` prints."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Row", "table"]


@dataclass
class Row:
    """What one target measured, against what, and whether it held."""

    #: ``1. overhead``: the target's number and short name.
    target: str
    #: The baseline measured in the same run, with its unit (``script 1.52 s``).
    baseline: str
    #: The figure measured, with its unit.
    measured: str
    #: measured / baseline (or / the ideal), the figure the limit applies to.
    ratio: float
    #: The limit as text (``<= 1.15``).
    limit: str
    passed: bool
    #: Lines printed under the table: how the figure was counted, what else was seen.
    notes: list[str] = field(default_factory=list)
    #: The runner's own CPU per AWS call, beside its floor's (``slr 1.9 / floor 1.6 ms``);
    #: ``-`` for a row that makes no call.
    cpu: str = "-"


def _result(row: Row) -> str:
    return "pass" if row.passed else "FAIL"


def table(rows: list[Row]) -> str:
    """A plain-text table (Markdown-compatible), then each row's notes."""
    header = ("target", "baseline", "measured", "ratio", "limit", "result", "CPU per call")
    cells = [
        (r.target, r.baseline, r.measured, f"{r.ratio:.2f}", r.limit, _result(r), r.cpu)
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]

    def line(values: tuple[str, ...]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(c) for c in cells]
    for r in rows:
        if r.notes:
            out.append("")
            out.append(f"{r.target}:")
            out += [f"  - {note}" for note in r.notes]
    return "\n".join(out)
