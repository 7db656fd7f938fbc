"""Amazon EC2 Auto Scaling's service-linked role, ``AWSServiceRoleForAutoScaling``.

Every Auto Scaling group that names the role (in its ``ServiceLinkedRoleARN``, the default
when a group names none) uses it, for as long as the group exists. AWS's guide: only deleting
those groups frees the role. No write of ours clears one, so the groups are a kind only a
person can clear: the engine lists each with what to do and refuses a way through them before
any write; once a person has deleted them, the same command completes.
"""

from __future__ import annotations

from typing import Any

from lifecycle import Access, Demo, Dependent, Kind, Operation, Reads, RetryPolicy, Workflow

__all__ = ["WORKFLOW", "Groups"]

PRINCIPAL = "autoscaling.amazonaws.com"
ROLE = "AWSServiceRoleForAutoScaling"
GROUP = "auto-scaling-group"

DESCRIBE_GROUPS = Operation("autoscaling", "DescribeAutoScalingGroups", Access.READ)


class Groups(Kind):
    """Auto Scaling groups whose ``ServiceLinkedRoleARN`` is the role: each uses it."""

    name = GROUP
    reads = (DESCRIBE_GROUPS,)
    person_only = True
    by_hand = (
        "delete the group (DeleteAutoScalingGroup), or point its ServiceLinkedRoleARN at "
        "another Auto Scaling role (UpdateAutoScalingGroup)"
    )

    def __init__(self, role_name: str = ROLE) -> None:
        #: How a group's ``ServiceLinkedRoleARN`` ends when it names the role (a role with a
        #: ``CustomSuffix`` is another role, with its own users).
        self._role = f":role/aws-service-role/{PRINCIPAL}/{role_name}"

    def list(self, aws: Reads, region: str, policy: RetryPolicy) -> list[Dependent]:
        groups = aws.paginate(
            "autoscaling",
            DESCRIBE_GROUPS.name,
            region,
            {"MaxRecords": 100},
            items="AutoScalingGroups",
            policy=policy,
        )
        return [_group(region, item) for item in groups if self._names_role(item)]

    def _names_role(self, group: dict[str, Any]) -> bool:
        return str(group.get("ServiceLinkedRoleARN", "")).endswith(self._role)


def _group(region: str, item: dict[str, Any]) -> Dependent:
    return Dependent(
        region,
        GROUP,
        item["AutoScalingGroupName"],
        item.get("AutoScalingGroupARN", ""),
        active=True,
    )


#: Groups of ``slr demo``'s account, by region.
_DEMO_GROUPS = {"us-east-1": ("web-frontend", "batch-workers"), "eu-west-1": ("web-frontend",)}


def _seed(endpoint_url: str) -> str:
    from localaws import autoscaling
    from localaws.seed import Account

    account = Account(endpoint_url)
    for region, names in _DEMO_GROUPS.items():
        for name in names:
            autoscaling.group(account, region, name)
    return (
        "three Auto Scaling groups in us-east-1 and eu-west-1; the first one made "
        "AWSServiceRoleForAutoScaling, which every group names by default."
    )


def _delete_groups(endpoint_url: str) -> str:
    from localaws import autoscaling
    from localaws.seed import Account

    account = Account(endpoint_url)
    for region, names in _DEMO_GROUPS.items():
        for name in names:
            autoscaling.delete_group(account, region, name)
    return "they deleted the three groups."


WORKFLOW = Workflow(
    name="autoscaling",
    title="Amazon EC2 Auto Scaling",
    principal=PRINCIPAL,
    role_name=ROLE,
    service="autoscaling",
    kinds=(Groups(),),
    demo=Demo(_seed, by_hand=_delete_groups),
)
