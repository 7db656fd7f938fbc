"""CloudTrail's organization trails: who may make them, where they are changed, and how they
hold AWSServiceRoleForCloudTrail, through real boto3 clients over HTTP."""

from __future__ import annotations

import time
from typing import Any

import pytest

from localaws import LocalAWS
from localaws.cloudtrail import management_account, organization_trail, trails
from localaws.seed import Account
from tests.localaws.answers import error_of, prompt_account

#: AWS's lag or window, longer than any test: a test ends it by moving the local AWS's clock.
LAG = 600.0

PRINCIPAL = "cloudtrail.amazonaws.com"
ROLE = "AWSServiceRoleForCloudTrail"
MANAGEMENT = "123456789012"


@pytest.fixture
def account(aws: LocalAWS) -> Account:
    return prompt_account(aws, retention=LAG)


@pytest.fixture
def management(account: Account) -> Account:
    """The default account, management account of an organization that trusts CloudTrail."""
    assert management_account(account) == MANAGEMENT
    return account


def member_of(aws: LocalAWS, management: Account, name: str = "member") -> tuple[str, Account]:
    """A new member account of the management account's organization, and its clients."""
    organizations = management.client("organizations")
    status = organizations.create_account(AccountName=name, Email=f"{name}@example.com")
    member = status["CreateAccountStatus"]["AccountId"]
    credentials = management.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole",
        RoleSessionName="test",
    )["Credentials"]
    return member, Account(
        aws.endpoint_url, key=credentials["AccessKeyId"], secret=credentials["SecretAccessKey"]
    )


def delete_role(account: Account, timeout: float = 5.0) -> dict[str, Any]:
    """Start a deletion of the role and wait for its outcome."""
    iam = account.client("iam")
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    deadline = time.monotonic() + timeout
    while True:
        status: dict[str, Any] = iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)
        status.pop("ResponseMetadata")
        if status["Status"] in ("SUCCEEDED", "FAILED") or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


# -- the role -----------------------------------------------------------------------------------


def test_the_first_organization_trail_creates_the_role_as_aws_names_it(
    management: Account,
) -> None:
    assert management.role(ROLE) is None
    organization_trail(management, "us-east-1", "org-trail")
    role = management.wait_for_role(ROLE)
    assert role["Path"] == f"/aws-service-role/{PRINCIPAL}/"
    [policy] = management.client("iam").list_attached_role_policies(RoleName=ROLE)[
        "AttachedPolicies"
    ]
    assert policy["PolicyName"] == "CloudTrailServiceRolePolicy"
    # A second organization trail finds the role there.
    organization_trail(management, "eu-west-1", "second", multi_region=False)
    assert len(management.client("iam").list_roles(PathPrefix="/aws-service-role/")["Roles"]) == 1


def test_a_trail_of_the_account_alone_creates_no_role(management: Account) -> None:
    organization_trail(management, "us-east-1", "own", organization=False)
    assert management.role(ROLE) is None


def test_updating_a_trail_to_an_organization_trail_creates_the_role(management: Account) -> None:
    arn = organization_trail(management, "us-east-1", "later", organization=False)
    management.client("cloudtrail").update_trail(Name=arn, IsOrganizationTrail=True)
    assert management.wait_for_role(ROLE)["RoleName"] == ROLE
    assert trails(management, "us-east-1") == {
        "later": {"IsOrganizationTrail": True, "HomeRegion": "us-east-1"}
    }


# -- who may make organization trails -----------------------------------------------------------


def test_a_member_account_is_refused(aws: LocalAWS, management: Account) -> None:
    _, member = member_of(aws, management)
    code, status, _ = error_of(lambda: organization_trail(member, "us-east-1", "rogue"))
    assert (code, status) == ("NotOrganizationMasterAccountException", 400)
    organization_trail(member, "us-east-1", "own", organization=False)
    code, _, _ = error_of(
        lambda: member.client("cloudtrail").update_trail(Name="own", IsOrganizationTrail=True)
    )
    assert code == "NotOrganizationMasterAccountException"
    assert trails(member, "us-east-1") == {
        "own": {"IsOrganizationTrail": False, "HomeRegion": "us-east-1"}
    }
    assert member.role(ROLE) is None
    assert management.role(ROLE) is None


