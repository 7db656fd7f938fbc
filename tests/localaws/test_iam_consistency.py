"""IAM as AWS runs it: eventually consistent reads of service-linked roles, deletion tasks it
forgets, and the creates it refuses."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws import LocalAWS, LocalAWSError

ClientFactory = Callable[..., Any]

PRINCIPAL = "mediatailor.amazonaws.com"
ROLE = "AWSServiceRoleForMediaTailor"
#: Far longer than any test takes: the test ends a window by moving the local AWS's clock past
#: it (reading inside it then holds however slow the machine).
WINDOW = 600.0


def code_of(call: Callable[[], object]) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def role_names(iam: Any) -> list[str]:
    return [role["RoleName"] for role in iam.list_roles()["Roles"]]


def wait_for_status(iam: Any, task_id: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status: str = iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)["Status"]
        if status in ("SUCCEEDED", "FAILED"):
            return status
        time.sleep(0.02)
    raise AssertionError(f"task {task_id} still running")


@pytest.fixture
def iam(aws: LocalAWS, client: ClientFactory) -> Any:
    # A new task's late visibility, and IAM forgetting a finished one, have their own tests.
    aws.set_settings(task_visibility_seconds=0, task_retention_seconds=WINDOW)
    return client("iam")


# -- eventual consistency ---------------------------------------------------------------------


def test_a_new_role_is_invisible_for_a_while_then_visible(aws: LocalAWS, iam: Any) -> None:
    aws.set_settings(iam_consistency_seconds=WINDOW)
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    assert code_of(lambda: iam.get_role(RoleName=ROLE)) == ("NoSuchEntity", 404)
    assert ROLE not in role_names(iam)
    aws.advance_clock(WINDOW)
    assert iam.get_role(RoleName=ROLE)["Role"]["RoleName"] == ROLE
    assert role_names(iam) == [ROLE]


def test_a_role_mediatailor_creates_is_invisible_for_a_while_too(
    aws: LocalAWS, client: ClientFactory, iam: Any
) -> None:
    aws.set_settings(iam_consistency_seconds=WINDOW)
    mediatailor = client("mediatailor")
    mediatailor.put_playback_configuration(Name="pc-1")
    mediatailor.configure_logs_for_playback_configuration(
        PlaybackConfigurationName="pc-1", PercentEnabled=10
    )
    assert code_of(lambda: iam.get_role(RoleName=ROLE)) == ("NoSuchEntity", 404)
    aws.advance_clock(WINDOW)
    assert iam.get_role(RoleName=ROLE)["Role"]["RoleName"] == ROLE


def test_a_second_create_in_the_invisible_window_is_still_refused(aws: LocalAWS, iam: Any) -> None:
    aws.set_settings(iam_consistency_seconds=WINDOW)
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    assert code_of(lambda: iam.create_service_linked_role(AWSServiceName=PRINCIPAL)) == (
        "InvalidInput",
        400,
    )


def test_a_deleted_role_is_still_read_for_a_while_then_gone(aws: LocalAWS, iam: Any) -> None:
    aws.set_settings(iam_consistency_seconds=0, deletion_seconds=0.05)
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    aws.set_settings(iam_consistency_seconds=WINDOW)
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    assert wait_for_status(iam, task_id) == "SUCCEEDED"
    assert iam.get_role(RoleName=ROLE)["Role"]["RoleName"] == ROLE
    assert role_names(iam) == [ROLE]
    aws.advance_clock(WINDOW)
    assert code_of(lambda: iam.get_role(RoleName=ROLE)) == ("NoSuchEntity", 404)
    assert role_names(iam) == []


def test_a_create_after_a_deletion_works_at_once(aws: LocalAWS, iam: Any) -> None:
    aws.set_settings(iam_consistency_seconds=WINDOW, deletion_seconds=0.05)
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    assert wait_for_status(iam, task_id) == "SUCCEEDED"
    assert iam.create_service_linked_role(AWSServiceName=PRINCIPAL)["Role"]["RoleName"] == ROLE


def test_ordinary_roles_are_visible_at_once(aws: LocalAWS, iam: Any) -> None:
    aws.set_settings(iam_consistency_seconds=WINDOW)
    iam.create_role(RoleName="plain", AssumeRolePolicyDocument="{}")
    assert iam.get_role(RoleName="plain")["Role"]["RoleName"] == "plain"


# -- deletion tasks IAM forgets ---------------------------------------------------------------


def status_error_after_the_retention(aws: LocalAWS, iam: Any, task_id: str) -> tuple[str, int]:
    aws.advance_clock(WINDOW)
    return code_of(lambda: iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id))


def test_a_finished_task_is_forgotten_after_the_retention(aws: LocalAWS, iam: Any) -> None:
    aws.set_settings(deletion_seconds=0.05, task_retention_seconds=WINDOW)
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    assert wait_for_status(iam, task_id) == "SUCCEEDED"
    assert status_error_after_the_retention(aws, iam, task_id) == ("NoSuchEntity", 404)


def test_a_failed_task_is_forgotten_too(aws: LocalAWS, client: ClientFactory, iam: Any) -> None:
    aws.set_settings(deletion_seconds=0.05, task_retention_seconds=WINDOW)
    mediatailor = client("mediatailor")
    mediatailor.put_playback_configuration(Name="pc-1")
    mediatailor.configure_logs_for_playback_configuration(
        PlaybackConfigurationName="pc-1", PercentEnabled=10
    )
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    assert wait_for_status(iam, task_id) == "FAILED"
    assert status_error_after_the_retention(aws, iam, task_id) == ("NoSuchEntity", 404)


def test_a_running_task_is_never_forgotten(aws: LocalAWS, iam: Any) -> None:
    aws.set_settings(deletion_seconds=2 * WINDOW, task_retention_seconds=0)
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL)
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    aws.advance_clock(WINDOW)
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)["Status"]
    assert status == "IN_PROGRESS"


# -- creates IAM refuses ----------------------------------------------------------------------


def test_a_custom_suffix_for_mediatailor_is_invalid_input(aws: LocalAWS, iam: Any) -> None:
    aws.set_settings(iam_consistency_seconds=0)  # a role created anyway would show
    with pytest.raises(ClientError) as raised:
        iam.create_service_linked_role(AWSServiceName=PRINCIPAL, CustomSuffix="blue")
    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidInput",
        f"Custom suffix is not allowed for {PRINCIPAL}",
    )
    assert iam.list_roles()["Roles"] == []


def test_an_unknown_service_principal_is_invalid_input(iam: Any) -> None:
    assert code_of(
        lambda: iam.create_service_linked_role(AWSServiceName="nothing.amazonaws.com")
    ) == ("InvalidInput", 400)


def test_a_service_that_takes_a_suffix_still_gets_one(iam: Any) -> None:
    role = iam.create_service_linked_role(
        AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="blue"
    )["Role"]
    assert role["RoleName"] == "AWSServiceRoleForAutoScaling_blue"


def test_the_clock_moves_forward_only(aws: LocalAWS) -> None:
    with pytest.raises(LocalAWSError, match="forward only"):
        aws.advance_clock(-1.0)
