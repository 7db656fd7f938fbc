"""EC2 Auto Scaling's service-linked roles, through real boto3 clients: the default role a
group creates, suffixed roles a group names, and deletions that fail while groups use a role."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from localaws import LocalAWS, autoscaling
from localaws.seed import Account
from tests.localaws.answers import error_of, prompt_account
from tests.localaws.test_service_linked_roles import wait_for_deletion

PRINCIPAL = "autoscaling.amazonaws.com"
ROLE = "AWSServiceRoleForAutoScaling"
SUFFIXED = "AWSServiceRoleForAutoScaling_blue"
ROLE_ARN = f"arn:aws:iam::123456789012:role/aws-service-role/{PRINCIPAL}/{ROLE}"
SUFFIXED_ARN = f"arn:aws:iam::123456789012:role/aws-service-role/{PRINCIPAL}/{SUFFIXED}"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": PRINCIPAL}, "Action": "sts:AssumeRole"}
        ],
    }
)

#: AWS's lag or window, longer than any test: a test ends it by moving the local AWS's clock.
LAG = 600.0
NO_SUCH_ROLE = ("ValidationError", 400, "ARN specified for Service-Linked Role does not exist.")


@pytest.fixture
def account(aws: LocalAWS) -> Account:
    return prompt_account(aws, retention=LAG)


def suffixed_role(account: Account, suffix: str = "blue") -> str:
    iam = account.client("iam")
    iam.create_service_linked_role(AWSServiceName=PRINCIPAL, CustomSuffix=suffix)
    arn: str = account.wait_for_role(f"{ROLE}_{suffix}")["Arn"]
    return arn


def delete_role(account: Account, name: str = ROLE) -> dict[str, Any]:
    iam = account.client("iam")
    return wait_for_deletion(iam, iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"])


def test_the_first_group_creates_the_default_role_with_awss_name(account: Account) -> None:
    assert account.role(ROLE) is None
    autoscaling.group(account, "us-east-1", "web")
    role = account.role(ROLE)
    assert role is not None
    assert role["Arn"] == ROLE_ARN
    assert role["Path"] == f"/aws-service-role/{PRINCIPAL}/"
    [policy] = account.client("iam").list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
    assert policy["PolicyName"] == "AutoScalingServiceRolePolicy"
    assert autoscaling.groups(account, "us-east-1") == {"web": ROLE_ARN}


def test_a_later_group_uses_the_default_role_that_exists(account: Account) -> None:
    autoscaling.group(account, "us-east-1", "web")
    autoscaling.group(account, "eu-west-1", "api", role_arn=ROLE_ARN)  # named explicitly
    assert autoscaling.groups(account, "eu-west-1") == {"api": ROLE_ARN}
    assert [r["RoleName"] for r in account.client("iam").list_roles()["Roles"]] == [ROLE]


def test_a_group_that_names_a_suffixed_role_uses_it(account: Account) -> None:
    assert suffixed_role(account) == SUFFIXED_ARN
    autoscaling.group(account, "us-east-1", "batch", role_arn=SUFFIXED_ARN)
    assert autoscaling.groups(account, "us-east-1") == {"batch": SUFFIXED_ARN}
    assert account.role(ROLE) is None  # the default role is created only for groups using it


@pytest.mark.parametrize(
    "role_arn",
    [
        SUFFIXED_ARN,  # no such role
        "arn:aws:iam::123456789012:role/ordinary",  # not Auto Scaling's service-linked role
        SUFFIXED_ARN.replace("123456789012", "210987654321"),  # another account's
    ],
    ids=["missing", "ordinary", "other-account"],
)
def test_a_role_that_is_not_an_auto_scaling_role_here_is_refused(
    account: Account, role_arn: str
) -> None:
    account.client("iam").create_role(RoleName="ordinary", AssumeRolePolicyDocument=TRUST)
    suffixed_role(account, "green")
    assert error_of(lambda: autoscaling.group(account, "us-east-1", "web", role_arn=role_arn)) == (
        NO_SUCH_ROLE
    )
    assert autoscaling.groups(account, "us-east-1") == {}
    assert account.role(ROLE) is None


def test_a_role_iam_does_not_show_yet_is_refused(aws: LocalAWS, account: Account) -> None:
    aws.set_settings(iam_consistency_seconds=LAG)
    account.client("iam").create_service_linked_role(AWSServiceName=PRINCIPAL, CustomSuffix="blue")
    assert error_of(
        lambda: autoscaling.group(account, "us-east-1", "web", role_arn=SUFFIXED_ARN)
    ) == (NO_SUCH_ROLE)
    aws.advance_clock(LAG)  # IAM shows the role now
    account.wait_for_role(SUFFIXED)  # as Terraform users do: once IAM shows it, it works
    assert autoscaling.group(account, "us-east-1", "web", role_arn=SUFFIXED_ARN)


def test_a_second_group_of_the_same_name_already_exists(account: Account) -> None:
    first = autoscaling.group(account, "us-east-1", "web")
    suffixed_role(account)
    assert error_of(
        lambda: autoscaling.group(account, "us-east-1", "web", role_arn=SUFFIXED_ARN)
    ) == (
        "AlreadyExists",
        400,
        "AutoScalingGroup by this name already exists - A group with the name web already exists",
    )
    assert autoscaling.groups(account, "us-east-1") == {"web": ROLE_ARN}
    [group] = account.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    assert group["AutoScalingGroupARN"] == first


def test_the_default_role_in_use_fails_to_delete_naming_its_groups_only(account: Account) -> None:
    web = autoscaling.group(account, "us-east-1", "web")
    api = autoscaling.group(account, "eu-west-1", "api")
    batch = autoscaling.group(account, "us-east-1", "batch", role_arn=suffixed_role(account))
    failed = delete_role(account)
    assert failed["Status"] == "FAILED"
    assert failed["Reason"]["RoleUsageList"] == [
        {"Region": "eu-west-1", "Resources": [api]},
        {"Region": "us-east-1", "Resources": [web]},
    ]
    assert delete_role(account, SUFFIXED)["Reason"]["RoleUsageList"] == [
        {"Region": "us-east-1", "Resources": [batch]}
    ]
    assert account.role(ROLE) is not None


def test_deleting_the_groups_frees_the_role(account: Account) -> None:
    autoscaling.group(account, "us-east-1", "web")
    autoscaling.group(account, "eu-west-1", "api")
    assert delete_role(account)["Status"] == "FAILED"
    autoscaling.delete_group(account, "us-east-1", "web")
    autoscaling.delete_group(account, "eu-west-1", "api")
    assert delete_role(account) == {"Status": "SUCCEEDED"}
    account.wait_for_no_role(ROLE)


def test_moving_a_group_to_a_suffixed_role_frees_the_default_one(account: Account) -> None:
    web = autoscaling.group(account, "us-east-1", "web")
    account.client("autoscaling").update_auto_scaling_group(
        AutoScalingGroupName="web", ServiceLinkedRoleARN=suffixed_role(account)
    )
    assert autoscaling.groups(account, "us-east-1") == {"web": SUFFIXED_ARN}
    assert delete_role(account) == {"Status": "SUCCEEDED"}
    assert delete_role(account, SUFFIXED)["Reason"]["RoleUsageList"] == [
        {"Region": "us-east-1", "Resources": [web]}
    ]


def test_an_update_naming_a_missing_role_changes_nothing(account: Account) -> None:
    autoscaling.group(account, "us-east-1", "web")
    assert error_of(
        lambda: account.client("autoscaling").update_auto_scaling_group(
            AutoScalingGroupName="web", ServiceLinkedRoleARN=SUFFIXED_ARN, MaxSize=5
        )
    ) == (NO_SUCH_ROLE)
    [group] = account.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    assert (group["ServiceLinkedRoleARN"], group["MaxSize"]) == (ROLE_ARN, 1)


@pytest.mark.parametrize("stop", ["deleted", "moved"])
def test_a_group_that_stopped_using_the_role_just_before_fails_the_deletion(
    aws: LocalAWS, account: Account, stop: str
) -> None:
    aws.set_settings(usage_lag_seconds=LAG, deletion_seconds=0.1)
    web = autoscaling.group(account, "eu-west-1", "web")
    if stop == "deleted":
        autoscaling.delete_group(account, "eu-west-1", "web")
    else:
        account.client("autoscaling", "eu-west-1").update_auto_scaling_group(
            AutoScalingGroupName="web", ServiceLinkedRoleARN=suffixed_role(account)
        )
    failed = delete_role(account)
    assert failed["Status"] == "FAILED"
    assert failed["Reason"]["RoleUsageList"] == [{"Region": "eu-west-1", "Resources": [web]}]
    aws.advance_clock(LAG)  # the lag has passed: the same deletion succeeds
    assert delete_role(account) == {"Status": "SUCCEEDED"}


def test_a_deletion_due_before_a_group_is_created_completes_first(
    aws: LocalAWS, account: Account
) -> None:
    # IAM keeps the finished task however slow the requests below come.
    aws.set_settings(deletion_seconds=0.2, task_retention_seconds=LAG)
    autoscaling.group(account, "us-east-1", "web")
    autoscaling.delete_group(account, "us-east-1", "web")
    iam = account.client("iam")
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    time.sleep(0.3)
    # The task was due: this request completes it (the role goes), then creates the role anew.
    autoscaling.group(account, "us-east-1", "api")
    assert wait_for_deletion(iam, task_id) == {"Status": "SUCCEEDED"}
    assert autoscaling.groups(account, "us-east-1") == {"api": ROLE_ARN}
    assert account.role(ROLE) is not None


def test_a_group_that_stopped_using_one_role_holds_no_other(
    aws: LocalAWS, account: Account
) -> None:
    aws.set_settings(usage_lag_seconds=5.0, deletion_seconds=0.1)
    suffixed_role(account)
    autoscaling.group(account, "us-east-1", "web")
    autoscaling.delete_group(account, "us-east-1", "web")
    assert delete_role(account, SUFFIXED) == {"Status": "SUCCEEDED"}
    assert delete_role(account)["Status"] == "FAILED"
