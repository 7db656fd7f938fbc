"""EC2 Auto Scaling's service-linked roles on moto's Auto Scaling backend, extended at run time;
and seed helpers that build groups on a local AWS.

Every group uses a service-linked role, as in AWS (Auto Scaling's guide, "Service-linked roles
for Amazon EC2 Auto Scaling"): the one its ``ServiceLinkedRoleARN`` names, else the default
``AWSServiceRoleForAutoScaling``, which ``CreateAutoScalingGroup`` creates when it is absent.
moto alone ignores ``ServiceLinkedRoleARN`` and creates no role. Here:

- a ``ServiceLinkedRoleARN`` (Create or Update) must name an Auto Scaling service-linked role
  that IAM shows (IAM is eventually consistent: a role just created is not seen at once), else
  ``ValidationError`` "ARN specified for Service-Linked Role does not exist." (the answer
  Terraform users quote right after creating the role);
- a second group of the same name is ``AlreadyExists`` (moto alone replaces the first);
- the IAM plug-in asks :func:`role_usage` which groups use a role when a deletion task
  completes; a group deleted, or moved to another role by ``UpdateAutoScalingGroup``, still
  uses its old role for ``usage_lag_seconds``;
- every Auto Scaling request first completes the account's due deletion tasks, and runs under
  ``iam.world_lock``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import moto.autoscaling.urls
from botocore.exceptions import ClientError
from moto.autoscaling.exceptions import AutoscalingClientError, ValidationError
from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup, autoscaling_backends
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.common_types import TYPE_RESPONSE
from moto.core.responses import ActionResult
from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition

from localaws import iam
from localaws.principals import service_linked_role_name
from localaws.seed import Account

__all__ = [
    "PRINCIPAL",
    "RealisticAutoScalingBackend",
    "RealisticAutoScalingResponse",
    "delete_group",
    "group",
    "groups",
    "install",
    "role_usage",
]

PRINCIPAL = "autoscaling.amazonaws.com"
DEFAULT_ROLE = service_linked_role_name(PRINCIPAL)
#: One of the AMIs moto knows in every region (its bundled defaults).
IMAGE_ID = "ami-12c6146b"

#: The ServiceLinkedRoleARN of the request being served: moto's response does not pass it on.
_requested_role: ContextVar[str | None] = ContextVar("requested_role", default=None)


class AlreadyExists(AutoscalingClientError):
    code = "AlreadyExists"


def _role_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


class RealisticAutoScalingBackend(AutoScalingBackend):
    """moto's Auto Scaling with AWS's service-linked roles."""

    @property
    def _url_module(self) -> Any:
        # moto derives the URL module from the class's module, which is ours.
        return moto.autoscaling.urls

    def _role_arn(self, role_name: str) -> str:
        partition = get_partition(self.region_name)
        path = f"role/aws-service-role/{PRINCIPAL}/{role_name}"
        return f"arn:{partition}:iam::{self.account_id}:{path}"

    def role_to_use(self, requested: str | None) -> str:
        """The ARN of the role a group asking for ``requested`` uses: the default for None or
        the default's ARN (it need not exist yet), else ``requested`` if IAM shows an Auto
        Scaling role by that ARN in the account; ``ValidationError`` otherwise."""
        if requested is None or requested == self._role_arn(DEFAULT_ROLE):
            return self._role_arn(DEFAULT_ROLE)
        backend = iam_backends[self.account_id][get_partition(self.region_name)]
        assert isinstance(backend, iam.RealisticIAMBackend), "localaws.iam not installed"
        try:
            role = backend.visible_role(_role_name(requested))
        except NotFoundException:
            role = None
        if role is None or role.arn != requested or role.path != f"/aws-service-role/{PRINCIPAL}/":
            raise ValidationError("ARN specified for Service-Linked Role does not exist.")
        return requested

    def _ensure(self, role_arn: str) -> None:
        """Auto Scaling creates its default role when a group is to use it and it is absent."""
        if _role_name(role_arn) == DEFAULT_ROLE:
            partition = get_partition(self.region_name)
            iam.ensure_service_linked_role(self.account_id, PRINCIPAL, partition)

    def _stopped(self, asg: FakeAutoScalingGroup, role_arn: str) -> None:
        role_name = _role_name(role_arn)
        iam.role_user_stopped(self.account_id, PRINCIPAL, self.region_name, asg.arn, role_name)

    def create_auto_scaling_group(self, *args: Any, **kwargs: Any) -> FakeAutoScalingGroup:
        name = kwargs["name"]
        if name in self.autoscaling_groups:
            raise AlreadyExists(
                f"AutoScalingGroup by this name already exists - A group with the name {name} "
                "already exists"
            )
        role_arn = self.role_to_use(_requested_role.get())
        created = super().create_auto_scaling_group(*args, **kwargs)
        self._ensure(role_arn)
        created.service_linked_role_arn = role_arn
        return created

    def use_role(self, group_name: str, requested: str) -> None:
        """UpdateAutoScalingGroup's ``ServiceLinkedRoleARN``: the old role's usage lags."""
        role_arn = self.role_to_use(requested)
        asg = self.autoscaling_groups[group_name]
        self._ensure(role_arn)
        old, asg.service_linked_role_arn = asg.service_linked_role_arn, role_arn
        if old != role_arn:
            self._stopped(asg, old)

    def delete_auto_scaling_group(self, group_name: str) -> None:
        deleted = self.autoscaling_groups.get(group_name)
        super().delete_auto_scaling_group(group_name)
        if deleted is not None:
            self._stopped(deleted, deleted.service_linked_role_arn)

    def groups_using(self, role_name: str) -> list[str]:
        """ARNs of the groups whose service-linked role is ``role_name``."""
        return [
            asg.arn
            for asg in self.autoscaling_groups.values()
            if _role_name(asg.service_linked_role_arn) == role_name
        ]


def role_usage(account_id: str, role_name: str) -> dict[str, list[str]]:
    """{region: [group ARN, ...]} of the account's groups that use the role."""
    # dict.get: BackendDict's own lookup would create an account as a side effect.
    account = dict.get(autoscaling_backends, account_id)
    if account is None:
        return {}
    usage: dict[str, list[str]] = {}
    for region, backend in sorted(dict.items(account)):
        arns = (
            backend.groups_using(role_name)
            if isinstance(backend, RealisticAutoScalingBackend)
            else []
        )
        if arns:
            usage[region] = arns
    return usage


