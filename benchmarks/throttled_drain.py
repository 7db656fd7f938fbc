"""Target 6, throttled drain: 1,000 playback configurations with session logging on in 3
regions, deactivated while the local AWS limits ``ConfigureLogsForPlaybackConfiguration`` to
25 writes/s per region (a token bucket, burst 5: its ``rate_limit`` fault), as MediaTailor's
rate limits per account and region do.

The floor is the slowest region's writes / 25 per second: no client can drain faster without
being throttled. In the same run, plain boto3 in botocore's standard retry mode with the same
number of threads (what a user would write by hand) re-enables the same 1,000 writes: its
time, throttled answers and failed writes are reported beside ours.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.cpu import cpu_of, ms
from benchmarks.local import Bench
from benchmarks.report import Row

__all__ = ["run"]

CONFIGURATIONS = 1000
REGIONS = ("us-east-1", "eu-west-1", "us-west-2")
RATE_PER_SECOND = 25.0
BURST = 5
LIMIT = 1.25
THROTTLED_SHARE = 0.10
OPERATION = "ConfigureLogsForPlaybackConfiguration"


def _names() -> list[tuple[str, str]]:
    return [(REGIONS[i % len(REGIONS)], f"config-{i:04d}") for i in range(CONFIGURATIONS)]


def _seed(bench: Bench) -> None:
    account = bench.fresh()
    for region in REGIONS:
        # Made before the pool starts: boto3 makes clients unsafely from several threads.
        account.client("mediatailor", region)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda rn: account.configuration(rn[0], rn[1], 100), _names()))


def _rate_limit(bench: Bench) -> None:
    from localaws import Fault

    bench.local.set_faults(
        [
            Fault(
                service="mediatailor",
                operation=OPERATION,
                kind="rate_limit",
                rate_per_second=RATE_PER_SECOND,
                burst=BURST,
            )
        ]
    )


def _ours(bench: Bench) -> dict[str, Any]:
    from lifecycle.engine.config import RunnerConfig
    from lifecycle.engine.runner import Runner
    from lifecycle.journal import open_journal
    from workflows.mediatailor import WORKFLOW

    config = RunnerConfig(endpoint_url=bench.endpoint_url, regions=REGIONS)
    journal = open_journal(bench.state_dir("throttled"))
    result = Runner(WORKFLOW, journal, config).apply("deleted", step=True)
    step = result.steps[0]
    recorded = next(s for s in journal.steps(result.run_id) if s["transition"] == "drain")
    return {
        "workers": config.concurrency,
        "status": str(step.status),
        "seconds": recorded["finished_at"] - recorded["started_at"],
        "writes": len(recorded["calls"]),
        "failed": sum(1 for call in recorded["calls"] if not call["ok"]),
        "throttled": step.detail.throttled or 0,
    }


def _plain_boto3(bench: Bench, workers: int) -> dict[str, Any]:
    """The same 1,000 writes (logging back on) from ``workers`` threads, botocore's standard
    retry mode (3 attempts, its own backoff): what a user would write by hand."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    config = Config(retries={"mode": "standard"}, max_pool_connections=workers)
    clients = {
        r: session.client(
            "mediatailor", region_name=r, endpoint_url=bench.endpoint_url, config=config
        )
        for r in REGIONS
    }
    throttled = [0]
    lock = threading.Lock()

    def count(response: Any = None, **_: Any) -> None:
        if response and response[1].get("Error", {}).get("Code") == "ThrottlingException":
            with lock:
                throttled[0] += 1

    for client in clients.values():
        client.meta.events.register("needs-retry.mediatailor.*", count)

    def write(region_name: tuple[str, str]) -> bool:
        region, name = region_name
        try:
            clients[region].configure_logs_for_playback_configuration(
                PlaybackConfigurationName=name,
                PercentEnabled=100,
                EnabledLoggingStrategies=["VENDED_LOGS"],
            )
        except Exception:  # a write that failed for good: counted, as a user would see it
            return False
        return True

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(write, _names()))
    return {
        "seconds": time.perf_counter() - started,
        "throttled": throttled[0],
        "failed": done.count(False),
    }


def run(bench: Bench) -> list[Row]:
    _seed(bench)
    _rate_limit(bench)
    ours, ours_cpu = cpu_of(lambda: _ours(bench))
    plain, plain_cpu = cpu_of(lambda: _plain_boto3(bench, ours["workers"]))
    # Per write attempt (a throttled answer is a request too); slr's scan and identity
    # before its drain are counted in its CPU, not as attempts.
    per_attempt = {
        "slr": ours_cpu.total / (ours["writes"] + ours["throttled"]),
        "boto3": plain_cpu.total / (CONFIGURATIONS + plain["throttled"]),
    }
    bench.local.clear_faults()
    slowest = max(sum(1 for r, _ in _names() if r == region) for region in REGIONS)
    floor = slowest / RATE_PER_SECOND
    ratio = ours["seconds"] / floor
    share = ours["throttled"] / max(ours["writes"], 1)
    passed = (
        ratio <= LIMIT
        and share <= THROTTLED_SHARE
        and ours["failed"] == 0
        and ours["writes"] == CONFIGURATIONS
        and ours["status"] == "succeeded"
    )
    notes = [
        f"{CONFIGURATIONS} writes over {len(REGIONS)} regions, {RATE_PER_SECOND:g} writes/s per "
        f"region (burst {BURST}) on {OPERATION}; floor = {slowest} writes / "
        f"{RATE_PER_SECOND:g} per s = {floor:.2f} s",
        f"slr: {ours['seconds']:.2f} s, {ours['throttled']} throttled answers "
        f"({share:.1%} of the writes; limit {THROTTLED_SHARE:.0%}), {ours['failed']} failed "
        f"writes, pool of {ours['workers']}; the drain step {ours['status']}",
        f"plain boto3, standard retry mode, {ours['workers']} threads: {plain['seconds']:.2f} s "
        f"({plain['seconds'] / floor:.2f}x the floor), {plain['throttled']} throttled answers, "
        f"{plain['failed']} failed writes",
        "runner CPU per write attempt (user+sys, this process, clients made included): "
        + ", ".join(f"{side} {ms(c, 1)} ms" for side, c in per_attempt.items()),
    ]
    return [
        Row(
            "6. throttled drain",
            f"floor {floor:.2f} s",
            f"drain {ours['seconds']:.2f} s, {share:.0%} throttled",
            ratio,
            f"<= {LIMIT}, <= {THROTTLED_SHARE:.0%} throttled, 0 failed",
            passed,
            notes,
            cpu=f"slr {ms(per_attempt['slr'], 1)} / boto3 {ms(per_attempt['boto3'], 1)} ms",
        )
    ]
