"""Target 1, engine overhead: a whole decommission through ``slr apply`` against a hand-written
boto3 script (``boto3_decommission.py``) making the same calls on the same local AWS.

Both are whole processes started the same way (the venv's interpreter), both on a freshly
reset and seeded local AWS: the role in use in 3 regions by 30 playback configurations and 2
channels' As Run logs, every MediaTailor region scanned (21), deletion tasks of 0 s. With a
0 s task the first status poll reads SUCCEEDED on both sides, so the poll schedule adds no
wait to either (target 4 measures the schedule); polls are still counted apart from the other
calls. The script runs twice per round, one call after the other and with a pool of 8 threads
(the engine's write pool); the faster median is the baseline. The runs alternate (script,
pooled script, slr, ...) so that a busy machine slows all alike.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from benchmarks.cpu import ms
from benchmarks.local import Bench, slr_argv
from benchmarks.report import Row

__all__ = ["CHANNELS", "CONFIGURATIONS", "run"]

LIMIT = 1.15
RUNS = 11
#: The script's second run mode: a pool as big as the engine's write pool.
WORKERS = 8
POLL = "iam:GetServiceLinkedRoleDeletionStatus"
#: 30 playback configurations with session logging on, 10 in each of 3 regions.
CONFIGURATIONS = {
    region: {f"{region}-config-{i:02d}": 100 for i in range(10)}
    for region in ("us-east-1", "eu-west-1", "ap-northeast-1")
}
#: 2 channels with an As Run log.
CHANNELS = {"us-east-1": {"linear-1": ["AS_RUN"]}, "eu-west-1": {"linear-2": ["AS_RUN"]}}
_SCRIPT = Path(__file__).with_name("boto3_decommission.py")
#: The CPU seconds of each process :func:`_timed` ran, in turn.
_cpu: list[float] = []


def _timed(argv: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall seconds and the finished process; its own CPU goes to :data:`_cpu`."""
    started, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The only child reaped meanwhile is this one (the local AWS runs on).
    _cpu.append(after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[:2]} exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed, done


def _logged_calls(stderr: str) -> Counter[str]:
    """Requests the run says it sent: its ``aws.call`` log events, attempts included."""
    calls: Counter[str] = Counter()
    for line in stderr.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict) and event.get("event") == "aws.call":
            calls[f"{event['service']}:{event['operation']}"] += int(event.get("attempt", 1))
    return calls


def _without_polls(calls: Counter[str]) -> Counter[str]:
    return Counter({k: v for k, v in calls.items() if k != POLL})


def _describe(calls: Counter[str]) -> str:
    return ", ".join(f"{k.split(':')[1]} {v}" for k, v in sorted(calls.items()))


def run(bench: Bench) -> list[Row]:
    script = [sys.executable, str(_SCRIPT), "--endpoint-url", bench.endpoint_url]
    sides = {"script": script, "script x8": [*script, "--workers", str(WORKERS)], "slr": []}
    times: dict[str, list[float]] = {side: [] for side in sides}
    cpu: dict[str, list[float]] = {side: [] for side in sides}
    recorded: dict[str, Counter[str]] = {}
    own: dict[str, Counter[str]] = {}
    for _ in range(RUNS):
        for side, argv in sides.items():
            bench.fresh(configurations=CONFIGURATIONS, channels=CHANNELS)
            bench.record()
            if side == "slr":
                argv = [
                    *slr_argv(),
                    "--endpoint-url",
                    bench.endpoint_url,
                    "--state-dir",
                    str(bench.state_dir("overhead")),
                    "--output",
                    "json",
                    "apply",
                    "--target",
                    "deleted",
                    "--yes",
                ]
                elapsed, done = _timed(argv)
                if json.loads(done.stdout)["final_state"] != "deleted":
                    raise RuntimeError(f"slr apply did not reach deleted: {done.stdout[-2000:]}")
                own[side] = _logged_calls(done.stderr)
            else:
                elapsed, done = _timed(argv)
                own[side] = Counter(json.loads(done.stdout)["calls"])
            times[side].append(elapsed)
            recorded[side] = bench.recorded()
            cpu[side].append(_cpu[-1] / sum(recorded[side].values()))
    medians = {side: statistics.median(t) for side, t in times.items()}
    baseline_side = min(("script", "script x8"), key=lambda side: medians[side])
    baseline, slr = medians[baseline_side], medians["slr"]
    ratio = slr / baseline
    same_calls = all(
        _without_polls(recorded["slr"]) == _without_polls(recorded[side])
        for side in ("script", "script x8")
    )
    consistent = all(recorded[side] == own[side] for side in sides)
    per_call = {side: statistics.median(c) for side, c in cpu.items()}
    notes = [
        "wall times (s), runs alternating: "
        + "; ".join(f"{side} " + ", ".join(f"{t:.2f}" for t in times[side]) for side in sides)
        + f"; baseline = the faster script's median ({baseline_side})",
        f"calls the server received (moto's recorder), polls apart: slr "
        f"{sum(_without_polls(recorded['slr']).values())} + {recorded['slr'][POLL]} poll(s), "
        f"script {sum(_without_polls(recorded['script']).values())} + "
        f"{recorded['script'][POLL]} poll(s): "
        + ("the same calls" if same_calls else "DIFFERENT calls"),
        f"slr: {_describe(recorded['slr'])}",
        f"script: {_describe(recorded['script'])}",
        "runner CPU per call (the process's user+sys over the calls the recorder saw, "
        "start-up and imports included; medians): "
        + ", ".join(f"{side} {ms(c, 1)} ms" for side, c in per_call.items())
        + " (the script already reuses a client per service and region: it is the floor)",
        "each side's own count (slr: its aws.call log events, attempts included; script: a "
        "botocore before-call counter) "
        + ("matches the recorder" if consistent else f"DIFFERS from the recorder: {own}"),
    ]
    if not same_calls:
        extra = _without_polls(recorded["slr"])
        extra.subtract(_without_polls(recorded["script"]))
        notes.append(f"slr minus script: {dict(+extra)} / {dict(-extra)}")
    return [
        Row(
            "1. engine overhead",
            f"{baseline_side} {baseline:.2f} s",
            f"slr apply {slr:.2f} s",
            ratio,
            f"<= {LIMIT:.2f}, same calls",
            ratio <= LIMIT and same_calls,
            notes,
            cpu=f"slr {ms(per_call['slr'], 1)} / floor {ms(per_call[baseline_side], 1)} ms",
        )
    ]
