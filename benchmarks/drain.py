"""Target 3, drain at scale: 1,000 playback configurations with session logging on, spread
over the 21 MediaTailor regions, deactivated with 20 ms added to every MediaTailor call,
against the floor: plain boto3 sending the same 1,000 writes from as many threads, in the
same run. Drain and floor are measured three times in turn, and the ratio is of the medians.
The ideal for the pool, ``ceil(writes / workers) * latency``, stays as a note: it leaves out
the CPU the local AWS spends on each request on the same 2 cores.

The drain runs in a child process (``python -m benchmarks.drain ENDPOINT STATE_DIR``) so
that its peak RSS (``VmHWM``) is the drain's alone. The child runs ``Runner.apply("deleted",
step=True)`` from ``in-use``: identity, the scan (observe), then the ``drain`` step. The
ratio is the drain step's own time (from the journal: the step's start to its end, the
write-ahead journaling of all 1,000 writes included) over the floor; the scan comes before
the step and is reported apart.
"""

from __future__ import annotations

import logging
import math
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.cpu import cpu_of, ms, self_cpu
from benchmarks.local import Bench, LogSink, child_main, in_child, memory_mb
from benchmarks.report import Row

__all__ = ["child", "drain_in_child", "run", "seed"]

CONFIGURATIONS = 1000
LATENCY_MS = 20
#: Against the floor: plain boto3 sending the same writes from as many threads, same run.
LIMIT = 1.10
#: Drains (and floors) measured, in turn; the ratio is of their medians.
ROUNDS = 3
RSS_LIMIT_MB = 200.0
#: The runner's CPU per call against plain boto3's per write.
CPU_LIMIT = 1.3


def child(endpoint_url: str, state: str) -> dict[str, Any]:
    """The drain, in this process, its journal in ``state`` (a directory or a state URL): the
    figures as a dict (printed as JSON by ``main``)."""
    from lifecycle.engine.config import RunnerConfig
    from lifecycle.engine.runner import Runner
    from lifecycle.journal import open_journal
    from lifecycle.log import configure
    from workflows.mediatailor import WORKFLOW

    # Every call is logged as a runner's logs are, into a sink: rendering is part of the cost.
    sink = LogSink()
    configure("json", stream=sink, level=logging.INFO)
    config = RunnerConfig(endpoint_url=endpoint_url)
    journal = open_journal(state, endpoint_url=endpoint_url)
    runner = Runner(WORKFLOW, journal, config)
    before = memory_mb("VmRSS")
    started = time.perf_counter()
    result, cpu = cpu_of(lambda: runner.apply("deleted", step=True))
    total = time.perf_counter() - started
    steps = journal.steps(result.run_id)
    drain = next(s for s in steps if s["transition"] == "drain")
    return {
        "workers": config.concurrency,
        "start_state": result.start_state,
        "final_state": result.final_state,
        "writes": len(drain["calls"]),
        "failed_writes": sum(1 for c in drain["calls"] if not c["ok"]),
        "run_seconds": total,
        "drain_seconds": drain["finished_at"] - drain["started_at"],
        "rss_before_mb": before,
        # The whole run's (identity, scan, journal, drain), and its calls (aws.call events).
        "cpu_seconds": cpu.total,
        "calls": sink.calls,
        "rss_peak_mb": memory_mb("VmHWM"),
    }


def seed(bench: Bench) -> None:
    from lifecycle.aws.gateway import available_regions

    account = bench.fresh()
    regions = available_regions("mediatailor")
    names = [(regions[i % len(regions)], f"config-{i:04d}") for i in range(CONFIGURATIONS)]
    for region in regions:
        # Made before the pool starts: boto3 makes clients unsafely from several threads.
        account.client("mediatailor", region)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda rn: account.configuration(rn[0], rn[1], 100), names))


def drain_in_child(bench: Bench, state: str) -> dict[str, Any]:
    """The drain of the seeded account, with MediaTailor's latency added, in a child process
    whose journal is ``state``; its figures."""
    from localaws import Fault

    bench.local.set_faults([Fault(service="mediatailor", kind="latency", latency_ms=LATENCY_MS)])
    return in_child("benchmarks.drain", bench.endpoint_url, state, timeout=300)


