"""Target 13, a fleet's status: ``slr --accounts org status`` over an organization of member
accounts (each with a few playback configurations, every MediaTailor region scanned, 20 ms
added to every call), against two scripts making the same calls with the same total
concurrency (64 calls in flight, 8 accounts at once):

- ``boto3_fleet_status.py``, the plain boto3 script a user writes (a client per call, from one
  shared session): the baseline of the wall time;
- ``boto3_fleet_status.py --reuse-clients``, the same calls the cheapest documented way
  (clients made once per account and region with explicit credentials, reused by the threads,
  no logs): the baseline of the runner's CPU;

and, as the floor of one call, botocore's tight loop (one client, one operation, one thread).

The organization is seeded in two steps (seeding is not timed): first ``BASE`` members, all
three measured, alternating, ``RUNS`` times; then up to ``SLR_BENCH_ACCOUNTS`` members
(default 1,000), all three measured once more. The scaling row compares slr's wall time per
account and peak RSS at both sizes. Every side is a whole process: its CPU is its own
(``wait4``), its peak RSS its ``VmHWM`` read while it runs, the local AWS's CPU is measured
apart, and moto's recorder checks that the three made the same calls.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from benchmarks.cpu import Cpu, local_aws_pid, ms, process_cpu, run_measured, tight_loop
from benchmarks.local import Bench, slr_argv
from benchmarks.report import Row
from localaws import Fault
from localaws.seed import Account

__all__ = ["accounts_wanted", "grow", "measure", "organization", "run"]

#: The scaling row's base, and the size the first round is measured at.
BASE = 100
#: Members of the organization at the second size, unless SLR_BENCH_ACCOUNTS says otherwise.
ACCOUNTS = 1000
#: The runner's CPU against the floor script's; the wall time against the plain script's.
CPU_LIMIT = 1.3
WALL_LIMIT = 0.7
SCALING_LIMIT = 1.2
RSS_LIMIT_MB = 300.0
RUNS = 2
LATENCY_MS = 20
#: slr's defaults: FleetConfig.calls_in_flight.
IN_FLIGHT = 64
#: Calls of botocore's tight loop.
LOOP_CALLS = 300
_SCRIPT = Path(__file__).with_name("boto3_fleet_status.py")
#: Each script side's own arguments: the plain script, and the floor (clients reused).
_SCRIPTS = {"script": (), "floor": ("--reuse-clients",)}


def accounts_wanted() -> int:
    """The organization's size for the second round: ``SLR_BENCH_ACCOUNTS``, else 1,000."""
    return int(os.environ.get("SLR_BENCH_ACCOUNTS", ACCOUNTS))


@dataclass
class _Org:
    root: str
    ous: list[str]
    members: int = 0


def organization(bench: Bench) -> _Org:
    bench.fresh()
    orgs = boto3.client("organizations", region_name="us-east-1", endpoint_url=bench.endpoint_url)
    orgs.create_organization(FeatureSet="ALL")
    root = orgs.list_roots()["Roots"][0]["Id"]
    ous = [
        orgs.create_organizational_unit(ParentId=root, Name=f"ou-{n}")["OrganizationalUnit"]["Id"]
        for n in range(4)
    ]
    return _Org(root, ous)


def grow(bench: Bench, org: _Org, members: int, latency_ms: int = LATENCY_MS) -> None:
    """Members up to ``members`` in 4 OUs, 3 configurations each (one logging); no latency
    while seeding, 20 ms on every call after."""
    bench.local.clear_faults()
    orgs = boto3.client("organizations", region_name="us-east-1", endpoint_url=bench.endpoint_url)
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=bench.endpoint_url)

    def member(n: int) -> None:
        made = orgs.create_account(AccountName=f"m{n}", Email=f"m{n}@example.com")
        account = made["CreateAccountStatus"]["AccountId"]
        orgs.move_account(
            AccountId=account, SourceParentId=org.root, DestinationParentId=org.ous[n % 4]
        )
        arn = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        creds = sts.assume_role(RoleArn=arn, RoleSessionName="seed")["Credentials"]
        seeded = Account(
            bench.endpoint_url, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"]
        )
        for i, region in enumerate(("us-east-1", "eu-west-1", "ap-northeast-1")):
            seeded.configuration(region, f"config-{n}-{i}", 100 if i == 0 else 0)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(member, range(org.members, members)))
    org.members = members
    bench.local.set_faults([Fault(service="*", kind="latency", latency_ms=latency_ms)])


