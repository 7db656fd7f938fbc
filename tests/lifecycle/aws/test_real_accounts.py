"""Real accounts are harsher than a kind emulator (issue 10): the engine's side of each
behaviour, over HTTP on the local AWS."""

from __future__ import annotations

import dataclasses
import re
import threading
from typing import Any

import pytest
from structlog.testing import capture_logs

from lifecycle.aws.codes import CONNECTION_ATTEMPTS
from lifecycle.aws.gateway import Gateway
from lifecycle.errors import Unreachable
from lifecycle.model.decide import PlanOptions
from lifecycle.model.options import Where
from lifecycle.model.outcome import Outcome
from lifecycle.model.retry import RetryPolicy
from lifecycle.model.workflow import Activation
from localaws import Fault, LocalAWS
from localaws.seed import Account
from tests import recorder
from tests.handshake import until
from tests.lifecycle.conftest import FAST, REGIONS, RunnerFactory

#: A lag longer than any test: a test ends it by moving the local AWS's clock.
LAG = 600.0


def in_use(account: Account) -> None:
    account.configuration("us-east-1", "east-live", 100)
    account.configuration("eu-west-1", "west-live", 25)
    account.channel("us-west-2", "linear", ["AS_RUN"])


def events(logs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [event for event in logs if event["event"] == name]


def sent(aws: LocalAWS, operation: str) -> int:
    """How many requests of a query-protocol ``operation`` the recorder saw."""
    return sum(
        1 for _method, action, _entry, _body in recorder.requests(aws) if action == operation
    )


# -- dependents that vanish ------------------------------------------------------------------


def test_a_dependent_deleted_after_the_drain_is_reported_and_the_rest_restored(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    make_runner().apply("deleted", step=True)  # drained
    account.client("mediatailor", "eu-west-1").delete_playback_configuration(Name="west-live")
    restored = make_runner().apply("in-use")
    assert (restored.outcome, restored.final_state) == (Outcome.DONE, "in-use"), restored.error
    assert restored.steps[-1].detail.gone == ("eu-west-1/west-live",)
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 100
    assert account.channels("us-west-2")["linear"] == ["AS_RUN"]
    # The stale snapshot is not carried into later drains: a second round trip succeeds.
    make_runner().apply("deleted", step=True)
    again = make_runner().apply("in-use")
    assert again.outcome == Outcome.DONE, again.error
    assert again.steps[-1].detail.gone is None


def test_a_drain_write_meeting_not_found_drops_that_dependent(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                region="eu-west-1",
                kind="error",
                operation="ConfigureLogsForPlaybackConfiguration",
                error_code="NotFoundException",
                http_status=404,
            )
        ]
    )
    drained = make_runner().apply("deleted", step=True)
    assert drained.steps[0].status == "succeeded", drained.error
    assert drained.steps[0].detail.gone == ("eu-west-1/west-live",)
    kept = make_runner().journal.memory(drained.account, drained.role)
    assert sorted(d["name"] for d in kept["drained"]) == ["east-live", "linear"]


# -- deletion tasks that IAM forgets ---------------------------------------------------------