def _plain_boto3_writes(bench: Bench, workers: int) -> tuple[float, float]:
    """Seconds plain boto3 takes for the same 1,000 writes from ``workers`` threads (turning
    session logging back on after the drain): what this machine and the local AWS allow; and
    the CPU seconds this process spent on them (its clients made before)."""
    from lifecycle.aws.gateway import available_regions
    from localaws.seed import Account

    account = Account(bench.endpoint_url)
    regions = available_regions("mediatailor")
    clients = {r: account.client("mediatailor", r) for r in regions}
    names = [(regions[i % len(regions)], f"config-{i:04d}") for i in range(CONFIGURATIONS)]
    started, cpu = time.perf_counter(), self_cpu()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(
            pool.map(
                lambda rn: clients[rn[0]].configure_logs_for_playback_configuration(
                    PlaybackConfigurationName=rn[1],
                    PercentEnabled=100,
                    EnabledLoggingStrategies=["VENDED_LOGS"],
                ),
                names,
            )
        )
    return time.perf_counter() - started, (self_cpu() - cpu).total


def run(bench: Bench) -> list[Row]:
    seed(bench)
    drains: list[dict[str, Any]] = []
    floors: list[float] = []
    floor_cpu: list[float] = []
    # The drain and the floor in turn: the floor turns logging back on, so each drain (with a
    # journal of its own) finds the account as the first did, and a busy moment of the
    # shared machine slows both sides alike.
    for _ in range(ROUNDS):
        drains.append(drain_in_child(bench, str(bench.state_dir("drain"))))
        seconds, cpu = _plain_boto3_writes(bench, drains[-1]["workers"])
        floors.append(seconds)
        floor_cpu.append(cpu)
    bench.local.clear_faults()
    figures = drains[0]
    workers, writes = figures["workers"], figures["writes"]
    latency = LATENCY_MS / 1000
    ideal = math.ceil(writes / workers) * latency
    drain = statistics.median(d["drain_seconds"] for d in drains)
    floor = statistics.median(floors)
    whole = statistics.median(d["run_seconds"] for d in drains)
    scan = whole - drain
    ratio = drain / floor
    peak = max(d["rss_peak_mb"] for d in drains)
    rss_ok = peak <= RSS_LIMIT_MB
    failed = sum(d["failed_writes"] for d in drains)
    complete = all(d["writes"] == CONFIGURATIONS for d in drains) and not failed
    calls = drains[0]["calls"]
    ours_cpu = statistics.median(d["cpu_seconds"] / d["calls"] for d in drains)
    plain_cpu = statistics.median(floor_cpu) / CONFIGURATIONS
    cpu_ratio = ours_cpu / plain_cpu
    notes = [
        f"{writes} writes per drain ({failed} failed in {ROUNDS}), pool of {workers} "
        f"(RunnerConfig.concurrency); ideal = ceil({writes}/{workers}) x {LATENCY_MS} ms = "
        f"{ideal:.2f} s (a note: it leaves out the CPU the local AWS spends on each request, "
        f"on the same 2 cores, so no client meets it); "
        f"{figures['start_state']} -> {figures['final_state']}",
        f"medians of {ROUNDS} rounds, drain and floor in turn: drain step "
        + ", ".join(f"{d['drain_seconds']:.2f}" for d in drains)
        + " s; floor "
        + ", ".join(f"{f:.2f}" for f in floors)
        + " s",
        f"the whole run {whole:.2f} s = drain step {drain:.2f} s + "
        f"{scan:.2f} s before it (clients, identity, journal, the scan; the scan's ideal: "
        f"2 x {LATENCY_MS} ms, one page per list per region); the whole run against both "
        f"ideals: {whole / (ideal + 2 * latency):.2f}x",
        f"floor, plain boto3 sending the same {CONFIGURATIONS} writes from {workers} threads "
        f"(no journal, no logs): {floor:.2f} s = {floor / ideal:.2f}x the ideal; the engine's "
        f"drain = {drain / floor:.2f}x the floor",
        f"runner CPU per call (user+sys, medians of {ROUNDS}): the whole run "
        f"{ms(ours_cpu, 1)} ms ({calls} calls: identity, scan, the drain's writes; journal and "
        f"logs included), plain boto3's writes {ms(plain_cpu, 1)} ms: {cpu_ratio:.2f}x "
        f"(limit {CPU_LIMIT}x)",
        f"peak RSS (VmHWM) of the draining process: {peak:.0f} MB "
        f"(limit {RSS_LIMIT_MB:.0f} MB; {figures['rss_before_mb']:.0f} MB before the run, "
        "after imports)",
    ]
    return [
        Row(
            "3. drain at scale",
            f"boto3 {floor:.2f} s",
            f"drain {drain:.2f} s, {peak:.0f} MB",
            ratio,
            f"<= {LIMIT:.2f}, <= {RSS_LIMIT_MB:.0f} MB, CPU <= {CPU_LIMIT}x",
            ratio <= LIMIT and rss_ok and complete and cpu_ratio <= CPU_LIMIT,
            notes,
            cpu=f"slr {ms(ours_cpu, 1)} / floor {ms(plain_cpu, 1)} ms",
        )
    ]


if __name__ == "__main__":
    sys.exit(child_main(child))