@contextmanager
def _requesting(role_arn: str | None) -> Iterator[None]:
    token = _requested_role.set(role_arn)
    try:
        yield
    finally:
        _requested_role.reset(token)


class RealisticAutoScalingResponse(AutoScalingResponse):
    """moto's Auto Scaling responses, with ``ServiceLinkedRoleARN`` and deletion tasks."""

    @property
    def realistic_backend(self) -> RealisticAutoScalingBackend:
        backend = self.autoscaling_backend
        assert isinstance(backend, RealisticAutoScalingBackend), (
            "localaws.autoscaling not installed"
        )
        return backend

    def call_action(self) -> TYPE_RESPONSE:
        with iam.world_lock:
            # Deletion tasks due before this call must see the usage before it.
            iam.advance_deletion_tasks(self.current_account, self.partition)
            response: TYPE_RESPONSE = super().call_action()  # moto's decorator hides its type
            return response

    def create_auto_scaling_group(self) -> ActionResult:
        with _requesting(self._get_param("ServiceLinkedRoleARN") or None):
            return super().create_auto_scaling_group()

    def update_auto_scaling_group(self) -> ActionResult:
        requested = self._get_param("ServiceLinkedRoleARN")
        if requested:
            self.realistic_backend.role_to_use(requested)  # refused before anything changes
        result = super().update_auto_scaling_group()
        if requested:
            self.realistic_backend.use_role(self._get_param("AutoScalingGroupName"), requested)
        return result


def install() -> None:
    """Make moto's Auto Scaling (backends created from now on, and its server route) realistic,
    and register its groups as users of its service-linked roles (idempotent)."""
    autoscaling_backends.backend = RealisticAutoScalingBackend
    for account_backends in autoscaling_backends.values():
        account_backends.backend = RealisticAutoScalingBackend
    for path in moto.autoscaling.urls.url_paths:
        moto.autoscaling.urls.url_paths[path] = RealisticAutoScalingResponse.dispatch
    iam.register_role_user_by_role(PRINCIPAL, role_usage)


# Seed helpers: groups on a local AWS, through boto3.


def _template(name: str) -> str:
    return f"asg-{name}"[:128]


def group(account: Account, region: str, name: str, *, role_arn: str | None = None) -> str:
    """Create an empty group (a launch template of its own, every zone of the region, capacity
    0) using ``role_arn`` (which IAM must already show: ``Account.create_role`` waits for it),
    else the default role; returns the group's ARN."""
    ec2 = account.client("ec2", region)
    try:
        ec2.create_launch_template(
            LaunchTemplateName=_template(name),
            LaunchTemplateData={"ImageId": IMAGE_ID, "InstanceType": "t3.micro"},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "InvalidLaunchTemplateName.AlreadyExistsException":
            raise
    zones = [zone["ZoneName"] for zone in ec2.describe_availability_zones()["AvailabilityZones"]]
    autoscaling = account.client("autoscaling", region)
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateName": _template(name), "Version": "$Latest"},
        MinSize=0,
        MaxSize=1,
        DesiredCapacity=0,
        AvailabilityZones=zones,
        **({"ServiceLinkedRoleARN": role_arn} if role_arn else {}),
    )
    [created] = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ]
    arn: str = created["AutoScalingGroupARN"]
    return arn


def groups(account: Account, region: str) -> dict[str, str]:
    """name -> ServiceLinkedRoleARN of every group in ``region``."""
    pages = account.client("autoscaling", region).get_paginator("describe_auto_scaling_groups")
    return {
        found["AutoScalingGroupName"]: found["ServiceLinkedRoleARN"]
        for page in pages.paginate()
        for found in page["AutoScalingGroups"]
    }


def delete_group(account: Account, region: str, name: str) -> None:
    """Delete the group (``ForceDelete``: its instances too) and the launch template
    :func:`group` made for it."""
    account.client("autoscaling", region).delete_auto_scaling_group(
        AutoScalingGroupName=name, ForceDelete=True
    )
    try:
        account.client("ec2", region).delete_launch_template(LaunchTemplateName=_template(name))
    except ClientError as error:
        if "NotFound" not in error.response["Error"]["Code"]:
            raise
