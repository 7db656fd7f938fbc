"""Every transition's real effect on the local AWS, observed afterwards with plain boto3."""

from __future__ import annotations

import json
from typing import Any

import pytest
from structlog.contextvars import merge_contextvars
from structlog.testing import capture_logs

from lifecycle.errors import AwsError, Refused, Unreachable
from lifecycle.log import redact
from lifecycle.model.decide import PlanOptions
from lifecycle.model.observation import TaskStatus
from lifecycle.model.outcome import Outcome
from lifecycle.model.results import StepStatus
from lifecycle.model.workflow import Activation
from localaws import Fault, LocalAWS
from localaws.seed import Account
from tests import recorder
from tests.lifecycle.conftest import FAST, REGIONS, RunnerFactory
from tests.recorder import is_write

#: A deletion task's time: it ends when the test moves the local AWS's clock past it.
LAG = 600.0

ROLE = "AWSServiceRoleForMediaTailor"


def in_use(account: Account) -> None:
    """The documented scenario: logging on in two regions and a channel's As Run log."""
    account.configuration("us-east-1", "east-live", 100)
    account.configuration("eu-west-1", "west-live", 25)
    account.configuration("eu-west-1", "west-idle", 0)
    account.channel("us-west-2", "linear", ["AS_RUN"])


def walk(result: Any) -> list[tuple[str | None, str]]:
    return [(step.transition, str(step.status)) for step in result.steps]


# -- one test per transition's real effect ---------------------------------------------------


def test_create_makes_the_role_and_waits_until_iam_shows_it(
    make_runner: RunnerFactory, account: Account
) -> None:
    result = make_runner().apply("created")
    assert walk(result) == [("create", "succeeded")]
    role = account.role()
    assert role is not None
    assert role["Path"] == "/aws-service-role/mediatailor.amazonaws.com/"
    assert result.final_state == "created"


def test_create_adopts_an_existing_role_without_creating(
    make_runner: RunnerFactory, account: Account
) -> None:
    account.create_role()
    result = make_runner().apply("created")
    assert walk(result) == [(None, "noop")]
    assert result.outcome == Outcome.DONE


def test_create_converges_the_description_of_an_adopted_role(
    make_runner: RunnerFactory, account: Account
) -> None:
    account.create_role()
    result = make_runner().apply("created", PlanOptions(description="MediaTailor session logs"))
    assert [op["operation"] for op in result.steps[0].operations] == ["UpdateRole"]
    role = account.role()
    assert role is not None
    assert role["Description"] == "MediaTailor session logs"
    again = make_runner().apply("created", PlanOptions(description="MediaTailor session logs"))
    assert walk(again) == [(None, "noop")]


def test_activate_turns_session_logging_on(make_runner: RunnerFactory, account: Account) -> None:
    account.configuration("eu-west-1", "west-live", 0)
    make_runner().apply("created")
    options = PlanOptions(activation=Activation((("eu-west-1", "west-live"),), {"percent": 40}))
    result = make_runner().apply("in-use", options)
    assert walk(result) == [("activate", "succeeded")]
    assert account.configurations("eu-west-1")["west-live"]["PercentEnabled"] == 40


def test_activate_refuses_an_unknown_configuration(
    make_runner: RunnerFactory, account: Account
) -> None:
    make_runner().apply("created")
    options = PlanOptions(activation=Activation((("eu-west-1", "nowhere"),), {"percent": 40}))
    # The whole way is decided before any write (issue 16): refused up front, nothing sent.
    with pytest.raises(
        Unreachable, match="activate: no such playback-configuration: eu-west-1/nowhere"
    ):
        make_runner().apply("in-use", options)
    assert account.configurations("eu-west-1") == {}