def test_an_account_in_no_organization_is_refused(account: Account) -> None:
    code, status, _ = error_of(lambda: organization_trail(account, "us-east-1", "org-trail"))
    assert (code, status) == ("OrganizationsNotInUseException", 400)
    assert trails(account, "us-east-1") == {}


def test_an_organization_without_trusted_access_for_cloudtrail_is_refused(
    account: Account,
) -> None:
    management_account(account, trusted_access=False)
    code, _, _ = error_of(lambda: organization_trail(account, "us-east-1", "org-trail"))
    assert code == "CloudTrailAccessNotEnabledException"
    assert account.role(ROLE) is None


def test_an_organization_without_all_features_is_refused(account: Account) -> None:
    account.client("organizations").create_organization(FeatureSet="CONSOLIDATED_BILLING")
    code, _, _ = error_of(lambda: organization_trail(account, "us-east-1", "org-trail"))
    assert code == "OrganizationNotInAllFeaturesModeException"


def test_a_delegated_administrator_makes_trails_the_management_account_owns(
    aws: LocalAWS, management: Account
) -> None:
    member, admin = member_of(aws, management, "security")
    management.client("organizations").register_delegated_administrator(
        AccountId=member, ServicePrincipal=PRINCIPAL
    )
    # Registered through Organizations, no role was made: CloudTrail needs the management's.
    code, _, _ = error_of(lambda: organization_trail(admin, "us-east-1", "org-trail"))
    assert code == "NoManagementAccountSLRExistsException"
    management.create_role(PRINCIPAL)
    arn = organization_trail(admin, "us-east-1", "org-trail")
    assert arn == f"arn:aws:cloudtrail:us-east-1:{MANAGEMENT}:trail/org-trail"
    assert trails(management, "us-east-1") == {
        "org-trail": {"IsOrganizationTrail": True, "HomeRegion": "us-east-1"}
    }
    assert admin.role(ROLE) is None
    # The delegated administrator changes it by its ARN (its name is the management's).
    cloudtrail = admin.client("cloudtrail")
    assert error_of(lambda: cloudtrail.delete_trail(Name="org-trail"))[0] == (
        "TrailNotFoundException"
    )
    cloudtrail.update_trail(Name=arn, IsOrganizationTrail=False)
    assert trails(management, "us-east-1")["org-trail"]["IsOrganizationTrail"] is False


# -- deleting the role --------------------------------------------------------------------------


def test_a_deletion_fails_naming_the_organization_trail_until_it_is_one_no_more(
    management: Account,
) -> None:
    arn = organization_trail(management, "eu-west-1", "org-trail")
    failed = delete_role(management)
    assert failed["Status"] == "FAILED"
    assert failed["Reason"]["RoleUsageList"] == [{"Region": "eu-west-1", "Resources": [arn]}]
    management.client("cloudtrail", "eu-west-1").update_trail(
        Name="org-trail", IsOrganizationTrail=False
    )
    assert delete_role(management) == {"Status": "SUCCEEDED"}
    management.wait_for_no_role(ROLE)


def test_a_deleted_organization_trail_frees_the_role(management: Account) -> None:
    organization_trail(management, "us-east-1", "org-trail")
    management.client("cloudtrail").delete_trail(Name="org-trail")
    assert delete_role(management) == {"Status": "SUCCEEDED"}


