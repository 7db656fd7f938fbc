"""Runners that share a fleet: the same fleet command on two machines, one DynamoDB table;
each account is claimed by one runner at a time and done once per fleet run."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections import Counter
from pathlib import Path

import pytest

from lifecycle.cli import exits
from localaws import Fault, LocalAWS
from tests.lifecycle.cli.test_cli import Slr, record, writes
from tests.lifecycle.fleet.conftest import Organization, build
from tests.lifecycle.fleet.test_fleet_cli import LOGS, ROLE

Started = tuple[subprocess.Popen[str], Path]


def started(slr: Slr, *args: str, env: dict[str, str] | None = None) -> Started:
    """``slr`` in the background, its output in files (a full pipe would stall it)."""
    base = slr.state_dir.parent / slr.state_dir.name
    with open(f"{base}.out", "w") as out, open(f"{base}.err", "w") as err:
        process = subprocess.Popen(
            slr.argv(*args), stdout=out, stderr=err, text=True, env=env or slr.env
        )
    return process, base


def finished(run: Started) -> tuple[str, str]:
    process, base = run
    process.wait(timeout=120)
    return Path(f"{base}.out").read_text(), Path(f"{base}.err").read_text()


def machine(aws: LocalAWS, tmp_path: Path, name: str, table: str) -> Slr:
    slr = Slr(aws, tmp_path / name)
    slr.env = slr.env | {"SLR_STATE": f"dynamodb://{table}?region=us-east-1"}
    return slr


@pytest.fixture
def org(aws: LocalAWS) -> Organization:
    org = build(aws, {"": 4, "workloads": 4})
    for account in sorted(org.accounts.values()):
        org.in_use(account, ["us-east-1"])
    return org


@pytest.fixture
def machines(aws: LocalAWS, tmp_path: Path) -> tuple[Slr, Slr]:
    table = f"slr-state-{uuid.uuid4().hex[:8]}"
    first, second = (machine(aws, tmp_path, n, table) for n in ("machine-a", "machine-b"))
    assert first("state", "init").returncode == exits.OK
    return first, second


def fleet_command(org: Organization) -> tuple[str, ...]:
    accounts = ",".join(sorted(org.accounts.values()))
    return (
        "--output",
        "json",
        "--accounts",
        accounts,
        "--max-concurrent-accounts",
        "2",
        "apply",
        "--target",
        "deleted",
        "--yes",
    )


def test_two_runners_on_one_table_split_the_fleet_and_do_no_account_twice(
    aws: LocalAWS, org: Organization, machines: tuple[Slr, Slr]
) -> None:
    # Each runner's drains wait at a gate: once four have arrived, each runner holds two
    # accounts (its limit), so both take part, however far apart they started.
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                operation="ConfigureLogsForChannel",
                kind="hold",
                gate="drain",
            )
        ]
    )
    record(aws)
    running = [started(slr, *fleet_command(org)) for slr in machines]
    try:
        aws.wait_for_gate("drain", calls=4)
    finally:
        aws.open_gate("drain")
    outputs = [finished(process) for process in running]
    assert [p.returncode for p, _ in running] == [exits.OK, exits.OK], outputs[0][1][-2000:]
    documents = [json.loads(out) for out, _ in outputs]
    did = [
        {a["account"] for a in doc["accounts"] if a["outcome"] == "succeeded"} for doc in documents
    ]
    assert did[0], "each runner did some of the fleet"
    assert did[1], "each runner did some of the fleet"
    assert did[0].isdisjoint(did[1])
    assert did[0] | did[1] == set(org.accounts.values())
    for doc, theirs in zip(documents, reversed(did), strict=True):
        elsewhere = {a["account"]: a for a in doc["accounts"] if a["outcome"] == "elsewhere"}
        assert set(elsewhere) == theirs
        assert {a["done_by"]["outcome"] for a in elsewhere.values()} == {"succeeded"}
    assert documents[0]["fleet_run"] == documents[1]["fleet_run"]
    sent = Counter(writes(aws))
    assert {w: n for w, n in sent.items() if n > 1 and w[0] in LOGS} == {}
    assert sent[("DeleteServiceLinkedRole", ROLE)] == len(org.accounts)


def test_a_dead_runners_accounts_are_taken_by_the_other(
    aws: LocalAWS, org: Organization, machines: tuple[Slr, Slr]
) -> None:
    first, second = machines
    # As above, both runners hold two accounts each before any drain goes on: the first
    # dies holding claims, whichever of them started first.
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                operation="ConfigureLogsForChannel",
                kind="hold",
                gate="drain",
            )
        ]
    )
    record(aws)
    crash = {"SLR_CRASH_AT": "after:ConfigureLogsForChannel:2"}
    dying = started(first, *fleet_command(org), env=first.env | crash)
    survivor = started(second, *fleet_command(org))
    try:
        aws.wait_for_gate("drain", calls=4)
    finally:
        aws.open_gate("drain")
    finished(dying)
    out, err = finished(survivor)
    assert dying[0].returncode == -9
    assert survivor[0].returncode == exits.OK, err[-2000:]
    results = {a["account"]: a for a in json.loads(out)["accounts"]}
    assert {r["outcome"] for r in results.values()} <= {"succeeded", "elsewhere"}
    for account in org.accounts.values():
        assert org.member(account).role() is None
    sent = Counter(writes(aws))
    assert {w: n for w, n in sent.items() if n > 1 and w[0] in LOGS} == {}
