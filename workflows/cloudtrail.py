"""AWS CloudTrail's service-linked role, ``AWSServiceRoleForCloudTrail``.

Organization trails use the role; they are managed from the organization's management account
(or a delegated administrator for CloudTrail), in each trail's home region. CloudTrail's guide,
to free the role: update the trail so that it is no longer an organization trail, or delete it.
A drain does the first (``UpdateTrail IsOrganizationTrail=false``, in the home region); a
restore makes it an organization trail again.
"""

from __future__ import annotations

from typing import Any

from lifecycle import (
    Access,
    Call,
    Demo,
    Dependent,
    Kind,
    Operation,
    Reads,
    RetryPolicy,
    Workflow,
)

__all__ = ["WORKFLOW", "Trails"]

PRINCIPAL = "cloudtrail.amazonaws.com"
ROLE = "AWSServiceRoleForCloudTrail"
TRAIL = "trail"

DESCRIBE_TRAILS = Operation("cloudtrail", "DescribeTrails", Access.READ)
UPDATE_TRAIL = Operation(
    "cloudtrail",
    "UpdateTrail",
    Access.WRITE,
    resource="arn:{partition}:cloudtrail:*:*:trail/*",
)


class Trails(Kind):
    """Trails, each in its home region; an organization trail uses the role."""

    name = TRAIL
    reads = (DESCRIBE_TRAILS,)
    writes = (UPDATE_TRAIL,)
    vanished = frozenset({"TrailNotFoundException"})
    by_hand = (
        "delete the trail, or update it so it is no longer an organization trail "
        "(from the management account, in its home region)"
    )

    def list(self, aws: Reads, region: str, policy: RetryPolicy) -> list[Dependent]:
        # A multi-region trail shows in every region as a shadow; each is listed once, in
        # its home region, where alone it can be changed.
        found = aws.call(
            "cloudtrail",
            DESCRIBE_TRAILS.name,
            region,
            {"includeShadowTrails": False},
            policy=policy,
        )
        return [
            _trail(region, item)
            for item in found.get("trailList", [])
            if item.get("HomeRegion", region) == region
        ]

    def deactivate(self, dependent: Dependent) -> Call:
        return _organization(dependent, False)

    def reactivate(self, dependent: Dependent) -> Call:
        return _organization(dependent, True)

    def settings_of(self, call: Call) -> dict[str, Any]:
        return {"IsOrganizationTrail": bool(call.params["IsOrganizationTrail"])}

    def notes(self, dependent: Dependent) -> tuple[str, ...]:
        return ("while drained the trail logs the management account only",)


def _trail(region: str, item: dict[str, Any]) -> Dependent:
    organization = bool(item.get("IsOrganizationTrail"))
    return Dependent(
        region,
        TRAIL,
        item["Name"],
        item.get("TrailARN", ""),
        active=organization,
        settings={"IsOrganizationTrail": organization},
    )


def _organization(dependent: Dependent, organization: bool) -> Call:
    # By ARN: a name alone could be another account's trail for a delegated administrator.
    params = {"Name": dependent.arn or dependent.name, "IsOrganizationTrail": organization}
    return Call("cloudtrail", UPDATE_TRAIL.name, dependent.region, params, dependent.name)


def _seed(endpoint_url: str) -> str:
    """``slr demo``'s account: an organization's management account with an organization
    trail (its home region us-east-1) and a trail of its own in eu-west-1."""
    from localaws import cloudtrail
    from localaws.seed import Account

    account = Account(endpoint_url)
    cloudtrail.management_account(account)
    cloudtrail.organization_trail(account, "us-east-1", "organization-audit")
    cloudtrail.organization_trail(account, "eu-west-1", "local-audit", organization=False)
    return (
        "this account manages an organization whose trail organization-audit (home "
        "us-east-1) logs every member; CloudTrail created AWSServiceRoleForCloudTrail for it."
    )


WORKFLOW = Workflow(
    name="cloudtrail",
    title="AWS CloudTrail",
    principal=PRINCIPAL,
    role_name=ROLE,
    service="cloudtrail",
    kinds=(Trails(),),
    demo=Demo(_seed),
)