def test_an_organization_trail_stopped_just_before_still_fails_the_deletion(
    aws: LocalAWS, management: Account
) -> None:
    aws.set_settings(usage_lag_seconds=LAG, deletion_seconds=0.1)
    arn = organization_trail(management, "us-east-1", "org-trail")
    management.client("cloudtrail").update_trail(Name=arn, IsOrganizationTrail=False)
    failed = delete_role(management)
    assert failed["Reason"]["RoleUsageList"] == [{"Region": "us-east-1", "Resources": [arn]}]
    aws.advance_clock(LAG)  # the lag has passed: the same deletion succeeds
    assert delete_role(management) == {"Status": "SUCCEEDED"}


def test_an_organization_trail_deleted_just_before_still_fails_the_deletion(
    aws: LocalAWS, management: Account
) -> None:
    aws.set_settings(usage_lag_seconds=5.0, deletion_seconds=0.1)
    arn = organization_trail(management, "us-east-1", "org-trail")
    management.client("cloudtrail").delete_trail(Name=arn)
    failed = delete_role(management)
    assert failed["Reason"]["RoleUsageList"] == [{"Region": "us-east-1", "Resources": [arn]}]


def test_a_deletion_due_before_a_cloudtrail_request_completes_before_it(
    aws: LocalAWS, management: Account
) -> None:
    # IAM keeps the finished task however slow the requests below come.
    aws.set_settings(deletion_seconds=0.2, task_retention_seconds=LAG)
    management.create_role(PRINCIPAL)
    iam = management.client("iam")
    task_id = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    time.sleep(0.3)  # due, and no IAM request since
    # The task completed before this trail came: the role went, and CloudTrail makes it anew.
    organization_trail(management, "us-east-1", "org-trail")
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)
    assert status["Status"] == "SUCCEEDED"
    assert management.wait_for_role(ROLE)["RoleName"] == ROLE


# -- home regions -------------------------------------------------------------------------------


def test_a_trail_is_changed_in_its_home_region_only(management: Account) -> None:
    arn = organization_trail(management, "us-east-1", "org-trail")
    elsewhere = management.client("cloudtrail", "eu-west-1")
    for call in (
        lambda: elsewhere.update_trail(Name="org-trail", IsOrganizationTrail=False),
        lambda: elsewhere.update_trail(Name=arn, IsOrganizationTrail=False),
        lambda: elsewhere.delete_trail(Name="org-trail"),
        lambda: elsewhere.delete_trail(Name=arn),
        lambda: elsewhere.stop_logging(Name=arn),
    ):
        assert error_of(call)[:2] == ("InvalidHomeRegionException", 400)
    assert trails(management, "us-east-1")["org-trail"]["IsOrganizationTrail"] is True


def test_other_regions_show_multi_region_trails_with_their_home_region(
    management: Account,
) -> None:
    organization_trail(management, "us-east-1", "everywhere")
    organization_trail(management, "us-east-1", "here", multi_region=False)
    assert trails(management, "eu-west-1") == {
        "everywhere": {"IsOrganizationTrail": True, "HomeRegion": "us-east-1"}
    }
    got = management.client("cloudtrail", "eu-west-1").get_trail(Name="everywhere")["Trail"]
    assert got["HomeRegion"] == "us-east-1"


def test_an_unknown_trail_is_not_found_and_a_name_is_taken_once(management: Account) -> None:
    cloudtrail = management.client("cloudtrail")
    assert error_of(lambda: cloudtrail.delete_trail(Name="nothing"))[:2] == (
        "TrailNotFoundException",
        400,
    )
    organization_trail(management, "us-east-1", "org-trail")
    code, _, message = error_of(lambda: organization_trail(management, "us-east-1", "org-trail"))
    assert (code, message) == (
        "TrailAlreadyExistsException",
        f"Trail org-trail already exists for customer: {MANAGEMENT}",
    )
    # A multi-region trail's name is taken in every region.
    code, _, _ = error_of(lambda: organization_trail(management, "eu-west-1", "org-trail"))
    assert code == "TrailAlreadyExistsException"
