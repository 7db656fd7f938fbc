"""Each workflow in one account that uses all four services: it decommissions its own role and
leaves the others' alone, a restore brings back exactly what its drain replaced, and what only
a person can clear stops it before any write, until a person has."""

from __future__ import annotations

import subprocess
import sys

import pytest
from structlog.testing import capture_logs

from lifecycle.errors import NeedsPerson
from lifecycle.model.outcome import Outcome
from lifecycle.model.results import RunResult
from lifecycle.registry import get
from localaws import LocalAWS, autoscaling
from localaws.seed import Account
from tests import recorder
from tests.recorder import is_write
from tests.workflows.conftest import REGIONS, RunnerOf, services_of

#: The workflows a write can drain.
DRAINED = ("mediatailor", "config", "cloudtrail")
ALL = (*DRAINED, "autoscaling")


def triggers(result: RunResult) -> list[str | None]:
    return [step.transition for step in result.steps]


@pytest.mark.parametrize("name", DRAINED)
def test_a_decommission_deletes_its_own_role_and_leaves_the_others_alone(
    name: str, four_services: Account, runner_of: RunnerOf
) -> None:
    before = services_of(four_services)
    result = runner_of(name).apply("deleted")
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
    assert triggers(result)[:3] == ["drain", "verify", "delete"]
    four_services.wait_for_no_role(get(name).role_name)
    after = services_of(four_services)
    for other in ALL:
        if other != name:
            assert four_services.role(get(other).role_name) is not None, other
            assert after[other] == before[other], other


@pytest.mark.parametrize("name", DRAINED)
def test_a_restore_brings_back_exactly_what_the_drain_replaced(
    name: str, four_services: Account, runner_of: RunnerOf
) -> None:
    before = services_of(four_services)
    drained = runner_of(name).apply("draining")
    assert (drained.outcome, triggers(drained)) == (Outcome.DONE, ["drain"]), drained.error
    assert services_of(four_services)[name] != before[name]
    restored = runner_of(name).apply("in-use")
    assert (restored.outcome, triggers(restored)) == (Outcome.DONE, ["restore"]), restored.error
    assert services_of(four_services) == before


@pytest.mark.parametrize("name", DRAINED)
def test_the_drain_writes_only_to_what_uses_the_role(
    name: str, four_services: Account, runner_of: RunnerOf
) -> None:
    result = runner_of(name).apply("draining")
    writes = [op for step in result.steps for op in step.operations if op["access"] == "write"]
    active = {(d["region"], d["name"]) for d in result.dependents if d["active"]}
    assert {(op["region"], op["target"]) for op in writes} == active
    assert len(writes) == len(active)


def test_auto_scaling_groups_stop_the_decommission_before_any_write_with_a_line_each(
    aws: LocalAWS, four_services: Account, runner_of: RunnerOf
) -> None:
    recorder.start(aws)
    with pytest.raises(NeedsPerson) as refused:
        runner_of("autoscaling").apply("deleted")
    lines = str(refused.value).splitlines()
    assert lines[0] == "only a person can clear what still uses the role:"
    assert sorted(line.split(" ")[2] for line in lines[1:]) == [
        "eu-west-1/batch",
        "us-east-1/web",
    ]
    assert all("delete the group" in line for line in lines[1:])
    assert not [r for r in recorder.requests(aws) if is_write(r[0], r[1])]
    assert four_services.role(get("autoscaling").role_name) is not None


def test_once_a_person_deleted_the_groups_the_same_decommission_completes(
    four_services: Account, runner_of: RunnerOf
) -> None:
    with pytest.raises(NeedsPerson):
        runner_of("autoscaling").apply("deleted")
    autoscaling.delete_group(four_services, "us-east-1", "web")
    autoscaling.delete_group(four_services, "eu-west-1", "batch")
    result = runner_of("autoscaling").apply("deleted")
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
    assert "drain" not in triggers(result)
    four_services.wait_for_no_role(get("autoscaling").role_name)


def test_a_recorder_still_reported_after_its_drain_is_waited_out(
    aws: LocalAWS, four_services: Account, runner_of: RunnerOf
) -> None:
    # Config reports a stopped recorder for its usage lag; IAM's failure names it meanwhile.
    aws.set_settings(usage_lag_seconds=1.5)
    with capture_logs() as logs:
        result = runner_of("config").apply("deleted")
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
    assert any(event["event"] == "delete.still_reported" for event in logs)


def test_a_stopped_recorder_iam_still_names_after_the_patience_needs_a_person(
    aws: LocalAWS, four_services: Account, runner_of: RunnerOf
) -> None:
    # Whether a stopped recorder blocks the deletion is undocumented; where it does, IAM's
    # answer names it, and once waiting has not helped a person deletes or repoints it.
    aws.set_settings(config_stopped_recorder_blocks=True)
    runner = runner_of("config", deletion_patience_seconds=1.0)
    try:
        result = runner.apply("deleted")
        outcome, error = result.outcome, result.error or ""
    except NeedsPerson as refused:
        outcome, error = Outcome.NEEDS_PERSON, str(refused)
    assert outcome == Outcome.NEEDS_PERSON
    named = [line for line in error.splitlines() if "(configuration-recorder)" in line]
    assert sorted(line.split(" ")[2] for line in named) == [
        "eu-west-1/default",
        "us-east-1/default",
        "us-west-2/default",
    ]
    assert four_services.role(get("config").role_name) is not None


def test_status_says_what_a_person_must_do_for_each_group(
    aws: LocalAWS, four_services: Account
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lifecycle.cli",
            "--workflow",
            "autoscaling",
            "--endpoint-url",
            aws.endpoint_url,
            "--regions",
            ",".join(REGIONS),
            "status",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("by hand ")]
    assert sorted(line.split()[2] for line in lines) == ["eu-west-1/batch", "us-east-1/web"]
    assert all("(auto-scaling-group): delete the group" in line for line in lines)
