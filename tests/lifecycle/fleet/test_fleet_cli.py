"""`slr --accounts ...` over HTTP on the local AWS: an organization of member accounts whose
MediaTailor and IAM state are each their own."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from lifecycle.cli import exits
from localaws import Fault, LocalAWS
from tests import recorder
from tests.lifecycle.cli.test_cli import Slr, aws_region_alone, one_line_error, record, writes
from tests.lifecycle.fleet.conftest import MANAGEMENT, Organization, build

ROLE = "AWSServiceRoleForMediaTailor"
#: The recorder's names of MediaTailor's log writes (the last part of their path).
LOGS = frozenset({"playbackConfiguration", "channel"})


@pytest.fixture
def slr(aws: LocalAWS, tmp_path: Path) -> Slr:
    return Slr(aws, tmp_path / "state")


def fleet_json(slr: Slr, *args: str, env: dict[str, str] | None = None) -> tuple[int, Any]:
    done = slr("--output", "json", *args, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout) if done.stdout else {}


def by_account(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["account"]: item for item in document["accounts"]}


def test_state_is_kept_per_account(slr: Slr, small_org: Organization) -> None:
    members = sorted(set(small_org.accounts.values()) - small_org.without_role)
    code, status = fleet_json(slr, "--accounts", ",".join(members), "status")
    assert code == exits.OK
    seen = by_account(status)
    assert [seen[a]["state"] for a in members] == ["in-use", "in-use", "absent", "absent"]
    first = seen[members[0]]
    assert {(d["region"], d["name"]) for d in first["dependents"]} == {
        ("us-east-1", f"{members[0]}-us-east-1"),
        ("eu-west-1", f"{members[0]}-eu-west-1"),
        ("eu-west-1", f"linear-{members[0]}"),
    }
    assert first["role"]["arn"].startswith(f"arn:aws:iam::{members[0]}:role/")
    # The management account's own MediaTailor is another account's: nothing there.
    assert small_org.member(members[2]).role() is None


def test_aws_region_alone_serves_a_fleet(slr: Slr, aws: LocalAWS) -> None:
    accounts = ("111111111111", "222222222222")
    record(aws)
    code, status = fleet_json(
        slr, "--accounts", ",".join(accounts), "status", env=aws_region_alone(slr.env, "eu-west-1")
    )
    assert code == exits.OK
    assert set(by_account(status)) == set(accounts)
    recorder.stop(aws)
    scopes = filter(None, (recorder.signed_by(entry) for _, _, entry, _ in recorder.requests(aws)))
    # STS for the fleet and in each account, IAM in each account: all in AWS_REGION's region.
    assert {(region, service) for _, region, service in scopes if service in ("sts", "iam")} == {
        ("eu-west-1", "sts"),
        ("eu-west-1", "iam"),
    }


def test_the_organization_is_listed_by_ou_nested_ous_included_active_only(
    slr: Slr, aws: LocalAWS
) -> None:
    org = build(
        aws,
        {"": 2, "workloads": 1, "workloads/prod": 3, "workloads/prod/eu": 2, "sandbox": 2},
        closed=1,
    )
    code, everything = fleet_json(slr, "--accounts", "org", "status")
    assert code == exits.OK
    active = set(org.accounts.values()) - org.closed
    assert set(by_account(everything)) == active | {MANAGEMENT}
    code, workloads = fleet_json(slr, "--accounts", f"org:{org.ous['workloads']}", "status")
    assert code == exits.OK
    wanted = {org.accounts[f"member-{n}"] for n in range(2, 8)}
    assert set(by_account(workloads)) == wanted


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--accounts", "12345"), "12-digit account ids"),
        (("--accounts", "org:ou-nope"), "OU id"),
        (("--role-name", "x"), "--role-name needs --accounts"),
        (("--accounts", "org", "--assume-role", "arn:aws:iam::1:role/x"), "{account}"),
        (("--assume-role", "arn:aws:iam::{account}:role/x"), "needs --accounts"),
    ],
)
def test_bad_fleet_options_are_one_line_usage_errors(
    slr: Slr, small_org: Organization, args: tuple[str, ...], message: str
) -> None:
    record(small_org.aws)
    done = slr(*args, "status")
    assert done.returncode == exits.USAGE
    assert message in one_line_error(done)
    assert writes(small_org.aws) == []


def test_a_fleet_decommission_reaches_deleted_everywhere_with_each_write_in_its_account(
    slr: Slr, aws: LocalAWS
) -> None:
    org = build(
        aws, {"": 3, "workloads/prod": 10, "workloads/dev": 10, "sandbox": 5}, without_role=2
    )
    members = sorted(set(org.accounts.values()) - org.without_role)
    in_use = {
        a: (["us-east-1", "eu-west-1", "us-west-2"] if i % 2 else ["eu-west-1"])
        for i, a in enumerate(members[::4])
    }
    for account, regions in in_use.items():
        org.in_use(account, regions)
    record(aws)
    code, done = fleet_json(slr, "--accounts", "org", "apply", "--target", "deleted", "--yes")
    assert code == exits.ERROR  # the accounts whose role cannot be assumed
    results = by_account(done)
    assert len(results) == 29
    assert {a for a, r in results.items() if r["outcome"] == "failed"} == org.without_role
    for account in org.without_role:
        assert "AccessDenied" in results[account]["error"]
        assert "sts:AssumeRole" in results[account]["error"]
    for account in set(results) - org.without_role:
        # A decommission never creates: where the role never was, absent is the end.
        wanted = "deleted" if account in in_use else "absent"
        assert results[account]["final_state"] == wanted, results[account]
    for account, regions in in_use.items():
        member = org.member(account)
        assert member.role() is None
        for region in regions:
            assert member.configurations(region)[f"{account}-{region}"]["PercentEnabled"] == 0
        assert member.channels(regions[-1])[f"linear-{account}"] == []
        sent = [
            op["parameters"]
            for s in results[account]["steps"]
            for op in s["operations"]
            if op["access"] == "write" and op["service"] == "mediatailor"
        ]
        names = {p.get("PlaybackConfigurationName") or p.get("ChannelName") for p in sent}
        assert names == {f"{account}-{r}" for r in regions} | {f"linear-{account}"}
    sent = Counter(writes(aws))
    assert {write: n for write, n in sent.items() if n > 1 and write[0] in LOGS} == {}
    assert sum(n for (op, _), n in sent.items() if op in LOGS) == sum(
        len(r) + 1 for r in in_use.values()
    )
    assert sent[("DeleteServiceLinkedRole", ROLE)] == len(in_use)
    assert [op for op, _ in sent if op == "CreateServiceLinkedRole"] == []
    assert summary_line(slr, "--accounts", "org", "status").endswith("exit 1")


def test_an_unreadable_region_stops_each_accounts_decommission_before_any_write(
    slr: Slr, small_org: Organization, aws: LocalAWS
) -> None:
    members = sorted(set(small_org.accounts.values()) - small_org.without_role)
    unreadable = Fault(
        service="mediatailor",
        region="eu-west-1",
        kind="error",
        error_code="UnrecognizedClientException",
        http_status=403,
    )
    aws.set_faults([unreadable])
    record(aws)
    code, done = fleet_json(
        slr, "--accounts", ",".join(members), "apply", "--target", "deleted", "--yes"
    )
    results = by_account(done)
    assert code != exits.OK
    # The two in use cannot be proven idle in eu-west-1: refused, untouched.
    for account in members[:2]:
        assert results[account]["exit_code"] == exits.USAGE, results[account]
        assert "eu-west-1" in results[account]["error"]
    # The two that never had the role have nothing to do.
    assert [results[a]["final_state"] for a in members[2:]] == ["absent", "absent"]
    assert [write for write in writes(aws) if write[0] != "AssumeRole"] == []


def summary_line(slr: Slr, *args: str) -> str:
    return slr(*args).stdout.strip().splitlines()[-1]


def test_text_output_has_a_row_per_account_and_a_summary_line(
    slr: Slr, small_org: Organization
) -> None:
    done = slr("--accounts", "org", "status")
    assert done.returncode == exits.ERROR
    lines = done.stdout.strip().splitlines()
    assert lines[0].split() == ["ACCOUNT", "STATE", "ACTIVE", "WRITES", "OUTCOME", "EXIT"]
    rows = [line for line in lines if line[:12].isdigit() and line[12] == " "]
    assert len(rows) == 6
    [failed] = small_org.without_role
    assert any(line.startswith(f"  {failed}: sts:AssumeRole") for line in lines)
    assert "6 accounts: 5 succeeded, 1 failed; exit 1" in lines[-1]
    # No terminal: no progress bar, the logs say it as events.
    events = [json.loads(line)["event"] for line in done.stderr.splitlines()]
    assert events.count("fleet.account.end") == 6
    assert "\r" not in done.stderr


def test_failure_tolerance_stops_starting_new_accounts(slr: Slr, aws: LocalAWS) -> None:
    org = build(aws, {"": 6}, without_role=2)
    order = sorted(org.accounts.values())
    code, done = fleet_json(
        slr,
        "--accounts",
        ",".join(order),
        "--max-concurrent-accounts",
        "1",
        "--failure-tolerance",
        "1",
        "apply",
        "--target",
        "created",
        "--yes",
    )
    assert code == exits.ERROR
    outcomes = [by_account(done)[a]["outcome"] for a in order]
    second_failure = [i for i, a in enumerate(order) if a in org.without_role][1]
    assert outcomes[second_failure] == "failed"
    assert all(o == "not-started" for o in outcomes[second_failure + 1 :])
    assert all(o in ("succeeded", "failed") for o in outcomes[: second_failure + 1])
    for account in order[second_failure + 1 :]:
        assert org.member(account).role() is None  # nothing sent there
    assert done["summary"]["not-started"] == len(order) - second_failure - 1


def test_a_fleet_run_killed_and_started_again_finishes_without_repeating_a_write(
    slr: Slr, aws: LocalAWS
) -> None:
    org = build(aws, {"a": 3, "b": 3})
    accounts = sorted(org.accounts.values())
    for account in accounts:
        org.in_use(account, ["us-east-1", "us-west-2"])
    args = (
        "--accounts",
        ",".join(accounts),
        "--max-concurrent-accounts",
        "2",
        "apply",
        "--target",
        "deleted",
        "--yes",
    )
    record(aws)
    crashed = slr(*args, env=slr.env | {"SLR_CRASH_AT": "after:ConfigureLogsForChannel:3"})
    assert crashed.returncode == -9, crashed.stderr[-2000:]
    code, again = fleet_json(slr, *args)
    assert code == exits.OK, again
    results = by_account(again)
    assert {r["outcome"] for r in results.values()} <= {"succeeded", "elsewhere"}
    assert any(r["outcome"] == "elsewhere" for r in results.values())  # done before the kill
    for account in accounts:
        assert org.member(account).role() is None
    sent = Counter(writes(aws))
    assert {w: n for w, n in sent.items() if n > 1 and w[0] in LOGS} == {}
    assert sum(n for (op, _), n in sent.items() if op in LOGS) == 18


def test_the_same_fleet_command_after_a_finished_run_does_it_again(
    slr: Slr, small_org: Organization
) -> None:
    members = sorted(set(small_org.accounts.values()) - small_org.without_role)
    args = ("--accounts", ",".join(members), "status")
    first, second = fleet_json(slr, *args)[1], fleet_json(slr, *args)[1]
    assert first["fleet_run"] == second["fleet_run"]
    assert {r["outcome"] for r in second["accounts"]} == {"succeeded"}


def test_policy_scope_fleet_names_the_management_accounts_needs_next_to_the_members(
    slr: Slr,
) -> None:
    done = slr("--accounts", "org", "--role-name", "SlrRunner", "policy", "--scope", "fleet")
    assert done.returncode == exits.OK
    policies = json.loads(done.stdout)
    [listing, assume] = policies["management_account"]["Statement"]
    assert set(listing["Action"]) == {
        "organizations:ListAccounts",
        "organizations:ListAccountsForParent",
        "organizations:ListOrganizationalUnitsForParent",
    }
    assert assume["Action"] == ["sts:AssumeRole"]
    assert assume["Resource"] == "arn:aws:iam::*:role/SlrRunner"
    actions = {a for s in policies["member_accounts"]["Statement"] for a in s["Action"]}
    assert {"iam:DeleteServiceLinkedRole", "mediatailor:ListPlaybackConfigurations"} <= actions


def test_a_saved_fleet_plan_is_checked_per_account(
    slr: Slr, small_org: Organization, tmp_path: Path
) -> None:
    members = sorted(set(small_org.accounts.values()) - small_org.without_role)
    saved = tmp_path / "fleet-plan.json"
    planned = slr("--accounts", ",".join(members), "plan", "--target", "deleted", "-o", str(saved))
    assert planned.returncode == exits.CHANGES_PENDING, planned.stderr[-2000:]
    small_org.in_use(members[3], ["us-east-1"])  # the world changed in one account
    code, applied = fleet_json(slr, "apply", str(saved), "--yes")
    results = by_account(applied)
    assert code == exits.ERROR
    assert results[members[3]]["exit_code"] == exits.STALE_PLAN
    assert "stale" in results[members[3]]["error"]
    # The two in use are decommissioned; the third never had the role: absent, untouched.
    assert [results[a]["final_state"] for a in members[:3]] == ["deleted", "deleted", "absent"]
    assert small_org.member(members[3]).role() is not None


def test_history_on_a_fleet_lists_each_accounts_runs(slr: Slr, small_org: Organization) -> None:
    members = sorted(set(small_org.accounts.values()) - small_org.without_role)[2:]
    fleet = ("--accounts", ",".join(members))
    assert slr(*fleet, "apply", "--target", "created", "--yes").returncode == exits.OK
    code, history = fleet_json(slr, *fleet, "history")
    assert code == exits.OK
    assert [[r["account"] for r in a["runs"]] for a in history["accounts"]] == [
        [members[0]],
        [members[1]],
    ]