def test_a_task_iam_forgot_after_the_role_went_counts_as_succeeded(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    account.create_role()
    aws.set_deletion_seconds(0.0)
    aws.set_faults(
        [
            Fault(
                service="iam",
                operation="GetServiceLinkedRoleDeletionStatus",
                kind="error",
                error_code="NoSuchEntity",
                http_status=404,
            )
        ]
    )
    result = make_runner().apply("deleted")
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
    [forgotten] = aws.armed_faults()
    assert 0 < forgotten["fired"] < FAST.poll.max_attempts  # not the poll's whole patience
    assert make_runner().status()[2] == "DELETED"


def test_a_task_iam_does_not_show_yet_is_waited_for_not_started_again(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    account.create_role()
    # IAM shows the task, done, only once the test moves the local AWS's clock: the runner
    # polls while it is hidden however slow the machine, and its patience outlasts the test's.
    aws.set_settings(task_visibility_seconds=300.0, deletion_seconds=600.0)
    runner = make_runner(dataclasses.replace(FAST, task_visibility_seconds=600.0))
    applied: list[Any] = []
    recorder.start(aws)
    with capture_logs() as logs:
        applying = threading.Thread(target=lambda: applied.append(runner.apply("deleted")))
        applying.start()
        try:
            assert until(lambda: events(list(logs), "delete.task_not_visible_yet"))
        finally:
            aws.advance_clock(600.0)  # the task shows, and has ended
            applying.join()
    recorder.stop(aws)
    [result] = applied
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
    assert events(logs, "delete.task_lost") == []
    assert sent(aws, "DeleteServiceLinkedRole") == 1


def test_a_task_iam_lost_while_the_role_remains_is_started_again(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    # The last dependent went off a moment ago: the first task fails, and IAM forgets it
    # before anyone reads it, while the role stays.
    in_use(account)
    aws.set_settings(usage_lag_seconds=1.0, task_retention_seconds=0, deletion_seconds=0.1)
    recorder.start(aws)
    with capture_logs() as logs:
        result = make_runner().apply("deleted")
    recorder.stop(aws)
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
    lost = len(events(logs, "delete.task_lost"))
    assert lost >= 1
    # One deletion at first, one more for each task IAM lost; nothing created.
    assert sent(aws, "DeleteServiceLinkedRole") <= 1 + lost
    assert sent(aws, "CreateServiceLinkedRole") == 0
    account.wait_for_no_role()


def test_a_deletion_ends_deleted_when_iam_shows_its_task_late_and_forgets_it_at_once(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    aws.set_settings(task_visibility_seconds=2, task_retention_seconds=0, iam_consistency_seconds=3)
    recorder.start(aws)
    with capture_logs() as logs:
        result = make_runner().apply("deleted")
    recorder.stop(aws)
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
    lost = len(events(logs, "delete.task_lost"))
    assert sent(aws, "CreateServiceLinkedRole") == 0
    assert sent(aws, "DeleteServiceLinkedRole") <= 1 + lost
    assert not [e for e in logs if e.get("status") == "FAILED"]


def test_a_deletion_failing_while_nothing_is_active_is_waited_out_and_succeeds(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    # MediaTailor's guide: the deletion "might fail ... wait for a few minutes and try again".
    # MediaTailor stops naming the drained dependents once the test, having seen the runner
    # wait, moves the local AWS's clock past their lag (a minute of sleep before).
    in_use(account)
    aws.set_settings(usage_lag_seconds=LAG)
    runner, applied = make_runner(reject_wait_seconds=0.5), []
    with capture_logs() as logs:
        applying = threading.Thread(target=lambda: applied.append(runner.apply("deleted")))
        applying.start()
        try:
            assert until(lambda: events(list(logs), "delete.still_reported"))
        finally:
            aws.advance_clock(LAG)
            applying.join()
    [result] = applied
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
    waits = events(logs, "delete.still_reported")
    assert waits
    assert all(wait["role_usage"] for wait in waits)  # each wait names what IAM listed
    assert events(logs, "delete.rejected") == []  # nothing was active: no reject, no drain
    assert [s.transition for s in result.steps] == ["drain", "verify", "delete"]
    account.wait_for_no_role()


def test_a_deletion_still_failing_after_the_patience_exits_in_use_naming_each_resource(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    aws.set_settings(usage_lag_seconds=60)
    result = make_runner(reject_wait_seconds=0.2, deletion_patience_seconds=1.0).apply("deleted")
    assert result.outcome == Outcome.IN_USE
    lines = (result.error or "").splitlines()
    assert lines[0] == "role still in use after 1 deletion attempt"
    arn = "arn:aws:mediatailor:eu-west-1:123456789012:playbackConfiguration/west-live"
    assert f"  eu-west-1: {arn}" in lines
    assert account.wait_for_role()


def test_each_run_has_its_own_deletion_attempts(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    aws.set_deletion_seconds(0.2)

    def keep_re_enabling(message: str) -> None:
        if message.startswith(("deletion task NOT_STARTED", "deletion task IN_PROGRESS")):
            account.log_configuration("eu-west-1", "west-live", 10)

    workflow = dataclasses.replace(FAST, max_deletion_attempts=2)
    first = make_runner(workflow, progress=keep_re_enabling).apply("deleted")
    assert first.outcome == Outcome.IN_USE, first.error
    second = make_runner(workflow).apply("deleted")
    assert (second.outcome, second.final_state) == (Outcome.DONE, "deleted"), second.error


def test_what_iam_names_outside_the_regions_asked_for_is_drained(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)  # east-live in us-east-1, west-live in eu-west-1, linear in us-west-2
    result = make_runner(regions=("us-east-1",)).apply("deleted")
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
    assert account.configurations("eu-west-1")["west-live"]["PercentEnabled"] == 0
    assert account.channels("us-west-2")["linear"] == []


def test_a_role_the_service_made_again_after_our_deletion_is_decommissioned_again(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    assert make_runner().apply("deleted").outcome == Outcome.DONE
    account.wait_for_no_role()
    # A person turns logging on again: MediaTailor makes the role, IAM shows it late.
    account.log_configuration("us-east-1", "east-live", 100)
    again = make_runner().apply("deleted")
    assert (again.outcome, again.final_state) == (Outcome.DONE, "deleted"), again.error
    assert [s.transition for s in again.steps] == ["drain", "verify", "delete"]
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 0
    account.wait_for_no_role()


# -- opt-in regions, probed when the region list cannot be read ------------------------------


def test_an_opt_in_region_answering_as_disabled_is_skipped_and_does_not_block(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                region="af-south-1",
                kind="error",
                error_code="UnrecognizedClientException",
                http_status=403,
                message="The security token included in the request is invalid",
            )
        ]
    )
    runner = make_runner(regions=(*REGIONS, "af-south-1"))
    _, world, _ = runner.status()
    assert list(world.skipped_regions) == ["af-south-1"]
    assert world.unscanned_regions == {}
    result = make_runner(regions=(*REGIONS, "af-south-1")).apply("deleted")
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
    assert list(result.skipped_regions) == ["af-south-1"]


def test_an_ordinary_region_answering_as_disabled_still_blocks_verify(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                region="eu-west-1",
                kind="error",
                error_code="UnrecognizedClientException",
                http_status=403,
            )
        ]
    )
    # Nothing can be proven there: the way is refused before its first write.
    with pytest.raises(Unreachable, match="not scanned: eu-west-1"):
        make_runner().apply("deleted")
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 100


# -- smaller ones ----------------------------------------------------------------------------


def test_activate_carries_the_scanned_settings_and_changes_only_the_percentage(
    make_runner: RunnerFactory, account: Account
) -> None:
    account.configuration("eu-west-1", "vod", 0)
    account.log_configuration("eu-west-1", "vod", 0)  # VENDED_LOGS, off
    options = PlanOptions(activation=Activation((("eu-west-1", "vod"),), {"percent": 30}))
    result = make_runner().apply("in-use", options)
    assert result.outcome == Outcome.DONE, result.error
    sent = next(op for op in result.steps[-1].operations if op["access"] == "write")
    assert sent["parameters"]["EnabledLoggingStrategies"] == ["VENDED_LOGS"]
    assert sent["parameters"]["PercentEnabled"] == 30


def test_status_and_plan_say_a_drain_stops_vended_log_delivery(
    make_runner: RunnerFactory, account: Account
) -> None:
    account.configuration("us-east-1", "vended", 0)
    account.log_configuration("us-east-1", "vended", 40)
    plan = make_runner().plan("deleted")
    drain = plan.steps[0]
    assert drain.transition == "drain"
    assert drain.detail.notes == {
        "us-east-1/vended": ("a drain also stops its vended log delivery",)
    }


def test_a_connection_that_fails_is_given_up_after_a_short_bounded_retry() -> None:
    import boto3

    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x")
    gateway = Gateway(
        session,
        declared=frozenset({("iam", "GetRole")}),
        read_only=frozenset(),
        endpoint_url="http://127.0.0.1:9",
        sleep=lambda _s: None,
    )
    with pytest.raises(Exception, match="GetRole"):
        gateway.call(
            "iam", "GetRole", "us-east-1", {"RoleName": "x"}, policy=RetryPolicy(0.0, 1.0, 10)
        )
    assert gateway.records[0].attempts == CONNECTION_ATTEMPTS


@pytest.mark.parametrize(
    ("region", "partition"),
    [("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_arns_take_the_partition_of_the_home_region(region: str, partition: str) -> None:
    from lifecycle.model.effects import role_arn
    from workflows.mediatailor import WORKFLOW

    assert Where("111122223333", region).partition == partition
    assert role_arn(WORKFLOW, Where("111122223333", region)).startswith(f"arn:{partition}:iam::")


# -- throttling is AWS's pace, not a failure (issue 14) --------------------------------------


def test_a_throttled_write_waits_past_its_policy_while_the_deadline_allows(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    drain = FAST.binding("drain")
    impatient = dataclasses.replace(drain, retry=dataclasses.replace(drain.retry, max_attempts=1))
    workflow = dataclasses.replace(FAST, bindings={**FAST.bindings, "drain": impatient})
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                region="us-east-1",
                kind="throttle",
                operation="ConfigureLogsForPlaybackConfiguration",
                count=3,
            )
        ]
    )
    with capture_logs() as logs:
        drained = make_runner(workflow).apply("deleted", step=True)
    step = drained.steps[0]
    assert (step.transition, step.status) == ("drain", "succeeded"), step.error
    assert step.detail.throttled == 3
    write = next(op for op in step.operations if op["region"] == "us-east-1")
    assert write["attempts"] == 4
    retries = [e for e in events(logs, "aws.retry") if e["operation"] == write["operation"]]
    assert [e["throttled"] for e in retries] == [1, 2, 3]


def test_a_drain_under_a_rate_limit_keeps_to_it_with_one_pace_for_all_its_workers(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    for number in range(60):
        account.configuration("us-east-1", f"live-{number:02d}", 100)
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                region="us-east-1",
                kind="rate_limit",
                operation="ConfigureLogsForPlaybackConfiguration",
                rate_per_second=20,
                burst=2,
            )
        ]
    )
    with capture_logs() as logs:
        drained = make_runner().apply("deleted", step=True)
    step = drained.steps[0]
    assert (step.transition, step.status) == ("drain", "succeeded"), step.error
    assert all(op["outcome"] == "ok" for op in step.operations)
    # Eight workers each sending as fast as AWS answers would be throttled on most attempts;
    # with one pace for all of them, the calls in flight when AWS first says no and a few
    # cuts on the way down to its rate.
    assert 0 < (step.detail.throttled or 0) <= 20
    cuts = events(logs, "aws.pace")
    assert cuts
    assert {(e["region"], e["service"]) for e in cuts} == {("us-east-1", "mediatailor")}
    # The pace ends near the limit: within its cut below, not far past it.
    assert 20 * 0.5 <= cuts[-1]["rate_per_second"] <= 20 * 1.5


# -- with the local AWS's harsh defaults (issue 10's "done when") -----------------------------


def test_opt_in_regions_the_account_has_not_enabled_are_skipped_in_one_call(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    from lifecycle.aws.gateway import available_regions

    in_use(account)
    everywhere = tuple(available_regions("mediatailor"))
    with capture_logs() as logs:
        _, world, _ = make_runner(regions=everywhere).status()
    opt_in = {"af-south-1", "ap-south-2", "ap-southeast-4", "ap-southeast-5", "me-central-1"}
    assert set(world.skipped_regions) == opt_in
    assert world.unscanned_regions == {}
    assert set(world.scanned_regions) == set(everywhere) - opt_in
    listed = [e for e in events(logs, "aws.call") if e.get("operation") == "ListRegions"]
    assert len(listed) == 1
    # Nothing is sent to a disabled region.
    assert not [e for e in events(logs, "aws.call") if e.get("region") in opt_in]


def test_an_enabled_opt_in_region_is_scanned_like_any_other(
    make_runner: RunnerFactory, account: Account
) -> None:
    account.enable_region("af-south-1")
    account.configuration("af-south-1", "cape-live", 100)
    _, world, state = make_runner(regions=(*REGIONS, "af-south-1")).status()
    assert state == "IN_USE"
    assert [d.name for d in world.active] == ["cape-live"]
    assert world.skipped_regions == {}


#: Long enough that a region's change is still under way whatever the machine's load.
UNDER_WAY = 600


def assert_unscanned_and_blocking_verify(make_runner: RunnerFactory, region: str, why: str) -> None:
    """``region`` (scanned beside REGIONS) is reported unscanned for ``why``, and a
    decommission is refused before it starts, naming it at verify."""
    regions = (*REGIONS, region)
    _, world, _ = make_runner(regions=regions).status()
    assert (world.unscanned_regions, world.skipped_regions) == ({region: why}, {})
    with pytest.raises(Unreachable, match=re.escape(f"not scanned: {region} ({why})")):
        make_runner(regions=regions).apply("deleted")


def test_a_region_being_enabled_is_not_scanned_and_blocks_verify(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    account.create_role()
    aws.set_settings(region_change_seconds=UNDER_WAY)
    account.client("account").enable_region(RegionName="af-south-1")
    why = "opt-in region enabling in this account"
    assert_unscanned_and_blocking_verify(make_runner, "af-south-1", why)
    assert account.role() is not None


def test_a_region_being_disabled_keeps_its_dependents_unproven_and_blocks_verify(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    account.enable_region("me-central-1")
    account.configuration("me-central-1", "dubai-live", 100)  # MediaTailor creates the role
    account.wait_for_role()
    aws.set_settings(region_change_seconds=UNDER_WAY)
    account.client("account").disable_region(RegionName="me-central-1")
    why = "opt-in region disabling in this account"
    assert_unscanned_and_blocking_verify(make_runner, "me-central-1", why)
    assert account.role() is not None


def test_the_whole_decommission_reaches_deleted_with_every_default_region(
    make_runner: RunnerFactory, account: Account
) -> None:
    from lifecycle.aws.gateway import available_regions

    in_use(account)
    result = make_runner(regions=tuple(available_regions("mediatailor"))).apply("deleted")
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
    assert len(result.skipped_regions) == 5
    account.wait_for_no_role()


def test_a_list_without_log_settings_is_read_item_by_item_and_never_taken_as_inactive(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    aws.set_settings(list_omits_log_configuration=True)
    _, world, state = make_runner().status()
    assert state == "IN_USE"
    assert sorted(d.name for d in world.active) == ["east-live", "linear", "west-live"]


def test_many_short_and_empty_pages_give_every_dependent_once(
    make_runner: RunnerFactory, account: Account
) -> None:
    for i in range(45):
        account.configuration("eu-west-1", f"config-{i:02d}", 0)
    with capture_logs() as logs:
        _, world, _ = make_runner().status()
    names = [d.name for d in world.dependents if d.region == "eu-west-1"]
    assert sorted(names) == [f"config-{i:02d}" for i in range(45)]
    pages = [
        e
        for e in events(logs, "aws.call")
        if e.get("operation") == "ListPlaybackConfigurations" and e.get("region") == "eu-west-1"
    ]
    assert len(pages) > 1  # the local AWS answered short pages, followed to the end


def test_the_role_we_deleted_that_iam_still_shows_is_known_as_gone(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    account.create_role()  # waits until IAM shows it
    # Long enough that IAM still shows the deleted role when status reads it, however loaded
    # the machine: nothing here waits for it.
    aws.set_settings(iam_consistency_seconds=30.0)
    deleted = make_runner().apply("deleted")
    assert deleted.final_state == "deleted", deleted.error
    assert account.role() is not None  # IAM still shows it
    with capture_logs() as logs:
        assert make_runner().status()[2] == "DELETED"
    assert events(logs, "role.ghost")


def test_a_role_a_service_created_a_moment_ago_is_waited_for(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    # IAM shows the new role only once the test moves the local AWS's clock past its
    # consistency window: the runner's first look misses it however slow the machine.
    aws.set_settings(iam_consistency_seconds=600.0)
    account.configuration("us-east-1", "east-live", 100)  # MediaTailor creates the role
    assert account.role() is None  # not shown yet
    runner, looked = make_runner(), []
    recorder.start(aws)
    looking = threading.Thread(target=lambda: looked.append(runner.status()))
    looking.start()
    try:
        # The first GetRole answered that there is no role, and the runner asks again.
        assert until(lambda: sent(aws, "GetRole") >= 2)
    finally:
        aws.advance_clock(600.0)  # IAM shows the role now
        looking.join()
    recorder.stop(aws)
    [(_, world, state)] = looked
    assert state == "IN_USE"
    assert world.role is not None
