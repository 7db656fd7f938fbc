"""Target 13, a fleet's decommission: ``slr --accounts org apply --target deleted --yes`` over an
organization of ``SLR_BENCH_DECOMMISSION_ACCOUNTS`` member accounts (default 200; each with
three playback configurations, one logging), deletion tasks of 5 s, 20 ms added to every call,
against ``boto3_fleet_decommission.py`` making the same scan, drain, verification, deletion and
1 s polls: as a user writes it (a client per call: the baseline of the wall time) and with
its clients made once per account and region (``--reuse-clients``: the floor of the CPU).

Each side decommissions an organization seeded afresh (seeding is not timed); every side is
a whole process, measured as in row 13's status (``benchmarks.fleet_status.measure``).
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.cpu import local_aws_pid, ms
from benchmarks.fleet_status import IN_FLIGHT, grow, measure, organization
from benchmarks.local import Bench, slr_argv
from benchmarks.report import Row

__all__ = ["run"]

ACCOUNTS = 200
DELETION_SECONDS = 5.0
WALL_LIMIT = 1.0
CPU_LIMIT = 1.3
POLL = "iam:GetServiceLinkedRoleDeletionStatus"
_SCRIPT = Path(__file__).with_name("boto3_fleet_decommission.py")


def accounts_wanted() -> int:
    return int(os.environ.get("SLR_BENCH_DECOMMISSION_ACCOUNTS", ACCOUNTS))


def _argv(bench: Bench, side: str) -> list[str]:
    if side == "slr":
        return [
            *slr_argv(),
            *("--endpoint-url", bench.endpoint_url, "--output", "json", "--accounts", "org"),
            *("apply", "--target", "deleted", "--yes"),
        ]
    script = [sys.executable, str(_SCRIPT), "--endpoint-url", bench.endpoint_url]
    return [*script, "--workers", str(IN_FLIGHT), *(["--reuse-clients"] if side == "floor" else [])]


#: Lists whose pages the local AWS cuts short at random: their calls vary from run to run.
LISTS = ("mediatailor:ListPlaybackConfigurations", "mediatailor:ListChannels")


def _without_polls(calls: Counter[str]) -> Counter[str]:
    """The calls but the deletion polls (each side's schedule) and the list pages."""
    return Counter({k: v for k, v in calls.items() if k != POLL and k not in LISTS})


def run(bench: Bench) -> list[Row]:
    size = accounts_wanted()
    server = local_aws_pid()
    done: dict[str, Any] = {}
    for side in ("script", "floor", "slr"):
        org = organization(bench)
        bench.local.set_deletion_seconds(DELETION_SECONDS)
        grow(bench, org, size)
        # The roles MediaTailor made while seeding show in IAM only after a while, and a
        # script that finds none has nothing to do: every side starts once IAM shows them.
        time.sleep(bench.local.start_settings.iam_consistency_seconds + 0.5)
        done[side] = measure(bench, side, _argv(bench, side), server)
    bench.local.clear_faults()
    bench.local.set_deletion_seconds(0.0)
    slr, floor, script = done["slr"], done["floor"], done["script"]
    accounts = size + 1
    cpu_ratio = slr.cpu.total / floor.cpu.total
    wall_ratio = slr.wall / script.wall
    ended = Counter(a.get("final_state") or a["outcome"] for a in slr.document["accounts"])
    same = all(_without_polls(r.calls) == _without_polls(slr.calls) for r in done.values())
    notes = [
        f"{size} member accounts + the management account, 3 configurations each (1 logging), "
        f"deletion tasks of {DELETION_SECONDS:g} s, 20 ms added to every call; slr's accounts "
        f"ended: {dict(ended)}; the scripts': {floor.document['ended']}, "
        f"{script.document['ended']}",
        "runner CPU (user+sys s, one run each): "
        + "; ".join(
            f"{r.side} {r.cpu.total:.2f} = {ms(r.cpu.total, r.requests)} ms per call "
            f"({r.requests} calls), {ms(r.cpu.total, accounts)} ms per account"
            for r in (slr, floor, script)
        ),
        "the local AWS's CPU: "
        + ", ".join(f"{r.side} {r.server.total:.2f} s" for r in (slr, floor, script)),
        "wall (s): " + ", ".join(f"{r.side} {r.wall:.1f}" for r in (slr, floor, script)),
        "peak RSS (MB): " + ", ".join(f"{r.side} {r.peak_mb:.0f}" for r in (slr, floor, script)),
        "calls the server received, polls and list pages apart (the local AWS's short pages "
        "vary): "
        + ("the same from all three" if same else _differ(done))
        + "; polls: "
        + ", ".join(f"{r.side} {r.calls[POLL]}" for r in (slr, floor, script))
        + "; list pages: "
        + ", ".join(f"{r.side} {sum(r.calls[k] for k in LISTS)}" for r in (slr, floor, script)),
    ]
    return [
        Row(
            f"13. fleet decommission, {size} accounts",
            f"floor {floor.cpu.total:.1f} s CPU, script {script.wall:.1f} s",
            f"slr {slr.cpu.total:.1f} s CPU, {slr.wall:.1f} s, {slr.peak_mb:.0f} MB",
            cpu_ratio,
            f"CPU <= {CPU_LIMIT}x floor, wall <= {WALL_LIMIT}x script ({wall_ratio:.2f})",
            cpu_ratio <= CPU_LIMIT and wall_ratio <= WALL_LIMIT and same,
            notes,
            cpu=f"slr {ms(slr.cpu.total, slr.requests)} / floor "
            f"{ms(floor.cpu.total, floor.requests)} ms",
        )
    ]


def _differ(done: dict[str, Any]) -> str:
    return "DIFFER: " + "; ".join(
        f"{side} "
        + ", ".join(f"{k} {v}" for k, v in sorted(_without_polls(measured.calls).items()))
        for side, measured in done.items()
    )
