"""Target 7, scan at scale: 10,000 playback configurations over the 21 MediaTailor regions
(many pages per region, with the local AWS's short and empty pages), observed as ``slr
status`` does, against a plain boto3 script paging the same lists with the same concurrency,
in the same child process (``python -m benchmarks.scan_scale ENDPOINT STATE_DIR``) whose peak
RSS is the scan's alone.
"""

from __future__ import annotations

import logging
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.cpu import ms, self_cpu
from benchmarks.local import Bench, LogSink, child_main, in_child, memory_mb
from benchmarks.report import Row

__all__ = ["child", "run"]

CONFIGURATIONS = 10_000
LIMIT = 1.3
RSS_LIMIT_MB = 200.0
RUNS = 3
#: The runner's CPU per call against plain boto3's, in the same process.
CPU_LIMIT = 1.3


def _plain_scan(clients: dict[str, Any], workers: int) -> tuple[int, int]:
    """Every item of both lists in every region, one worker per (region, list); (items,
    calls)."""

    def pages(work: tuple[str, str]) -> tuple[int, int]:
        region, operation = work
        paginator = clients[region].get_paginator(operation)
        sizes = [len(page["Items"]) for page in paginator.paginate(MaxResults=100)]
        return sum(sizes), len(sizes)

    work = [(r, op) for r in clients for op in ("list_playback_configurations", "list_channels")]
    with ThreadPoolExecutor(max_workers=min(workers, len(work))) as pool:
        found = list(pool.map(pages, work))
    return sum(items for items, _ in found), sum(calls for _, calls in found)


def child(endpoint_url: str, state_dir: str) -> dict[str, Any]:
    """Both scans in this process, each warmed once (clients made), then timed."""
    import boto3
    from botocore.config import Config

    from lifecycle.engine.config import RunnerConfig
    from lifecycle.engine.runner import Runner
    from lifecycle.journal import open_journal
    from lifecycle.log import configure
    from workflows.mediatailor import WORKFLOW

    sink = LogSink()
    configure("json", stream=sink, level=logging.INFO)
    config = RunnerConfig(endpoint_url=endpoint_url)
    runner = Runner(WORKFLOW, open_journal(Path(state_dir)), config)
    aws = runner.aws(dry_run=True)
    account = aws.account_id()
    found = len(runner.observe(aws, account).dependents)
    ours, ours_cpu = [], []
    for _ in range(RUNS):
        started, cpu, calls = time.perf_counter(), self_cpu(), sink.calls
        runner.observe(aws, account)
        ours.append(time.perf_counter() - started)
        ours_cpu.append((self_cpu() - cpu).total / (sink.calls - calls))
    regions = runner.regions()
    workers = min(config.scan_concurrency, 2 * len(regions))
    session = boto3.session.Session()
    plain_config = Config(retries={"mode": "standard"}, max_pool_connections=workers)
    clients = {
        r: session.client(
            "mediatailor", region_name=r, endpoint_url=endpoint_url, config=plain_config
        )
        for r in regions
    }
    listed, _ = _plain_scan(clients, workers)
    plain, plain_cpu = [], []
    for _ in range(RUNS):
        started, cpu = time.perf_counter(), self_cpu()
        _, calls = _plain_scan(clients, workers)
        plain.append(time.perf_counter() - started)
        plain_cpu.append((self_cpu() - cpu).total / calls)
    return {
        "found": found,
        "listed": listed,
        "regions": len(regions),
        "workers": workers,
        "ours": ours,
        "plain": plain,
        "ours_cpu_per_call": ours_cpu,
        "plain_cpu_per_call": plain_cpu,
        "rss_peak_mb": memory_mb("VmHWM"),
    }


def _seed(bench: Bench) -> None:
    from lifecycle.aws.gateway import available_regions

    account = bench.fresh()
    regions = available_regions("mediatailor")
    for region in regions:
        account.client("mediatailor", region)
    names = [(regions[i % len(regions)], f"config-{i:05d}") for i in range(CONFIGURATIONS)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda rn: account.configuration(rn[0], rn[1], 0), names))


def run(bench: Bench) -> list[Row]:
    _seed(bench)
    state = str(bench.state_dir("scan"))
    figures = in_child("benchmarks.scan_scale", bench.endpoint_url, state, timeout=600)
    ours, plain = statistics.median(figures["ours"]), statistics.median(figures["plain"])
    ratio = ours / plain
    complete = figures["found"] == figures["listed"] == CONFIGURATIONS
    rss_ok = figures["rss_peak_mb"] <= RSS_LIMIT_MB
    ours_cpu = statistics.median(figures["ours_cpu_per_call"])
    plain_cpu = statistics.median(figures["plain_cpu_per_call"])
    cpu_ratio = ours_cpu / plain_cpu
    notes = [
        f"{CONFIGURATIONS} configurations over {figures['regions']} regions, short and empty "
        f"pages on (the local AWS's default); found by slr {figures['found']}, by the script "
        f"{figures['listed']}",
        "scan times (s), median of "
        f"{RUNS} after a warm-up: slr {', '.join(f'{t:.2f}' for t in figures['ours'])}; "
        f"plain boto3 with {figures['workers']} workers "
        f"{', '.join(f'{t:.2f}' for t in figures['plain'])}",
        f"runner CPU per call (user+sys, median of {RUNS}, the same process): slr "
        f"{ms(ours_cpu, 1)} ms, plain boto3 {ms(plain_cpu, 1)} ms: {cpu_ratio:.2f}x (limit "
        f"{CPU_LIMIT}x)",
        f"peak RSS (VmHWM) of the scanning process: {figures['rss_peak_mb']:.0f} MB "
        f"(limit {RSS_LIMIT_MB:.0f} MB)",
    ]
    return [
        Row(
            "7. scan at scale",
            f"boto3 {plain:.2f} s",
            f"status {ours:.2f} s, {figures['rss_peak_mb']:.0f} MB",
            ratio,
            f"<= {LIMIT}, <= {RSS_LIMIT_MB:.0f} MB, CPU <= {CPU_LIMIT}x",
            ratio <= LIMIT and rss_ok and complete and cpu_ratio <= CPU_LIMIT,
            notes,
            cpu=f"slr {ms(ours_cpu, 1)} / floor {ms(plain_cpu, 1)} ms",
        )
    ]


if __name__ == "__main__":
    sys.exit(child_main(child))
