"""Target 2, region scan: what ``slr status`` scans (``Runner.observe``: IAM's ``GetRole``,
then both MediaTailor list operations in each of the 21 regions) with 50 ms added to every
MediaTailor call, against the latency of one such call, both measured in this process.

One call and one scan are timed in turn, 21 times, and the ratio is of their medians. The scan
is timed with the runner's clients already made (a first observe makes them):
making 21 clients and their connections is start-up, paid once per process and counted by
the overhead target; the notes give a cold ``status()`` too. The sequential baseline is the
same scan with ``scan_concurrency=1``; the floor is plain boto3 sending all 42 list calls at
once from 42 threads, what this machine and the local AWS allow at best.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.cpu import cpu_of, ms, self_cpu
from benchmarks.local import Bench, median_seconds
from benchmarks.report import Row
from lifecycle.aws.gateway import available_regions
from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.runner import Runner
from lifecycle.journal import open_journal
from localaws import Fault
from workflows.mediatailor import WORKFLOW

__all__ = ["run"]

LIMIT = 2.5
LATENCY_MS = 50
RUNS = 21
LISTS = ("list_playback_configurations", "list_channels")
#: The CPU seconds per call of each warm scan, in turn.
_scan_cpu: list[float] = []


def _runner(bench: Bench, **config: Any) -> Runner:
    settings = RunnerConfig(endpoint_url=bench.endpoint_url, **config)
    return Runner(WORKFLOW, open_journal(bench.state_dir("scan")), settings)


def _warm_scan(
    runner: Runner, runs: int, between: Callable[[], object] = lambda: None
) -> tuple[float, list[float], int]:
    """The median time of ``runs`` scans with the runner's clients made, ``between`` called
    before each (untimed here)."""
    aws = runner.aws(dry_run=True)
    account = aws.account_id()
    world = runner.observe(aws, account)  # makes the clients and their connections

    def scan() -> None:
        between()
        started, cpu = time.perf_counter(), self_cpu()
        runner.observe(aws, account)
        times.append(time.perf_counter() - started)
        _scan_cpu.append((self_cpu() - cpu).total / (len(aws.records) - calls[0]))
        calls[0] = len(aws.records)

    times: list[float] = []
    calls = [len(aws.records)]
    for _ in range(runs):
        scan()
    return statistics.median(times), times, len(world.scanned_regions)


def run(bench: Bench) -> list[Row]:
    regions = available_regions(WORKFLOW.service)
    account = bench.fresh(
        configurations={"us-east-1": {"live": 100}, "eu-west-1": {"vod": 0}},
        channels={"ap-south-1": {"linear": ["AS_RUN"]}},
    )
    # This row measures the scan's concurrency: one page per list (short pages are off).
    bench.local.set_settings(short_pages=False)
    clients = {r: account.client("mediatailor", r) for r in regions}
    for client in clients.values():
        client.list_channels(MaxResults=100)  # connections made before the latency is added
    bench.local.set_faults([Fault(service="mediatailor", kind="latency", latency_ms=LATENCY_MS)])
    # One call and one scan in turn, so that a busy moment of the machine slows both alike.
    calls: list[float] = []

    def one_call() -> None:
        started = time.perf_counter()
        clients["eu-west-1"].list_playback_configurations(MaxResults=100)
        calls.append(time.perf_counter() - started)

    concurrent, times, scanned = _warm_scan(_runner(bench), RUNS, between=one_call)
    ours_cpu = statistics.median(_scan_cpu[-RUNS:])
    one = statistics.median(calls)
    sequential, _, _ = _warm_scan(_runner(bench, scan_concurrency=1), 1)
    at_eight, _, _ = _warm_scan(_runner(bench, scan_concurrency=8), 3)
    started = time.perf_counter()
    _runner(bench).status()
    cold = time.perf_counter() - started

    def floor_once() -> None:
        calls = [(clients[r], name) for r in regions for name in LISTS]
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            list(pool.map(lambda c: getattr(c[0], c[1])(MaxResults=100), calls))

    (floor, _), floor_cpu = cpu_of(lambda: median_seconds(floor_once, 5))
    plain_cpu = floor_cpu.total / (5 * 2 * len(regions))
    bench.local.clear_faults()
    ratio = concurrent / one
    notes = [
        f"{scanned} regions x 2 list calls, one page each, + GetRole (no added latency); "
        f"{LATENCY_MS} ms added to every MediaTailor call; one call = median of {RUNS} "
        f"ListPlaybackConfigurations, each timed just before a scan = {one * 1000:.0f} ms",
        "scan times (ms), clients made: "
        + ", ".join(f"{t * 1000:.0f}" for t in times)
        + "; default pool (one worker per region and kind, scan_concurrency=64)",
        f"sequential baseline (scan_concurrency=1): {sequential:.2f} s = "
        f"{sequential / one:.1f}x one call; the previous default pool of 8: "
        f"{at_eight * 1000:.0f} ms = {at_eight / one:.1f}x",
        f"floor, plain boto3 with all {2 * len(regions)} calls in flight at once: "
        f"{floor * 1000:.0f} ms = {floor / one:.2f}x one call (the local AWS spends a few ms "
        "of CPU per request, and this machine has 2 cores)",
        f"runner CPU per call (user+sys): warm scan {ms(ours_cpu, 1)} ms (median of {RUNS}), "
        f"plain boto3 floor {ms(plain_cpu, 1)} ms (its threads started for each of 5 rounds)",
        f"cold `status()` of a new runner (a new session and 23 new clients, what `slr status` "
        f"pays after its imports): {cold:.2f} s",
    ]
    return [
        Row(
            "2. region scan",
            f"1 call {one * 1000:.0f} ms",
            f"{scanned}-region scan {concurrent * 1000:.0f} ms",
            ratio,
            f"<= {LIMIT:.1f}",
            ratio <= LIMIT,
            notes,
            cpu=f"slr {ms(ours_cpu, 1)} / floor {ms(plain_cpu, 1)} ms",
        )
    ]
