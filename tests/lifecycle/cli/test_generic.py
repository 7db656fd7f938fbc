"""`slr --workflow generic --service-name ...` over HTTP: the role of a service no workflow
knows, created and deleted; a decommission refused without the caller's word; a deletion IAM
fails reports its RoleUsageList and exits 4."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecycle.cli import exits
from localaws import LocalAWS
from localaws.autoscaling import group
from localaws.seed import Account
from tests.lifecycle.cli.test_cli import Slr, one_line_error, record, writes

RDS = ("--workflow", "generic", "--service-name", "rds.amazonaws.com")


@pytest.fixture
def slr(aws: LocalAWS, tmp_path: Path) -> Slr:
    made = Slr(aws, tmp_path / "state")
    made.regions = None
    return made


def test_it_creates_and_deletes_the_role_of_a_service_no_workflow_knows(
    slr: Slr, account: Account
) -> None:
    code, created = slr.json(*RDS, "apply", "--target", "created", "--yes")
    assert (code, created["final_state"]) == (exits.OK, "created")
    assert account.role("AWSServiceRoleForRDS") is not None
    code, deleted = slr.json(
        "--workflow", "generic", "--service-name", "AWSServiceRoleForRDS",
        "apply", "--target", "deleted", "--yes", "--accept-unknown-dependents",
    )  # fmt: skip
    assert (code, deleted["final_state"]) == (exits.OK, "deleted"), deleted
    assert [s["transition"] for s in deleted["steps"]] == ["verify", "delete"]
    account.wait_for_no_role("AWSServiceRoleForRDS")


def test_a_custom_suffix_names_the_role_it_creates(slr: Slr, account: Account) -> None:
    code, _ = slr.json(
        "--workflow", "generic", "--service-name", "autoscaling.amazonaws.com",
        "--custom-suffix", "batch", "apply", "--target", "created", "--yes",
    )  # fmt: skip
    assert code == exits.OK
    assert account.role("AWSServiceRoleForAutoScaling_batch") is not None


def test_plan_says_its_dependents_are_unknown(slr: Slr, account: Account) -> None:
    account.create_role("rds.amazonaws.com")
    code, plan = slr.json(*RDS, "plan", "--target", "deleted")
    assert code == exits.CHANGES_PENDING
    assert plan["dependents_known"] is False
    done = slr(*RDS, "plan", "--target", "deleted")
    assert "dependents: unknown" in done.stdout


def test_a_decommission_without_the_callers_word_is_refused_and_sends_nothing(
    slr: Slr, aws: LocalAWS, account: Account
) -> None:
    account.create_role("rds.amazonaws.com")
    record(aws)
    done = slr(*RDS, "apply", "--target", "deleted", "--yes")
    assert done.returncode == exits.USAGE
    assert "--accept-unknown-dependents" in one_line_error(done)
    assert writes(aws) == []
    assert account.role("AWSServiceRoleForRDS") is not None


def test_a_failed_deletion_reports_its_usage_list_and_exits_4(
    slr: Slr, aws: LocalAWS, account: Account
) -> None:
    # The task is polled from 1 s on (the workflow's own poll): IAM keeps it that long.
    aws.set_settings(usage_lag_seconds=0, task_retention_seconds=30)
    arn = group(account, "eu-west-1", "web")  # Auto Scaling creates its role, and uses it
    account.wait_for_role("AWSServiceRoleForAutoScaling")
    done = slr(
        "--workflow", "generic", "--service-name", "autoscaling.amazonaws.com",
        "apply", "--target", "deleted", "--yes", "--accept-unknown-dependents",
    )  # fmt: skip
    assert done.returncode == exits.IN_USE, done.stderr
    lines = done.stdout.splitlines()
    assert f"  eu-west-1: {arn}" in lines
    assert "  (IAM's list may be partial, and a region it names may be wrong)" in lines
    assert account.role("AWSServiceRoleForAutoScaling") is not None


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--workflow", "generic", "status"], "needs --service-name"),
        (["--workflow", "generic", "--service-name", "kafka.amazonaws.com", "status"], "kafka"),
        (["--workflow", "mediatailor", "--service-name", "rds.amazonaws.com", "status"], "takes"),
        (["--custom-suffix", "x", "status"], "--custom-suffix needs --service-name"),
    ],
)
def test_bad_service_names_are_one_line_and_exit_64(
    slr: Slr, aws: LocalAWS, args: list[str], says: str
) -> None:
    done = slr(*args)
    assert done.returncode == exits.USAGE, done.stderr
    assert says in one_line_error(done)
