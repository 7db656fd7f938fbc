"""Reading the inventory over HTTP: every page of IAM's answer, the service-linked roles
alone, with one read-only operation; a throttled page is retried."""

from __future__ import annotations

import boto3
import pytest

from lifecycle import RetryPolicy
from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.inventory import inventory_gateway, read_service_roles
from lifecycle.errors import Refused
from localaws import Fault, LocalAWS
from localaws.seed import Account
from localaws.service_roles import seed_service_linked_roles


@pytest.mark.parametrize("page_size", [1, 2, 7, 1000])
def test_every_page_is_read_and_only_service_linked_roles_kept(
    aws: LocalAWS, account: Account, session: boto3.session.Session, page_size: int
) -> None:
    account.client("iam").create_role(RoleName="deployer", AssumeRolePolicyDocument="{}")
    seeded = seed_service_linked_roles(aws, account)
    aws_ = inventory_gateway(session, RunnerConfig(endpoint_url=aws.endpoint_url))
    roles = read_service_roles(aws_, "us-east-1", page_size)
    assert sorted(r.name for r in roles) == sorted(seeded)
    pages = [r for r in aws_.records if r.call.operation == "GetAccountAuthorizationDetails"]
    assert len(pages) == -(-(len(seeded) + 1) // page_size)


def test_a_throttled_page_is_retried(
    aws: LocalAWS, account: Account, session: boto3.session.Session
) -> None:
    account.create_role("rds.amazonaws.com")
    aws.set_faults([Fault(service="iam", operation="GetAccountAuthorizationDetails",
                          kind="throttle", count=2)])  # fmt: skip
    aws_ = inventory_gateway(session, RunnerConfig(endpoint_url=aws.endpoint_url))
    assert [r.name for r in read_service_roles(aws_, "us-east-1")] == ["AWSServiceRoleForRDS"]


def test_the_inventory_gateway_refuses_any_other_call(
    aws: LocalAWS, session: boto3.session.Session
) -> None:
    aws_ = inventory_gateway(session, RunnerConfig(endpoint_url=aws.endpoint_url))
    with pytest.raises(Refused):
        aws_.call("iam", "ListRoles", "us-east-1", {}, policy=RetryPolicy(max_attempts=0))
