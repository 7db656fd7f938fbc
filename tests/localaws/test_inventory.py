"""What IAM tells an inventory, over HTTP: AWS's role names, RoleLastUsed kept per role (400
days of it), ListRoles and GetAccountAuthorizationDetails in pages, and the seeded account."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localaws import LocalAWS, LocalAWSError
from localaws.principals import SERVICE_LINKED_ROLES
from localaws.service_roles import ACCOUNT_ROLES, seed_service_linked_roles
from tests.localaws.answers import error_of

ClientFactory = Callable[..., Any]
SLR_PATH = "/aws-service-role/"
#: A few page sizes per test: each example lists the seeded account again.
PAGES = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def iam(aws: LocalAWS, client: ClientFactory) -> Any:
    aws.set_settings(iam_consistency_seconds=0)
    return client("iam")


@pytest.mark.parametrize(
    ("principal", "name"),
    [
        ("rds.amazonaws.com", "AWSServiceRoleForRDS"),
        ("elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing"),
        ("guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDuty"),
        ("sso.amazonaws.com", "AWSServiceRoleForSSO"),
        ("organizations.amazonaws.com", "AWSServiceRoleForOrganizations"),
    ],
)
def test_a_common_service_role_gets_the_name_aws_gives_it(
    iam: Any, principal: str, name: str
) -> None:
    role = iam.create_service_linked_role(AWSServiceName=principal)["Role"]
    assert role["RoleName"] == name
    assert role["Path"] == f"/aws-service-role/{principal}/"


def test_every_listed_role_carries_its_managed_policy(iam: Any) -> None:
    for principal, spec in SERVICE_LINKED_ROLES.items():
        name = iam.create_service_linked_role(AWSServiceName=principal)["Role"]["RoleName"]
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        assert [p["PolicyName"] for p in attached] == [spec.managed_policy], principal


def test_a_role_never_used_shows_an_empty_last_use(iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName="rds.amazonaws.com")
    assert iam.get_role(RoleName="AWSServiceRoleForRDS")["Role"]["RoleLastUsed"] == {}


def test_mediatailor_logging_marks_its_role_used_in_that_region(
    iam: Any, client: ClientFactory
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    mediatailor = client("mediatailor", "eu-west-1")
    mediatailor.put_playback_configuration(Name="news")
    mediatailor.configure_logs_for_playback_configuration(
        PlaybackConfigurationName="news", PercentEnabled=10
    )
    used = iam.get_role(RoleName="AWSServiceRoleForMediaTailor")["Role"]["RoleLastUsed"]
    assert used["Region"] == "eu-west-1"
    assert used["LastUsedDate"] > before


def test_the_control_sets_a_last_use_get_role_shows(aws: LocalAWS, iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    when = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    aws.set_role_last_used("AWSServiceRoleForECS", when, "us-west-2")
    used = iam.get_role(RoleName="AWSServiceRoleForECS")["Role"]["RoleLastUsed"]
    assert (used["LastUsedDate"], used["Region"]) == (when, "us-west-2")
    aws.set_role_last_used("AWSServiceRoleForECS", None)
    assert iam.get_role(RoleName="AWSServiceRoleForECS")["Role"]["RoleLastUsed"] == {}


def test_a_use_older_than_400_days_is_not_shown(aws: LocalAWS, iam: Any) -> None:
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    old = datetime.now(UTC) - timedelta(days=401)
    created = datetime.now(UTC) - timedelta(days=900)
    assert aws.set_role_last_used("AWSServiceRoleForECS", old, "us-west-2", created=created) == {}
    role = iam.get_role(RoleName="AWSServiceRoleForECS")["Role"]
    assert role["RoleLastUsed"] == {}
    assert role["CreateDate"] == created.replace(microsecond=role["CreateDate"].microsecond)


def test_the_control_refuses_an_unknown_role(aws: LocalAWS) -> None:
    with pytest.raises(LocalAWSError, match="HTTP 400"):
        aws.set_role_last_used("AWSServiceRoleForNothing", None)


def _all_pages(call: Callable[..., dict[str, Any]], items: str, **params: Any) -> list[Any]:
    found: list[Any] = []
    marker = None
    while True:
        page = call(**params, **({"Marker": marker} if marker else {}))
        found += page[items]
        if not page["IsTruncated"]:
            assert "Marker" not in page or not page["Marker"]
            return found
        marker = page["Marker"]


@pytest.fixture
def seeded(aws: LocalAWS, iam: Any) -> dict[str, Any]:
    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument="{}")
    return seed_service_linked_roles(aws)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(size=st.integers(1, 20))
def test_list_roles_pages_give_every_service_linked_role_once(
    iam: Any, seeded: dict[str, Any], size: int
) -> None:
    roles = _all_pages(iam.list_roles, "Roles", PathPrefix=SLR_PATH, MaxItems=size)
    assert sorted(r["RoleName"] for r in roles) == sorted(seeded)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(size=st.integers(1, 20))
def test_authorization_details_pages_give_every_role_once_with_its_last_use(
    iam: Any, seeded: dict[str, Any], size: int
) -> None:
    roles = _all_pages(
        iam.get_account_authorization_details, "RoleDetailList", Filter=["Role"], MaxItems=size
    )
    by_name = {r["RoleName"]: r for r in roles}
    assert len(roles) == len(by_name) == len(seeded) + 1  # and the deployer
    for name, role in seeded.items():
        shown = by_name[name]["RoleLastUsed"]
        if role.used_days_ago is None or role.used_days_ago > 400:
            assert shown == {}, name
        else:
            assert shown["Region"] == role.region, name


def test_authorization_details_refuses_max_items_out_of_range(iam: Any) -> None:
    code, status, _ = error_of(lambda: iam.get_account_authorization_details(MaxItems=1001))
    assert (code, status) == ("ValidationError", 400)


def test_the_seeded_account_has_fifteen_roles_some_never_used(
    iam: Any, seeded: dict[str, Any]
) -> None:
    assert len(seeded) == len(ACCOUNT_ROLES) == 15
    shown = {
        r["RoleName"]: r["RoleLastUsed"]
        for r in _all_pages(iam.get_account_authorization_details, "RoleDetailList")
    }
    assert sum(1 for name in seeded if shown[name] == {}) == 4  # never, or beyond 400 days


def test_authorization_details_show_a_role_by_the_clock_tests_move(
    aws: LocalAWS, client: ClientFactory
) -> None:
    # IAM's consistency window runs on the local AWS's clock: once a test has moved it past a
    # new role's window, GetRole and the bulk read both show the role, never one alone.
    aws.set_settings(iam_consistency_seconds=30)
    iam = client("iam")
    name = iam.create_service_linked_role(AWSServiceName="rds.amazonaws.com")["Role"]["RoleName"]
    aws.advance_clock(31.0)
    assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name
    details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    assert name in [role["RoleName"] for role in details]
