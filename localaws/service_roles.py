"""A realistic account's service-linked roles, for an inventory: fifteen common services'
roles, made as the services make them, some used today, some months ago, some never.

IAM shows a role's last use for 400 days: a role used before that, or never, reads the same
(``RoleLastUsed`` empty); only its creation date tells "never" from "not within 400 days".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from localaws.process import LocalAWS
from localaws.seed import Account

__all__ = ["ACCOUNT_ROLES", "SeededRole", "seed_service_linked_roles"]


@dataclass(frozen=True)
class SeededRole:
    """One role of the seeded account."""

    principal: str
    #: Days since it was created.
    created_days_ago: int
    #: Days since the service last used it (``None``: never).
    used_days_ago: int | None = None
    #: Where it was last used.
    region: str | None = None


#: The seeded account's roles: an organization's management account that uses SSO, Config,
#: CloudTrail and GuardDuty daily, and left behind what it tried once.
ACCOUNT_ROLES: tuple[SeededRole, ...] = (
    SeededRole("organizations.amazonaws.com", 900, 0, "us-east-1"),
    SeededRole("sso.amazonaws.com", 700, 1, "us-east-1"),
    SeededRole("support.amazonaws.com", 1000, None),
    SeededRole("trustedadvisor.amazonaws.com", 1000, 4, "us-east-1"),
    SeededRole("config.amazonaws.com", 600, 0, "eu-west-1"),
    SeededRole("cloudtrail.amazonaws.com", 600, 0, "us-east-1"),
    SeededRole("guardduty.amazonaws.com", 500, 0, "eu-west-1"),
    SeededRole("securityhub.amazonaws.com", 480, 95, "eu-west-1"),
    SeededRole("access-analyzer.amazonaws.com", 300, 2, "us-east-1"),
    SeededRole("ecs.amazonaws.com", 400, 9, "us-west-2"),
    SeededRole("elasticloadbalancing.amazonaws.com", 800, 200, "eu-west-1"),
    SeededRole("autoscaling.amazonaws.com", 20, None),
    SeededRole("rds.amazonaws.com", 120, None),
    SeededRole("elasticbeanstalk.amazonaws.com", 1100, 700, "us-west-2"),
    SeededRole("mediatailor.amazonaws.com", 150, 140, "us-east-1"),
)


def seed_service_linked_roles(
    aws: LocalAWS,
    account: Account | None = None,
    *,
    account_id: str = "123456789012",
    roles: tuple[SeededRole, ...] = ACCOUNT_ROLES,
    now: datetime | None = None,
) -> dict[str, SeededRole]:
    """Create ``roles`` in the account (``account``'s clients, default credentials when
    ``None``; ``account_id`` names it for the control) and set when each was created and last
    used; returns them by role name, once IAM shows every one."""
    account = account or Account(aws.endpoint_url)
    now = now or datetime.now(UTC)
    iam = account.client("iam")
    made: dict[str, SeededRole] = {}
    for role in roles:
        name: str = iam.create_service_linked_role(AWSServiceName=role.principal)["Role"][
            "RoleName"
        ]
        used = None if role.used_days_ago is None else now - timedelta(days=role.used_days_ago)
        aws.set_role_last_used(
            name,
            used,
            role.region,
            created=now - timedelta(days=role.created_days_ago),
            account_id=account_id,
        )
        made[name] = role
    for name in made:
        account.wait_for_role(name)
    return made
