"""Target 13, a fleet's status: ``slr --accounts org status`` over an organization of 100
member accounts (each with a few playback configurations, every MediaTailor region scanned,
20 ms added to every call), against a plain boto3 script (``boto3_fleet_status.py``) making
the same calls with the same total concurrency (64 calls in flight, 8 accounts at once).

Both are whole processes on the same local AWS, alternating (script, slr, ...) so that a busy
machine slows both alike; moto's recorder checks they made the same calls; each process's
peak RSS is its ``VmHWM``, read while it runs. (``wait4``'s ``ru_maxrss`` is not the child's
own: Linux carries the high-water mark of the process it was forked from across ``exec``,
so every child would read the bench's own peak; docs/performance.md, row 13.)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from benchmarks.local import Bench, memory_mb, slr_argv
from benchmarks.report import Row
from localaws import Fault
from localaws.seed import Account

__all__ = ["run"]

ACCOUNTS = 100
LIMIT = 1.3
RSS_LIMIT_MB = 300.0
RUNS = 2
LATENCY_MS = 20
#: slr's defaults: FleetConfig.calls_in_flight.
IN_FLIGHT = 64
_SCRIPT = Path(__file__).with_name("boto3_fleet_status.py")


def _seed(bench: Bench) -> None:
    """The organization: 100 members in 4 OUs, 3 configurations each (one logging)."""
    bench.fresh()
    orgs = boto3.client("organizations", region_name="us-east-1", endpoint_url=bench.endpoint_url)
    orgs.create_organization(FeatureSet="ALL")
    root = orgs.list_roots()["Roots"][0]["Id"]
    ous = [
        orgs.create_organizational_unit(ParentId=root, Name=f"ou-{n}")["OrganizationalUnit"]["Id"]
        for n in range(4)
    ]
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=bench.endpoint_url)

    def member(n: int) -> None:
        made = orgs.create_account(AccountName=f"m{n}", Email=f"m{n}@example.com")
        account = made["CreateAccountStatus"]["AccountId"]
        orgs.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ous[n % 4])
        arn = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        creds = sts.assume_role(RoleArn=arn, RoleSessionName="seed")["Credentials"]
        seeded = Account(
            bench.endpoint_url, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"]
        )
        for i, region in enumerate(("us-east-1", "eu-west-1", "ap-northeast-1")):
            seeded.configuration(region, f"config-{n}-{i}", 100 if i == 0 else 0)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(member, range(ACCOUNTS)))
    bench.local.set_faults([Fault(service="*", kind="latency", latency_ms=LATENCY_MS)])


def _timed(argv: list[str], state: Path) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, stdout) of one process."""
    env = os.environ | {"SLR_STATE": str(state)}
    with open(state.with_suffix(".out"), "w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, env=env)
        peak = 0.0
        while process.poll() is None:
            # A high-water mark: the last reading before the exit is the peak, but for the
            # last tenth of a second.
            peak = max(peak, memory_mb("VmHWM", process.pid))
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        out.seek(0)
        stdout = out.read()
    if process.returncode not in (0, 2):
        raise RuntimeError(f"{argv[:3]} exited {process.returncode}: {stdout[-2000:]}")
    return elapsed, peak, stdout


def run(bench: Bench) -> list[Row]:
    _seed(bench)
    script = [
        sys.executable,
        str(_SCRIPT),
        "--endpoint-url",
        bench.endpoint_url,
        "--workers",
        str(IN_FLIGHT),
    ]
    fleet = [
        *slr_argv(),
        "--endpoint-url",
        bench.endpoint_url,
        "--output",
        "json",
        "--accounts",
        "org",
        "status",
    ]
    times: dict[str, list[float]] = {"script": [], "slr": []}
    rss: dict[str, list[float]] = {"script": [], "slr": []}
    calls: dict[str, Counter[str]] = {}
    found: dict[str, Any] = {}
    for n in range(RUNS):
        for side, argv in (("script", script), ("slr", fleet)):
            bench.record()
            elapsed, peak, stdout = _timed(argv, bench.state_dir(f"fleet-{side}-{n}"))
            calls[side] = bench.recorded()
            times[side].append(elapsed)
            rss[side].append(peak)
            found[side] = json.loads(stdout)
    ours, plain = statistics.median(times["slr"]), statistics.median(times["script"])
    ratio = ours / plain
    peak = max(rss["slr"])
    document = found["slr"]
    ok_accounts = sum(a["outcome"] == "succeeded" for a in document["accounts"])
    same = calls["slr"] == calls["script"]
    seen = (
        "the same from both"
        if same
        else (f"differ: slr {_calls(calls['slr'])}; script {_calls(calls['script'])}")
    )
    notes = [
        f"{ACCOUNTS} member accounts + the management account, 3 configurations each (1 "
        f"logging), every MediaTailor region, {LATENCY_MS} ms added to every call; slr: "
        f"{ok_accounts}/{len(document['accounts'])} accounts read, script: "
        f"{found['script']['accounts']}",
        f"wall times (s), runs alternating: script {_list(times['script'])}; "
        f"slr {_list(times['slr'])}",
        f"peak RSS (VmHWM, read while it runs): slr {_list(rss['slr'], '.0f')} MB, script "
        f"{_list(rss['script'], '.0f')} MB (limit {RSS_LIMIT_MB:.0f} MB)",
        f"calls the server received (moto's recorder): {seen} "
        f"({sum(calls['slr'].values())} from slr)",
    ]
    return [
        Row(
            "13. fleet status",
            f"script {plain:.2f} s",
            f"slr {ours:.2f} s, {peak:.0f} MB",
            ratio,
            f"<= {LIMIT}, <= {RSS_LIMIT_MB:.0f} MB",
            ratio <= LIMIT and peak <= RSS_LIMIT_MB and same,
            notes,
        )
    ]


def _list(values: list[float], fmt: str = ".2f") -> str:
    return ", ".join(format(v, fmt) for v in values)


def _calls(calls: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