@dataclass
class _Run:
    side: str
    wall: float
    cpu: Cpu
    server: Cpu
    peak_mb: float
    calls: Counter[str]
    document: dict[str, Any]

    @property
    def requests(self) -> int:
        return sum(self.calls.values())


def _argv(bench: Bench, side: str) -> list[str]:
    if side == "slr":
        return [
            *slr_argv(),
            *("--endpoint-url", bench.endpoint_url, "--output", "json", "--accounts", "org"),
            "status",
        ]
    script = [sys.executable, str(_SCRIPT), "--endpoint-url", bench.endpoint_url]
    return [*script, "--workers", str(IN_FLIGHT), *_SCRIPTS[side]]


def measure(bench: Bench, side: str, argv: list[str], server: int) -> _Run:
    """One side's process, run to its end: its wall time, CPU and peak RSS, the local AWS's
    CPU meanwhile, the calls moto's recorder saw, the JSON document it printed."""
    state = bench.state_dir(f"fleet-{side}")
    env = os.environ | {"SLR_STATE": str(state)}
    bench.record()
    served = process_cpu(server)
    with open(state.with_suffix(".out"), "w+") as out:
        measured = run_measured(argv, env=env, stdout=out, stderr=subprocess.DEVNULL)
        out.seek(0)
        stdout = out.read()
    served = process_cpu(server) - served
    if measured.returncode not in (0, 2):
        raise RuntimeError(f"{argv[:3]} exited {measured.returncode}: {stdout[-2000:]}")
    return _Run(
        side,
        measured.wall,
        measured.cpu,
        served,
        measured.peak_mb,
        bench.recorded(),
        json.loads(stdout),
    )


def _round(bench: Bench, runs: int, server: int) -> dict[str, list[_Run]]:
    """Every side ``runs`` times, alternating (script, floor, slr, ...)."""
    done: dict[str, list[_Run]] = {"script": [], "floor": [], "slr": []}
    for _ in range(runs):
        for side in done:
            done[side].append(measure(bench, side, _argv(bench, side), server))
    return done


def _median(runs: list[_Run], figure: str) -> float:
    values = [run.cpu.total if figure == "cpu" else float(getattr(run, figure)) for run in runs]
    return statistics.median(values)


def _accounts(run: _Run) -> int:
    listed = run.document["accounts"]
    return len(listed) if isinstance(listed, list) else int(listed)