def test_drain_deactivates_every_dependent_and_keeps_its_settings(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    runner = make_runner()
    result = runner.apply("deleted", step=True)
    assert walk(result) == [("drain", "succeeded")]
    assert result.outcome == Outcome.PENDING
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 0
    assert account.configurations("eu-west-1")["west-live"]["PercentEnabled"] == 0
    assert account.channels("us-west-2")["linear"] == []
    memory = runner.journal.memory(result.account, ROLE)
    kept = {d["name"]: d["settings"] for d in memory["drained"]}
    assert kept["west-live"]["PercentEnabled"] == 25
    assert kept["linear"] == {"LogTypes": ["AS_RUN"]}
    assert "west-idle" not in kept  # it was not active: nothing to restore


def test_restore_puts_back_exactly_what_the_drain_replaced(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    before = account.configurations("eu-west-1"), account.channels("us-west-2")
    make_runner().apply("deleted", step=True)  # drain
    result = make_runner().apply("in-use")
    assert walk(result) == [("restore", "succeeded")]
    assert (account.configurations("eu-west-1"), account.channels("us-west-2")) == before
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 100


def test_verify_rescans_and_finds_the_role_deletable(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    make_runner().apply("deleted", step=True)  # drain
    result = make_runner().apply("deletable")
    assert walk(result) == [("verify", "succeeded")]
    scanned = {
        op["region"]
        for op in result.steps[0].operations
        if op["operation"] == "ListPlaybackConfigurations"
    }
    assert scanned == {"us-east-1", "eu-west-1", "us-west-2"}


def test_verify_is_blocked_when_something_was_switched_back_on(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    make_runner().apply("deleted", step=True)  # drain
    account.log_configuration("eu-west-1", "west-idle", 5)
    result = make_runner().apply("deletable")
    # AWS shows a dependent in use: the world is in-use again, whatever the journal says.
    assert result.start_state == "in-use"
    assert walk(result)[0] == ("drain", "succeeded")
    assert result.final_state == "deletable"


def test_delete_removes_the_role_through_the_deletion_task(
    make_runner: RunnerFactory, account: Account
) -> None:
    account.create_role()
    result = make_runner().apply("deleted")
    assert walk(result) == [("verify", "succeeded"), ("delete", "succeeded")]
    assert result.steps[1].detail.deletion_status == TaskStatus.SUCCEEDED
    task = result.steps[1].detail.deletion_task
    assert task is not None
    assert task.startswith(f"task/aws-service-role/mediatailor.amazonaws.com/{ROLE}/")
    account.wait_for_no_role()


# -- the documented scenario and its failure --------------------------------------------------


def test_the_documented_scenario_decommissions_the_role(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    assert account.wait_for_role()  # MediaTailor created it when logging was enabled
    result = make_runner().apply("deleted")
    assert walk(result) == [
        ("drain", "succeeded"),
        ("verify", "succeeded"),
        ("delete", "succeeded"),
    ]
    assert result.outcome == Outcome.DONE
    account.wait_for_no_role()
    for region in ("us-east-1", "eu-west-1"):
        assert all(
            log.get("PercentEnabled") == 0 for log in account.configurations(region).values()
        )
    assert account.channels("us-west-2")["linear"] == []


def test_a_deletion_that_fails_mid_way_is_rejected_drained_and_retried(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    aws.set_deletion_seconds(0.3)
    switched_back_on = []

    def someone_re_enables_logging(message: str) -> None:
        if message.startswith("deletion task") and not switched_back_on:
            account.log_configuration("eu-west-1", "west-idle", 10)
            switched_back_on.append(message)

    result = make_runner(progress=someone_re_enables_logging).apply("deleted")
    assert walk(result) == [
        ("drain", "succeeded"),
        ("verify", "succeeded"),
        ("delete", "failed"),
        ("reject", "succeeded"),
        ("drain", "succeeded"),
        ("verify", "succeeded"),
        ("delete", "succeeded"),
    ]
    usage = result.steps[2].detail.as_dict()["usage"]
    assert usage == [
        {
            "region": "eu-west-1",
            "resources": [
                d for d in usage[0]["resources"] if d.endswith("playbackConfiguration/west-idle")
            ],
        }
    ]
    assert result.outcome == Outcome.DONE
    account.wait_for_no_role()
    assert account.configurations("eu-west-1")["west-idle"]["PercentEnabled"] == 0


def test_a_role_still_used_after_the_allowed_attempts_exits_in_use(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    # Each deletion task runs until the test moves the local AWS's clock past it.
    aws.set_deletion_seconds(LAG)

    def keep_re_enabling(message: str) -> None:
        # While each deletion task runs, logging comes back; then the task ends.
        if message.startswith(("deletion task NOT_STARTED", "deletion task IN_PROGRESS")):
            account.log_configuration("eu-west-1", "west-idle", 10)
            aws.advance_clock(LAG)

    workflow = dataclass_replace(FAST, max_deletion_attempts=2)
    result = make_runner(workflow, progress=keep_re_enabling).apply("deleted")
    assert result.outcome == Outcome.IN_USE
    assert "still in use after 2 deletion attempts" in (result.error or "")
    assert account.wait_for_role()


def dataclass_replace(workflow: Any, **changes: Any) -> Any:
    import dataclasses

    return dataclasses.replace(workflow, **changes)


# -- retries, failures and eventual consistency ----------------------------------------------


def test_throttling_on_every_operation_is_retried_and_each_attempt_logged(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    operations = sorted({op.name for op in FAST.operations()})
    aws.set_faults(
        [Fault(service="*", operation=name, kind="throttle", count=1) for name in operations]
    )
    with capture_logs() as logs:
        result = make_runner().apply("deleted")
    assert result.outcome == Outcome.DONE, result.error
    retried = {e["operation"] for e in logs if e["event"] == "aws.retry"}
    sent = {op["operation"] for step in result.steps for op in step.operations}
    assert sent <= retried | {"GetCallerIdentity"}
    assert all(
        e["error_code"] in ("Throttling", "ThrottlingException")
        for e in logs
        if e["event"] == "aws.retry"
    )
    assert any(op["attempts"] == 2 for step in result.steps for op in step.operations)


def test_server_errors_are_retried(make_runner: RunnerFactory, aws: LocalAWS) -> None:
    aws.set_faults(
        [Fault(service="iam", operation="CreateServiceLinkedRole", kind="server_error", count=2)]
    )
    result = make_runner().apply("created")
    assert result.outcome == Outcome.DONE
    create = next(
        op for op in result.steps[0].operations if op["operation"] == "CreateServiceLinkedRole"
    )
    assert create["attempts"] == 3


def test_access_denied_fails_at_once_in_one_line_without_retry(
    make_runner: RunnerFactory, aws: LocalAWS
) -> None:
    aws.set_faults(
        [
            Fault(
                service="iam",
                operation="CreateServiceLinkedRole",
                kind="error",
                error_code="AccessDenied",
                http_status=403,
                message="User: arn:aws:iam::123456789012:user/ci is not authorized "
                "to perform: iam:CreateServiceLinkedRole",
            )
        ]
    )
    result = make_runner().apply("created")
    assert result.outcome == Outcome.ERROR
    step = result.steps[0]
    assert step.status is StepStatus.FAILED
    assert step.error is not None
    assert "\n" not in step.error
    assert step.error.startswith("iam:CreateServiceLinkedRole in us-east-1 failed: AccessDenied:")
    assert [op["attempts"] for op in step.operations] == [1]


def test_get_role_not_found_right_after_create_is_waited_out(
    make_runner: RunnerFactory, aws: LocalAWS, account: Account
) -> None:
    # IAM is eventually consistent: a new role can be invisible to GetRole for a while.
    # The first NoSuchEntity is the observation's (the role is absent: a true answer);
    # the next two come right after the create and must be waited out. The local AWS's own
    # consistency delay is off here, so that the faults alone say how long IAM hides it.
    aws.set_settings(iam_consistency_seconds=0)
    aws.set_faults(
        [
            Fault(
                service="iam",
                operation="GetRole",
                kind="error",
                count=3,
                error_code="NoSuchEntity",
                http_status=404,
            )
        ]
    )
    result = make_runner().apply("created")
    assert result.final_state == "created", result.error
    wait = [op for op in result.steps[0].operations if op["operation"] == "GetRole"]
    assert [op["attempts"] for op in wait] == [3]
    assert account.wait_for_role()


def test_a_region_not_enabled_is_reported_and_blocks_verify(
    make_runner: RunnerFactory, aws: LocalAWS, account: Account
) -> None:
    account.create_role()
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                region="eu-west-1",
                kind="error",
                error_code="UnrecognizedClientException",
                http_status=403,
                message="The security token included in the request is invalid.",
            )
        ]
    )
    runner = make_runner()
    _, world, state = runner.status()
    assert state == "CREATED"
    assert "not enabled" in world.unscanned_regions["eu-west-1"]
    # Nothing can be proven there, so the way is refused before it starts.
    with pytest.raises(Unreachable, match=r"verify needs every region scanned.*eu-west-1"):
        runner.apply("deletable")
    assert account.wait_for_role()


def region_fails(aws: LocalAWS, region: str, **fault: Any) -> None:
    """Every ListChannels in ``region`` fails as ``fault`` says (a 500 unless told)."""
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                operation="ListChannels",
                region=region,
                **({"kind": "server_error"} | fault),
            )
        ]
    )


def test_a_region_that_keeps_failing_is_reported_beside_the_others_and_blocks_verify(
    make_runner: RunnerFactory, aws: LocalAWS, account: Account
) -> None:
    in_use(account)
    region_fails(aws, "eu-west-2")
    runner = make_runner(regions=(*REGIONS, "eu-west-2"))
    _, world, state = runner.status()
    attempts = FAST.binding("observe").retry.max_attempts + 1
    assert world.unscanned_regions == {
        "eu-west-2": (
            f"mediatailor:ListChannels failed after {attempts} attempts: "
            "InternalServerErrorException"
        )
    }
    assert world.scanned_regions == REGIONS
    assert (state, sorted(d.name for d in world.active)) == (
        "IN_USE",
        ["east-live", "linear", "west-live"],
    )
    with pytest.raises(Unreachable, match=r"not scanned: eu-west-2 \(mediatailor:ListChannels"):
        runner.plan("deleted")


def test_a_region_denied_by_policy_is_reported_and_blocks_verify(
    make_runner: RunnerFactory, aws: LocalAWS, account: Account
) -> None:
    account.create_role()
    region_fails(
        aws,
        "eu-west-1",
        kind="error",
        error_code="AccessDeniedException",
        http_status=403,
        message="explicit deny in a service control policy",
    )
    runner = make_runner()
    _, world, state = runner.status()
    assert state == "CREATED"
    assert world.unscanned_regions == {
        "eu-west-1": "mediatailor:ListChannels denied: AccessDeniedException"
    }
    with pytest.raises(Unreachable, match=r"verify needs every region scanned.*eu-west-1"):
        runner.apply("deletable")
    assert account.wait_for_role()


def test_an_operation_denied_in_every_region_stops_the_run_naming_the_action(
    make_runner: RunnerFactory, aws: LocalAWS
) -> None:
    # Not a region's policy but the runner's own lacking mediatailor:ListChannels.
    region_fails(aws, "*", kind="error", error_code="AccessDeniedException", http_status=403)
    with pytest.raises(AwsError, match="ListChannels in us-east-1 failed: AccessDeniedException"):
        make_runner().status()


def test_a_request_aws_finds_malformed_in_one_region_still_stops_the_run(
    make_runner: RunnerFactory, aws: LocalAWS
) -> None:
    # Our own request is wrong: reporting the region as unscanned would hide the bug.
    region_fails(aws, "eu-west-1", kind="error", error_code="BadRequestException", http_status=400)
    with pytest.raises(AwsError, match="ListChannels in eu-west-1 failed: BadRequestException"):
        make_runner().status()


# -- dry run ---------------------------------------------------------------------------------


def recorded(aws: LocalAWS) -> list[tuple[str, str]]:
    """(HTTP method, query-protocol Action or "") of every request moto's recorder saw."""
    return [(method, action) for method, action, _, _ in recorder.requests(aws)]


def test_dry_run_sends_no_write_at_all(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    recorder.start(aws)
    try:
        result = make_runner().apply("deleted", dry_run=True)
    finally:
        recorder.stop(aws)
    assert [s.transition for s in result.steps] == ["drain", "verify", "delete"]
    assert result.final_state == "deleted"
    sent = recorded(aws)
    assert sent, "the recorder saw the reads"
    assert [call for call in sent if is_write(*call)] == []
    assert account.wait_for_role()
    assert account.channels("us-west-2")["linear"] == ["AS_RUN"]


def test_a_dry_run_client_refuses_a_write_before_it_is_sent(make_runner: RunnerFactory) -> None:
    aws = make_runner().aws(dry_run=True)
    with pytest.raises(Refused, match="a dry run sends no write"):
        aws.call(
            "iam",
            "CreateServiceLinkedRole",
            "us-east-1",
            {"AWSServiceName": "mediatailor.amazonaws.com"},
            policy=FAST.poll,
        )
    assert aws.records[-1].outcome == "refused"


def test_an_undeclared_operation_is_refused_in_a_real_run(make_runner: RunnerFactory) -> None:
    aws = make_runner().aws(dry_run=False)
    with pytest.raises(Refused, match="not declared by the workflow"):
        aws.call("iam", "DeleteRole", "us-east-1", {"RoleName": ROLE}, policy=FAST.poll)


# -- logs ------------------------------------------------------------------------------------


def test_logs_carry_the_run_context_and_no_secret(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    with capture_logs([merge_contextvars, redact]) as logs:
        result = make_runner().apply("deleted")
    calls = [e for e in logs if e["event"] == "aws.call" and e.get("run_id")]
    assert calls
    for event in calls:
        assert event["run_id"] == result.run_id
        assert event["workflow"] == "mediatailor"
        assert event["account"] == "123456789012"
        assert event["role"] == ROLE
        assert {"service", "operation", "region", "attempt", "outcome"} <= set(event)
    assert any(e.get("transition") == "drain" for e in calls)
    assert "testing" not in json.dumps(logs, default=str)  # the fake secret key


# -- sessions --------------------------------------------------------------------------------


def test_assume_role_works_in_the_other_account(make_runner: RunnerFactory) -> None:
    runner = make_runner(
        assume_role_arn="arn:aws:iam::210987654321:role/decommissioner", external_id="ticket-4711"
    )
    account, _, state = runner.status()
    assert (account, state) == ("210987654321", "ABSENT")
    assert runner.apply("created").final_state == "created"


def test_an_assume_role_refused_by_sts_is_one_line(make_runner: RunnerFactory) -> None:
    runner = make_runner(assume_role_arn="arn:aws:iam::210987654321:role/x", external_id="x")
    with pytest.raises(AwsError, match=r"^sts:AssumeRole in us-east-1 failed: ") as raised:
        runner.status()
    assert "\n" not in str(raised.value)


# -- the machine is the run's spine ----------------------------------------------------------


def test_each_state_entry_is_logged_by_the_machine(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    with capture_logs() as logs:
        make_runner().apply("deleted")
    entries = [(e["from"], e["to"], e["trigger"]) for e in logs if e["event"] == "state.enter"]
    assert entries == [
        ("IN_USE", "DRAINING", "drain"),
        ("DRAINING", "DELETABLE", "verify"),
        ("DELETABLE", "DELETED", "delete"),
    ]
    assert not [e for e in logs if e["event"] == "state.drift"]


def test_a_world_that_differs_from_the_machine_is_logged_and_followed(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    # Someone turns logging on while the deletion task runs (it fails: reject, in-use), then
    # off again before the rescan: the world is draining, not in-use as the machine says.
    in_use(account)
    # Each deletion task runs until the test moves the local AWS's clock past it.
    aws.set_deletion_seconds(LAG)
    changed: list[str] = []

    def someone(message: str) -> None:
        if message.startswith("deletion task"):
            if not changed:
                account.log_configuration("eu-west-1", "west-idle", 10)
                changed.append("on")
            aws.advance_clock(LAG)  # the task ends (a failure first, while logging is on)
        elif message.startswith("deletion failed") and changed == ["on"]:
            account.log_configuration("eu-west-1", "west-idle", 0)
            changed.append("off")

    with capture_logs() as logs:
        result = make_runner(progress=someone).apply("deleted")
    drift = [(e["machine"], e["world"], e["trigger"]) for e in logs if e["event"] == "state.drift"]
    assert drift == [("IN_USE", "DRAINING", "reject")]
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
    assert [s.transition for s in result.steps] == [
        "drain",
        "verify",
        "delete",
        "reject",
        "verify",
        "delete",
    ]
