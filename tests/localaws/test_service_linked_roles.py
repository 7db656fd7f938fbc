"""IAM realism for service-linked roles: names, protection, and asynchronous deletion."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from localaws import LocalAWS
from tests.localaws.answers import error_of

ClientFactory = Callable[..., Any]

PRINCIPAL = "mediatailor.amazonaws.com"
ROLE = "AWSServiceRoleForMediaTailor"
TAKEN = (
    "Service role name AWSServiceRoleForMediaTailor has been taken in this account, "
    "please try a different suffix."
)

#: AWS's lag or window, longer than any test: a test ends it by moving the local AWS's clock.
LAG = 600.0


def deletion_status(iam: Any, task_id: str) -> dict[str, Any]:
    response: dict[str, Any] = iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)
    response.pop("ResponseMetadata")
    return response


def wait_for_deletion(iam: Any, task_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = deletion_status(iam, task_id)
        if status["Status"] in ("SUCCEEDED", "FAILED") or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


@pytest.fixture
def iam(aws: LocalAWS, client: ClientFactory) -> Any:
    # These tests pin what IAM does, not when it shows it: IAM's eventual consistency, a new
    # task's late visibility and a service's usage lag have their own tests.
    # IAM keeps a finished task however late a loaded machine reads it (forgetting: its own tests).
    aws.set_settings(
        iam_consistency_seconds=0,
        task_visibility_seconds=0,
        usage_lag_seconds=0,
        task_retention_seconds=LAG,
    )
    return client("iam")


def use_role_in(mediatailor: Any, configuration: str) -> None:
    mediatailor.put_playback_configuration(Name=configuration)
    mediatailor.configure_logs_for_playback_configuration(
        PlaybackConfigurationName=configuration, PercentEnabled=100
    )


def create_as_run_channel(mediatailor: Any, channel: str) -> str:
    arn: str = mediatailor.create_channel(
        ChannelName=channel,
        PlaybackMode="LOOP",
        Outputs=[{"ManifestName": "index", "SourceGroup": "hls", "HlsPlaylistSettings": {}}],
    )["Arn"]
    mediatailor.configure_logs_for_channel(ChannelName=channel, LogTypes=["AS_RUN"])
    return arn


def test_the_documented_scenario(aws: LocalAWS, client: ClientFactory, iam: Any) -> None:
    east, west = client("mediatailor", "us-east-1"), client("mediatailor", "eu-west-1")
    use_role_in(east, "east-live")
    use_role_in(west, "west-live")
    channel_arn = create_as_run_channel(east, "east-channel")
    assert iam.get_role(RoleName=ROLE)["Role"]["RoleName"] == ROLE

    refused = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    failed = wait_for_deletion(iam, refused)
    assert failed["Status"] == "FAILED"
    usage = {u["Region"]: u["Resources"] for u in failed["Reason"]["RoleUsageList"]}
    assert set(usage) == {"us-east-1", "eu-west-1"}
    assert channel_arn in usage["us-east-1"]
    assert iam.get_role(RoleName=ROLE)["Role"]["RoleName"] == ROLE

    for mediatailor, configuration in ((east, "east-live"), (west, "west-live")):
        mediatailor.configure_logs_for_playback_configuration(
            PlaybackConfigurationName=configuration, PercentEnabled=0
        )
    east.configure_logs_for_channel(ChannelName="east-channel", LogTypes=[])

    aws.set_deletion_seconds(1.0)
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    assert task_id != refused
    time.sleep(0.3)
    assert deletion_status(iam, task_id)["Status"] == "IN_PROGRESS"
    assert iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"] == task_id
    assert wait_for_deletion(iam, task_id)["Status"] == "SUCCEEDED"
    assert error_of(lambda: iam.get_role(RoleName=ROLE))[:2] == ("NoSuchEntity", 404)

    assert iam.create_service_linked_role(AWSServiceName=PRINCIPAL)["Role"]["RoleName"] == ROLE
    assert error_of(lambda: iam.create_service_linked_role(AWSServiceName=PRINCIPAL)) == (
        "InvalidInput",
        400,
        TAKEN,
    )
    assert error_of(lambda: iam.delete_role(RoleName=ROLE))[:2] == ("UnmodifiableEntity", 400)
    assert error_of(
        lambda: iam.get_service_linked_role_deletion_status(DeletionTaskId=f"{task_id}-unknown")
    )[:2] == ("NoSuchEntity", 404)


def test_the_role_gets_the_name_path_and_trust_aws_gives_it(iam: Any) -> None:
    role = iam.create_service_linked_role(AWSServiceName=PRINCIPAL)["Role"]
    assert role["RoleName"] == ROLE
    assert role["Path"] == "/aws-service-role/mediatailor.amazonaws.com/"
    [statement] = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": [PRINCIPAL]}


def test_the_role_carries_its_managed_policy(iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    [policy] = iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
    assert policy["PolicyName"] == "AWSMediaTailorServiceRolePolicy"


def test_other_principals_keep_motos_naming(iam: Any) -> None:
    role = iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForElasticBeanstalk"


def test_a_second_create_is_invalid_input_with_awss_message(iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    assert error_of(lambda: iam.create_service_linked_role(AWSServiceName=PRINCIPAL)) == (
        "InvalidInput",
        400,
        TAKEN,
    )


def test_the_description_can_change(iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    iam.update_role_description(RoleName=ROLE, Description="session logs")
    assert iam.get_role(RoleName=ROLE)["Role"]["Description"] == "session logs"


#: roleDescriptionType's pattern as IAM quotes it (botocore's IAM model).
DESCRIPTION_PATTERN = r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*"
DASHED = "session logs \u2014 MediaTailor"


def bad_pattern(value: str) -> str:
    return (
        f"1 validation error detected: Value '{value}' at 'description' failed to satisfy "
        f"constraint: Member must satisfy regular expression pattern: {DESCRIPTION_PATTERN}"
    )


def test_a_create_with_a_character_iam_refuses_is_a_validation_error(iam: Any) -> None:
    assert error_of(
        lambda: iam.create_service_linked_role(AWSServiceName=PRINCIPAL, Description=DASHED)
    ) == ("ValidationError", 400, bad_pattern(DASHED))
    assert iam.list_roles()["Roles"] == []


@pytest.mark.parametrize(
    "update",
    [
        lambda iam, text: iam.update_role(RoleName=ROLE, Description=text),
        lambda iam, text: iam.update_role_description(RoleName=ROLE, Description=text),
    ],
    ids=["UpdateRole", "UpdateRoleDescription"],
)
def test_an_update_with_a_character_iam_refuses_changes_nothing(
    iam: Any, update: Callable[[Any, str], object]
) -> None:
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL, Description="session logs")
    assert error_of(lambda: update(iam, DASHED)) == ("ValidationError", 400, bad_pattern(DASHED))
    assert iam.get_role(RoleName=ROLE)["Role"]["Description"] == "session logs"


def test_a_description_over_1000_characters_is_a_validation_error(iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    iam.update_role(RoleName=ROLE, Description="x" * 1000)  # the limit itself is fine
    code, status, message = error_of(lambda: iam.update_role(RoleName=ROLE, Description="x" * 1001))
    assert (code, status) == ("ValidationError", 400)
    assert message.startswith("1 validation error detected: Value 'xxx")
    assert message.endswith(
        "at 'description' failed to satisfy constraint: "
        "Member must have length less than or equal to 1000"
    )


def test_both_constraints_broken_are_two_errors_in_one_answer(iam: Any) -> None:
    code, _, message = error_of(
        lambda: iam.create_service_linked_role(
            AWSServiceName=PRINCIPAL, Description="\u2014" * 1001
        )
    )
    assert code == "ValidationError"
    assert message.startswith("2 validation errors detected: ")
    assert "regular expression pattern" in message
    assert "length less than or equal to 1000" in message


@pytest.mark.parametrize(
    "call",
    [
        lambda iam: iam.delete_role(RoleName=ROLE),
        lambda iam: iam.put_role_policy(RoleName=ROLE, PolicyName="p", PolicyDocument="{}"),
        lambda iam: iam.attach_role_policy(
            RoleName=ROLE, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
        ),
        lambda iam: iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument="{}"),
    ],
    ids=["DeleteRole", "PutRolePolicy", "AttachRolePolicy", "UpdateAssumeRolePolicy"],
)
def test_the_role_is_unmodifiable(iam: Any, call: Callable[[Any], object]) -> None:
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    code, status, message = error_of(lambda: call(iam))
    assert (code, status) == ("UnmodifiableEntity", 400)
    assert ROLE in message


def test_an_ordinary_role_can_still_be_deleted(iam: Any) -> None:
    iam.create_role(RoleName="plain", AssumeRolePolicyDocument="{}")
    iam.delete_role(RoleName="plain")
    assert iam.list_roles()["Roles"] == []


def test_deletion_task_ids_follow_awss_format(iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    assert task_id.startswith(f"task/aws-service-role/{PRINCIPAL}/{ROLE}/")


def test_deletion_is_asynchronous(aws: LocalAWS, iam: Any) -> None:
    aws.set_deletion_seconds(1.0)
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    assert deletion_status(iam, task_id)["Status"] in ("NOT_STARTED", "IN_PROGRESS")
    assert iam.get_role(RoleName=ROLE)["Role"]["RoleName"] == ROLE


def test_deletion_goes_from_not_started_to_in_progress_to_succeeded(
    aws: LocalAWS, iam: Any
) -> None:
    aws.set_deletion_seconds(1.0)
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    seen: list[str] = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        status = deletion_status(iam, task_id)["Status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == "SUCCEEDED":
            break
        time.sleep(0.02)
    assert seen == ["NOT_STARTED", "IN_PROGRESS", "SUCCEEDED"]


def test_a_running_deletion_answers_with_the_same_task_id(aws: LocalAWS, iam: Any) -> None:
    aws.set_deletion_seconds(1.0)
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    first = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    assert iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"] == first


def test_a_succeeded_deletion_removes_the_role(iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    assert wait_for_deletion(iam, task_id) == {"Status": "SUCCEEDED"}
    assert iam.list_roles()["Roles"] == []


def test_the_role_is_gone_once_due_even_without_a_status_read(aws: LocalAWS, iam: Any) -> None:
    aws.set_deletion_seconds(0.1)
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    iam.delete_service_linked_role(RoleName=ROLE)
    time.sleep(0.15)
    assert error_of(lambda: iam.get_role(RoleName=ROLE))[0] == "NoSuchEntity"


def test_a_deleted_role_can_be_created_again(iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    wait_for_deletion(iam, iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"])
    assert iam.create_service_linked_role(AWSServiceName=PRINCIPAL)["Role"]["RoleName"] == ROLE


def test_a_role_in_use_fails_to_delete_and_stays(client: ClientFactory, iam: Any) -> None:
    mediatailor = client("mediatailor", "ap-southeast-2")
    use_role_in(mediatailor, "live")
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    failed = wait_for_deletion(iam, task_id)
    assert failed["Status"] == "FAILED"
    assert failed["Reason"]["Reason"]
    assert failed["Reason"]["RoleUsageList"] == [
        {
            "Region": "ap-southeast-2",
            "Resources": [
                "arn:aws:mediatailor:ap-southeast-2:123456789012:playbackConfiguration/live"
            ],
        }
    ]
    assert iam.get_role(RoleName=ROLE)["Role"]["RoleName"] == ROLE


def test_usage_is_decided_when_the_task_completes(
    aws: LocalAWS, client: ClientFactory, iam: Any
) -> None:
    aws.set_deletion_seconds(0.5)
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    use_role_in(client("mediatailor"), "late-starter")
    assert wait_for_deletion(iam, task_id)["Status"] == "FAILED"


def test_a_disabled_configuration_does_not_block_deletion(client: ClientFactory, iam: Any) -> None:
    mediatailor = client("mediatailor")
    use_role_in(mediatailor, "live")
    mediatailor.configure_logs_for_playback_configuration(
        PlaybackConfigurationName="live", PercentEnabled=0
    )
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    assert wait_for_deletion(iam, task_id)["Status"] == "SUCCEEDED"


def test_a_failed_deletion_can_be_retried_with_a_new_task(client: ClientFactory, iam: Any) -> None:
    mediatailor = client("mediatailor")
    use_role_in(mediatailor, "live")
    first = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    assert wait_for_deletion(iam, first)["Status"] == "FAILED"
    mediatailor.delete_playback_configuration(Name="live")
    second = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    assert second != first
    assert wait_for_deletion(iam, second)["Status"] == "SUCCEEDED"


def test_deleting_a_missing_role_is_no_such_entity(iam: Any) -> None:
    assert error_of(lambda: iam.delete_service_linked_role(RoleName=ROLE))[:2] == (
        "NoSuchEntity",
        404,
    )


def test_an_unknown_task_id_is_no_such_entity(iam: Any) -> None:
    unknown = f"task/aws-service-role/{PRINCIPAL}/{ROLE}/00000000-0000-0000-0000-000000000000"
    code, status, _ = error_of(
        lambda: iam.get_service_linked_role_deletion_status(DeletionTaskId=unknown)
    )
    assert (code, status) == ("NoSuchEntity", 404)


# -- the timings of a real deletion ------------------------------------------------------------


def test_a_new_task_is_unknown_to_its_status_call_for_a_while(aws: LocalAWS, iam: Any) -> None:
    aws.set_settings(task_visibility_seconds=LAG / 2, deletion_seconds=LAG)
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    code, status, _ = error_of(
        lambda: iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)
    )
    assert (code, status) == ("NoSuchEntity", 404)
    # The task runs all the same: a second delete answers with its id.
    assert iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"] == task_id
    aws.advance_clock(LAG / 2)  # shown now, not done
    assert deletion_status(iam, task_id)["Status"] in ("NOT_STARTED", "IN_PROGRESS")


def test_a_task_can_be_forgotten_while_get_role_still_shows_the_role(
    aws: LocalAWS, iam: Any
) -> None:
    aws.set_settings(deletion_seconds=1.0, task_retention_seconds=0, iam_consistency_seconds=LAG)
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    aws.advance_clock(1.0)  # done, and forgotten at once; IAM shows the role for LAG more
    code, _, _ = error_of(
        lambda: iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)
    )
    assert code == "NoSuchEntity"
    assert iam.get_role(RoleName=ROLE)["Role"]["RoleName"] == ROLE


def test_a_dependent_turned_off_just_before_fails_the_deletion_naming_it(
    aws: LocalAWS, client: ClientFactory, iam: Any
) -> None:
    aws.set_settings(usage_lag_seconds=LAG, deletion_seconds=0.1)
    mediatailor = client("mediatailor", "eu-west-1")
    use_role_in(mediatailor, "live")
    mediatailor.configure_logs_for_playback_configuration(
        PlaybackConfigurationName="live", PercentEnabled=0
    )
    failed = wait_for_deletion(iam, iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"])
    assert failed["Status"] == "FAILED"
    assert failed["Reason"]["RoleUsageList"] == [
        {
            "Region": "eu-west-1",
            "Resources": ["arn:aws:mediatailor:eu-west-1:123456789012:playbackConfiguration/live"],
        }
    ]
    aws.advance_clock(LAG)  # the lag has passed: the same deletion succeeds
    again = wait_for_deletion(iam, iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"])
    assert again == {"Status": "SUCCEEDED"}


def test_a_channel_deleted_just_before_fails_the_deletion_too(
    aws: LocalAWS, client: ClientFactory, iam: Any
) -> None:
    aws.set_settings(usage_lag_seconds=5.0, deletion_seconds=0.1)
    mediatailor = client("mediatailor")
    arn = create_as_run_channel(mediatailor, "linear")
    mediatailor.delete_channel(ChannelName="linear")
    failed = wait_for_deletion(iam, iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"])
    assert failed["Reason"]["RoleUsageList"] == [{"Region": "us-east-1", "Resources": [arn]}]
