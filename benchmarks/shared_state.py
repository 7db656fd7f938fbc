"""Issue 12, shared state: the 1,000-configuration drain of ``benchmarks.drain`` with its journal
and lease in DynamoDB (``dynamodb://``, the local AWS's) against the same drain with SQLite
state, in the same run. A journal entry is a network round trip now; the write-ahead intents of
concurrent writes share transactions (group commit), each stored before its write is sent.

Each backend drains ``ROUNDS`` times, alternating, from a freshly seeded account; the ratio is
of the medians of the drain step's own time.
"""

from __future__ import annotations

import statistics
import uuid

from benchmarks.cpu import ms
from benchmarks.drain import CONFIGURATIONS, drain_in_child, seed
from benchmarks.local import Bench
from benchmarks.report import Row

__all__ = ["run"]

LIMIT = 1.5
ROUNDS = 3


def _state_table(bench: Bench) -> str:
    """A new state table, as `slr state init` makes it (after the seed: a reset drops it)."""
    from lifecycle.journal.dynamodb.journal import connect_table, create_table

    name = f"slr-bench-{uuid.uuid4().hex[:8]}"
    create_table(
        connect_table(name, region="us-east-1", profile=None, endpoint_url=bench.endpoint_url)
    )
    return f"dynamodb://{name}?region=us-east-1"


def run(bench: Bench) -> list[Row]:
    times: dict[str, list[float]] = {"sqlite": [], "dynamodb": []}
    cpu: dict[str, list[float]] = {"sqlite": [], "dynamodb": []}
    complete = True
    for _ in range(ROUNDS):
        for backend in times:
            seed(bench)
            state = str(bench.state_dir("shared")) if backend == "sqlite" else _state_table(bench)
            figures = drain_in_child(bench, state)
            complete &= figures["writes"] == CONFIGURATIONS and not figures["failed_writes"]
            times[backend].append(figures["drain_seconds"])
            cpu[backend].append(figures["cpu_seconds"] / figures["calls"])
    bench.local.clear_faults()
    sqlite, dynamodb = (statistics.median(times[b]) for b in ("sqlite", "dynamodb"))
    ratio = dynamodb / sqlite
    per_call = {b: statistics.median(c) for b, c in cpu.items()}
    each = {b: ", ".join(f"{t:.2f}" for t in ts) for b, ts in times.items()}
    notes = [
        f"drain step, {CONFIGURATIONS} writes, median of {ROUNDS}: dynamodb:// {dynamodb:.2f} s "
        f"({each['dynamodb']}), SQLite {sqlite:.2f} s ({each['sqlite']})",
        "the same child as row 3 (benchmarks.drain); DynamoDB is the local AWS's (moto), with "
        "no latency added to it; MediaTailor calls get 20 ms",
        "runner CPU per AWS call of the drain run (its journal's calls to DynamoDB counted in "
        f"its CPU, not as calls): dynamodb:// {ms(per_call['dynamodb'], 1)} ms, SQLite "
        f"{ms(per_call['sqlite'], 1)} ms",
    ]
    return [
        Row(
            "12. drain, shared state",
            f"SQLite {sqlite:.2f} s",
            f"dynamodb {dynamodb:.2f} s",
            ratio,
            f"<= {LIMIT:.1f}",
            ratio <= LIMIT and complete,
            notes,
            cpu=f"dynamodb {ms(per_call['dynamodb'], 1)} / SQLite {ms(per_call['sqlite'], 1)} ms",
        )
    ]
