"""Target 14, a fleet's inventory: ``slr --accounts org inventory`` over an organization of 50
member accounts (each with the seeded account's fifteen service-linked roles, 20 ms added to
every call), against a plain boto3 script (``boto3_fleet_inventory.py``) making the same
calls; and the choice the inventory rests on, measured in the same run: one account's
service-linked roles with their last use read by ``GetAccountAuthorizationDetails`` (roles,
every page) or by ``ListRoles`` (``PathPrefix=/aws-service-role/``) and a ``GetRole`` each.

Both fleet sides are whole processes on the same local AWS, alternating, as target 13's; the
recorder checks they made the same calls; peak RSS is each process's ``VmHWM``.
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

from benchmarks.cpu import ms, run_measured
from benchmarks.fleet_status import _list
from benchmarks.local import Bench, slr_argv
from benchmarks.report import Row
from localaws import Fault
from localaws.seed import Account
from localaws.service_roles import seed_service_linked_roles

__all__ = ["run"]

ACCOUNTS = 50
#: Ordinary roles per account beside the service-linked ones (GetAccountAuthorizationDetails
#: returns them too; ListRoles' PathPrefix leaves them out).
OTHER_ROLES = 20
LIMIT = 1.3
RSS_LIMIT_MB = 300.0
RUNS = 2
LATENCY_MS = 20
_SCRIPT = Path(__file__).with_name("boto3_fleet_inventory.py")


def _seed(bench: Bench) -> None:
    bench.fresh()
    endpoint = bench.endpoint_url
    orgs = boto3.client("organizations", region_name="us-east-1", endpoint_url=endpoint)
    orgs.create_organization(FeatureSet="ALL")
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint)

    def member(n: int) -> None:
        made = orgs.create_account(AccountName=f"m{n}", Email=f"m{n}@example.com")
        account = made["CreateAccountStatus"]["AccountId"]
        arn = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        creds = sts.assume_role(RoleArn=arn, RoleSessionName="seed")["Credentials"]
        seeded = Account(endpoint, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"])
        _roles(seeded)
        seed_service_linked_roles(bench.local, seeded, account_id=account)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(member, range(ACCOUNTS)))
    own = Account(endpoint)
    _roles(own)
    seed_service_linked_roles(bench.local, own)


def _roles(account: Account) -> None:
    iam = account.client("iam")
    for n in range(OTHER_ROLES):
        iam.create_role(RoleName=f"app-{n}", AssumeRolePolicyDocument="{}")


def _read_cost(bench: Bench) -> tuple[dict[str, float], dict[str, int]]:
    """Median seconds and calls of one account's read, each way (the management account)."""
    iam = Account(bench.endpoint_url).client("iam")

    def details() -> int:
        pages = iam.get_paginator("get_account_authorization_details").paginate(
            Filter=["Role"], PaginationConfig={"PageSize": 1000}
        )
        return sum(1 for _ in pages)

    def listed() -> int:
        pages = iam.get_paginator("list_roles").paginate(
            PathPrefix="/aws-service-role/", PaginationConfig={"PageSize": 1000}
        )
        names = [r["RoleName"] for page in pages for r in page["Roles"]]
        for name in names:
            iam.get_role(RoleName=name)["Role"].get("RoleLastUsed")
        return 1 + len(names)

    seconds, calls = {}, {}
    for name, read in (("details", details), ("list+get", listed)):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            calls[name] = read()
            times.append(time.perf_counter() - started)
        seconds[name] = statistics.median(times)
    return seconds, calls


def run(bench: Bench) -> list[Row]:
    _seed(bench)
    bench.local.set_faults([Fault(service="*", kind="latency", latency_ms=LATENCY_MS)])
    read_seconds, read_calls = _read_cost(bench)
    script = [sys.executable, str(_SCRIPT), "--endpoint-url", bench.endpoint_url]
    fleet = [
        *slr_argv(),
        "--endpoint-url",
        bench.endpoint_url,
        "--output",
        "json",
        "--accounts",
        "org",
        "inventory",
    ]
    times: dict[str, list[float]] = {"script": [], "slr": []}
    rss: dict[str, list[float]] = {"script": [], "slr": []}
    cpu: dict[str, list[float]] = {"script": [], "slr": []}
    calls: dict[str, Counter[str]] = {}
    found: dict[str, Any] = {}
    for n in range(RUNS):
        for side, argv in (("script", script), ("slr", fleet)):
            bench.record()
            state = bench.state_dir(f"inventory-{side}-{n}")
            with open(state.with_suffix(".out"), "w+") as out:
                measured = run_measured(
                    argv,
                    env=os.environ | {"SLR_STATE": str(state)},
                    stdout=out,
                    stderr=subprocess.DEVNULL,
                )
                out.seek(0)
                stdout = out.read()
            if measured.returncode not in (0, 2):
                raise RuntimeError(f"{argv[:3]} exited {measured.returncode}: {stdout[-2000:]}")
            calls[side] = bench.recorded()
            times[side].append(measured.wall)
            rss[side].append(measured.peak_mb)
            cpu[side].append(measured.cpu.total)
            found[side] = json.loads(stdout)
    ours, plain = statistics.median(times["slr"]), statistics.median(times["script"])
    ratio = ours / plain
    peak = max(rss["slr"])
    document = found["slr"]
    same = calls["slr"] == calls["script"]
    sent = sum(calls["slr"].values())
    seen = "the same from both" if same else f"differ: slr {calls['slr']}; script {calls['script']}"
    notes = [
        f"{ACCOUNTS} member accounts + the management account, 15 service-linked and "
        f"{OTHER_ROLES} other roles each, {LATENCY_MS} ms added to every call; slr: "
        f"{document['summary']['roles']} roles in {document['summary']['accounts']} accounts, "
        f"script: {found['script']['roles']} roles",
        f"wall times (s), runs alternating: script {_list(times['script'])}; "
        f"slr {_list(times['slr'])}",
        f"peak RSS (VmHWM): slr {_list(rss['slr'], '.0f')} MB, script "
        f"{_list(rss['script'], '.0f')} MB (limit {RSS_LIMIT_MB:.0f} MB)",
        f"calls the server received (moto's recorder): {seen} "
        f"({sum(calls['slr'].values())} from slr)",
        f"one account's read, median of 5: GetAccountAuthorizationDetails "
        f"{read_calls['details']} call(s) {read_seconds['details'] * 1000:.0f} ms; ListRoles + "
        f"GetRole {read_calls['list+get']} calls {read_seconds['list+get'] * 1000:.0f} ms",
    ]
    return [
        Row(
            "14. fleet inventory",
            f"script {plain:.2f} s",
            f"slr {ours:.2f} s, {peak:.0f} MB",
            ratio,
            f"<= {LIMIT}, <= {RSS_LIMIT_MB:.0f} MB",
            ratio <= LIMIT and peak <= RSS_LIMIT_MB and same,
            notes,
            cpu=f"slr {ms(statistics.median(cpu['slr']), sent)} / "
            f"script {ms(statistics.median(cpu['script']), sent)} ms",
        )
    ]