def _rows(size: int, done: dict[str, list[_Run]], loop: float) -> list[Row]:
    slr, floor, script = done["slr"], done["floor"], done["script"]
    accounts = _accounts(slr[0])
    calls = slr[0].requests
    cpu = {side: _median(runs, "cpu") for side, runs in done.items()}
    wall = {side: _median(runs, "wall") for side, runs in done.items()}
    server = {side: statistics.median(r.server.total for r in runs) for side, runs in done.items()}
    peak = max(r.peak_mb for r in slr)
    cpu_ratio = cpu["slr"] / cpu["floor"]
    wall_ratio = wall["slr"] / wall["script"]
    same = all(r.calls == slr[0].calls for runs in done.values() for r in runs)
    ok_accounts = sum(a["outcome"] == "succeeded" for a in slr[-1].document["accounts"])
    notes = [
        f"{size} member accounts + the management account, 3 configurations each (1 logging), "
        f"every MediaTailor region, {LATENCY_MS} ms added to every call; slr: "
        f"{ok_accounts}/{accounts} accounts read, the scripts: {_accounts(floor[0])}, "
        f"{_accounts(script[0])}; {calls} calls each",
        "runner CPU (user+sys s; median of "
        f"{len(slr)}): "
        + "; ".join(
            f"{side} {cpu[side]:.2f} = {ms(cpu[side], calls)} ms per call, "
            f"{ms(cpu[side], accounts)} ms per account"
            for side in ("slr", "floor", "script")
        ),
        "the runner's CPU split, user/sys (s): "
        + ", ".join(
            f"{side} {runs[0].cpu.user:.2f}/{runs[0].cpu.system:.2f}" for side, runs in done.items()
        ),
        f"botocore's tight loop (one client, ListPlaybackConfigurations x{LOOP_CALLS}, one "
        f"thread): {loop * 1000:.2f} ms per call; slr = {cpu['slr'] / calls / loop:.1f}x it, "
        f"the floor script {cpu['floor'] / calls / loop:.1f}x",
        "the local AWS's CPU (its own process, not the runner's): "
        + ", ".join(
            f"{side} {server[side]:.2f} s = {ms(server[side], calls)} ms per call"
            for side in server
        ),
        "wall times (s), runs alternating: "
        + "; ".join(f"{side} {_list([r.wall for r in runs])}" for side, runs in done.items()),
        "peak RSS (VmHWM, read while it runs, MB): "
        + "; ".join(
            f"{side} {_list([r.peak_mb for r in runs], '.0f')}" for side, runs in done.items()
        )
        + f" (limit {RSS_LIMIT_MB:.0f} MB)",
        "calls the server received (moto's recorder): "
        + ("the same from all three" if same else _differ(done)),
    ]
    return [
        Row(
            f"13. fleet status, {size} accounts",
            f"floor {cpu['floor']:.1f} s CPU, script {wall['script']:.1f} s",
            f"slr {cpu['slr']:.1f} s CPU, {wall['slr']:.1f} s, {peak:.0f} MB",
            cpu_ratio,
            f"CPU <= {CPU_LIMIT}x floor, wall <= {WALL_LIMIT}x script ({wall_ratio:.2f}), "
            f"<= {RSS_LIMIT_MB:.0f} MB",
            cpu_ratio <= CPU_LIMIT and wall_ratio <= WALL_LIMIT and peak <= RSS_LIMIT_MB and same,
            notes,
            cpu=f"slr {ms(cpu['slr'], calls)} / floor {ms(cpu['floor'], calls)} ms",
        )
    ]


def _scaling(small: dict[str, list[_Run]], large: dict[str, list[_Run]]) -> Row:
    def per_account(runs: list[_Run]) -> float:
        return _median(runs, "wall") / _accounts(runs[0])

    base, big = small["slr"], large["slr"]
    wall = per_account(big) / per_account(base)
    peak_base, peak_big = max(r.peak_mb for r in base), max(r.peak_mb for r in big)
    rss = peak_big / peak_base
    cpu = (_median(big, "cpu") / _accounts(big[0])) / (_median(base, "cpu") / _accounts(base[0]))
    sizes = f"{_accounts(big[0])} vs {_accounts(base[0])} accounts"
    return Row(
        "13. fleet scaling",
        f"{_accounts(base[0])}: {per_account(base) * 1000:.0f} ms/account, {peak_base:.0f} MB",
        f"{_accounts(big[0])}: {per_account(big) * 1000:.0f} ms/account, {peak_big:.0f} MB",
        max(wall, rss),
        f"wall per account and RSS <= {SCALING_LIMIT}x",
        wall <= SCALING_LIMIT and rss <= SCALING_LIMIT,
        [
            f"slr, {sizes}: wall per account {wall:.2f}x, peak RSS {rss:.2f}x, runner CPU per "
            f"account {cpu:.2f}x"
        ],
    )


def run(bench: Bench) -> list[Row]:
    server = local_aws_pid()
    org = organization(bench)
    grow(bench, org, BASE)
    loop_client = Account(bench.endpoint_url).client("mediatailor", "us-east-1")
    loop = tight_loop(loop_client, LOOP_CALLS)
    small = _round(bench, RUNS, server)
    rows = _rows(BASE, small, loop)
    wanted = accounts_wanted()
    if wanted > BASE:
        grow(bench, org, wanted)
        large = _round(bench, 1, server)
        rows += _rows(wanted, large, loop)
        rows.append(_scaling(small, large))
    bench.local.clear_faults()
    return rows


def _list(values: list[float], fmt: str = ".2f") -> str:
    return ", ".join(format(v, fmt) for v in values)


def _differ(done: dict[str, list[_Run]]) -> str:
    return "DIFFER: " + "; ".join(
        f"{side} " + ", ".join(f"{k} {v}" for k, v in sorted(runs[0].calls.items()))
        for side, runs in done.items()
    )
