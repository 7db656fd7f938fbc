"""IAM realism for service-linked roles, installed into moto's IAM at run time.

moto alone names MediaTailor's role ``AWSServiceRoleFormediatailor``, answers a second create
with ``EntityAlreadyExists``, lets ``DeleteRole`` remove a service-linked role and deletes on
``DeleteServiceLinkedRole`` at once. Here, as in AWS:

- the role gets its documented name (``SERVICE_LINKED_ROLES``) and managed policy;
- a second create fails with ``InvalidInput`` ("Service role name ... has been taken ..."),
  and so do a ``CustomSuffix`` for a service that takes none (MediaTailor: "Custom suffix is
  not allowed for mediatailor.amazonaws.com") and a principal that names no AWS service
  (moto alone creates a role for any principal);
- ``DeleteRole`` and the policy-changing calls on a service-linked role fail with
  ``UnmodifiableEntity``;
- ``DeleteServiceLinkedRole`` starts an asynchronous deletion task (the same id while one
  runs) that reads ``NOT_STARTED``, ``IN_PROGRESS``, then ``SUCCEEDED`` (the role is gone) or
  ``FAILED`` with a ``RoleUsageList`` when a registered service still uses the role, or
  stopped using it less than ``usage_lag_seconds`` before (MediaTailor's guide: the deletion
  "might fail ... wait for a few minutes and try the operation again"); a new task is unknown
  to its status call for ``task_visibility_seconds`` (ekristen/aws-nuke#639); a
  finished task is forgotten ``task_retention_seconds`` after it finished, and its status
  call then answers ``NoSuchEntity`` as for an unknown id (gruntwork-io/cloud-nuke#1143);
- GetRole and ListRoles are eventually consistent (:mod:`localaws.consistency`);
- a description IAM refuses (too long, a character outside its pattern) is a
  ``ValidationError`` (:mod:`localaws.validation`);
- under moto's IAM enforcement, a request is authorized as AWS does it
  (:mod:`localaws.authorization`) against the ARN of the role it names, even one
  that does not exist yet: ``CreateServiceLinkedRole`` against the role it would create (and
  ``iam:AWSServiceName`` is evaluated), ``GetServiceLinkedRoleDeletionStatus`` against the
  role of the task. moto alone uses ``*`` for a role it does not hold, which no statement
  scoped to the role's ARN matches.

Time is evaluated lazily: due tasks complete at the next IAM request of their account (or the
next request of a service that reports role usage), so no background thread is needed, and
the usage that decides a task is the usage at the moment it completes.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any, cast

import moto.iam.urls
from moto.iam.exceptions import IAMException, NotFoundException
from moto.iam.models import (
    AWSManagedPolicy,
    IAMBackend,
    ManagedPolicy,
    Role,
    filter_items_with_path_prefix,
    iam_backends,
)

from localaws import clock, settings
from localaws.consistency import RoleVisibility
from localaws.deletion_tasks import DeletionTask
from localaws.principals import (
    SERVICE_LINKED_ROLES,
    InvalidInput,
    ServiceLinkedRole,
    check_principal,
    service_linked_role_name,
)

__all__ = [
    "SERVICE_LINKED_ROLES",
    "DeletionTask",
    "RealisticIAMBackend",
    "ServiceLinkedRole",
    "advance_deletion_tasks",
    "ensure_service_linked_role",
    "forget_stopped_users",
    "register_role_user",
    "register_role_user_by_role",
    "role_user_stopped",
    "service_linked_role_name",
    "world_lock",
]

#: Serializes changes that a deletion task's outcome depends on: the tasks themselves and the
#: state of every service that reports role usage. moto's server is threaded.
world_lock = threading.RLock()


#: A service's answer to "what uses this role in the account?": {region: [resource ARN, ...]}.
RoleUsage = Callable[[str], Mapping[str, list[str]]]
#: The same for one of a principal's roles (several, with a CustomSuffix): (account, role name).
RoleUsageByRole = Callable[[str, str], Mapping[str, list[str]]]
_role_users: dict[str, RoleUsageByRole] = {}


def register_role_user(principal: str, usage: RoleUsage) -> None:
    """Let a service's backend report which of its resources use its service-linked role."""
    _role_users[principal] = lambda account_id, _role_name: usage(account_id)


def register_role_user_by_role(principal: str, usage: RoleUsageByRole) -> None:
    """The same for a service whose roles take a CustomSuffix: ``usage(account, role name)``
    names what uses that one role."""
    _role_users[principal] = usage


#: (account, principal) -> {(resource ARN, role name or None for any of the principal's):
#: (region, when it stopped using the role)}.
_stopped: dict[tuple[str, str], dict[tuple[str, str | None], tuple[str, float]]] = {}


def role_user_stopped(
    account_id: str, principal: str, region: str, arn: str, role_name: str | None = None
) -> None:
    """A service's resource stopped using the role (turned off or deleted; ``role_name`` when
    the principal has several): for ``usage_lag_seconds`` more, a deletion task of that role
    still finds it using the role, as AWS's do."""
    with world_lock:
        stopped = _stopped.setdefault((account_id, principal), {})
        stopped[arn, role_name] = (region, clock.now())


def forget_stopped_users() -> None:
    """Forget when resources stopped using roles (the local AWS was reset)."""
    with world_lock:
        _stopped.clear()


def _lagging(account_id: str, principal: str, role: str, at: float) -> dict[str, list[str]]:
    """{region: [ARN, ...]} of the role's users that stopped less than the lag before ``at``."""
    lag = settings.current().usage_lag_seconds
    found: dict[str, list[str]] = {}
    for (arn, of), (region, when) in _stopped.get((account_id, principal), {}).items():
        if of in (None, role) and at - when < lag:
            found.setdefault(region, []).append(arn)
    return found


class UnmodifiableEntity(IAMException):
    code = "UnmodifiableEntity"


def _is_service_linked(role: Role) -> bool:
    return str(role.path).startswith("/aws-service-role/")


def _unmodifiable(role_name: str) -> UnmodifiableEntity:
    return UnmodifiableEntity(
        f"Cannot perform the operation on the protected role '{role_name}' - "
        "this role is only modifiable by AWS"
    )


_aws_policy_documents: dict[str, Any] = {}


def _aws_managed_policy_data(name: str) -> Any:
    # moto only loads AWS managed policies on request (slow); parse its bundled data once.
    if not _aws_policy_documents:
        from moto.iam.aws_managed_policies import aws_managed_policies_data

        _aws_policy_documents.update(json.loads(aws_managed_policies_data))
    return _aws_policy_documents.get(name)


class RealisticIAMBackend(IAMBackend):
    """moto's IAM backend with AWS's service-linked role behaviour."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name=region_name, account_id=account_id)
        self.deletion_tasks: dict[str, DeletionTask] = {}
        self.visibility: RoleVisibility[Role] = RoleVisibility()

    @property
    def _url_module(self) -> Any:
        # moto derives the URL module from the class's module, which is ours.
        return moto.iam.urls

    def create_service_linked_role(
        self, service_name: str, description: str | None, suffix: str
    ) -> Role:
        check_principal(service_name, suffix)
        spec = SERVICE_LINKED_ROLES.get(service_name)
        role_name = service_linked_role_name(service_name, suffix)
        with world_lock:
            if any(role.name == role_name for role in self.get_roles()):
                raise InvalidInput(
                    f"Service role name {role_name} has been taken in this account, "
                    "please try a different suffix."
                )
            trust = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": [service_name]},
                        "Action": ["sts:AssumeRole"],
                    }
                ],
            }
            role = self.create_role(
                role_name,
                json.dumps(trust),
                f"/aws-service-role/{service_name}/",
                permissions_boundary=None,
                # None (no Description) is what moto's own response passes too.
                description=cast(str, description),
                tags=[],
                max_session_duration="3600",
                linked_service=service_name,
            )
            if spec and spec.managed_policy:
                policy = self._aws_managed_policy(spec.managed_policy)
                if policy is not None:
                    policy.attach_to(role)
            delay = settings.current().iam_consistency_seconds
            self.visibility.created(role_name, clock.now(), delay)
            return role

    def visible_role(self, role_name: str) -> Role:
        """GetRole's answer: as eventually consistent as IAM's."""
        now = clock.now()
        role = next((r for r in self.get_roles() if r.name == role_name), None)
        if role is not None and self.visibility.hides(role_name, now):
            role = None  # created, not shown yet
        elif role is None:
            role = self.visibility.ghost(role_name, now)  # removed, still shown
        if role is None:
            raise NotFoundException(f"The role with name {role_name} cannot be found.")
        return role

    def list_roles(
        self,
        path_prefix: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> tuple[list[Role], str | None]:
        """moto's ListRoles (pages by position in id order) over the roles IAM shows now."""
        seen = self.visibility.seen({r.name: r for r in self.get_roles()}, clock.now())
        roles = sorted(filter_items_with_path_prefix(path_prefix or "/", seen), key=lambda r: r.id)
        start, count = int(marker or 0), int(max_items or 100)
        more = len(roles) > start + count
        return roles[start : start + count], str(start + count) if more else None

    def _aws_managed_policy(self, name: str) -> ManagedPolicy | None:
        for policy in self.managed_policies.values():
            if policy.name == name and isinstance(policy, AWSManagedPolicy):
                return policy
        data = _aws_managed_policy_data(name)
        if data is None:
            return None
        policy = AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
        self.managed_policies[policy.arn] = policy
        return policy

    def _role_named(self, role_name: str) -> Role:
        for role in self.get_roles():
            if role.name == role_name:
                return role
        raise NotFoundException(f"The role with name {role_name} cannot be found.")

    def _refuse_if_service_linked(self, role_name: str) -> None:
        role = next((r for r in self.get_roles() if r.name == role_name), None)
        if role is not None and _is_service_linked(role):
            raise _unmodifiable(role_name)

    def delete_role(self, role_name: str) -> None:
        self._refuse_if_service_linked(role_name)
        super().delete_role(role_name)

    def attach_role_policy(self, policy_arn: str, role_name: str) -> None:
        self._refuse_if_service_linked(role_name)
        super().attach_role_policy(policy_arn, role_name)

    def detach_role_policy(self, policy_arn: str, role_name: str) -> None:
        self._refuse_if_service_linked(role_name)
        super().detach_role_policy(policy_arn, role_name)

    def put_role_policy(self, role_name: str, policy_name: str, policy_json: str) -> None:
        self._refuse_if_service_linked(role_name)
        super().put_role_policy(role_name, policy_name, policy_json)

    def delete_role_policy(self, role_name: str, policy_name: str) -> None:
        self._refuse_if_service_linked(role_name)
        super().delete_role_policy(role_name, policy_name)

    def update_assume_role_policy(self, role_name: str, policy_document: str) -> None:
        self._refuse_if_service_linked(role_name)
        super().update_assume_role_policy(role_name, policy_document)

    def put_role_permissions_boundary(self, role_name: str, permissions_boundary: str) -> None:
        self._refuse_if_service_linked(role_name)
        super().put_role_permissions_boundary(role_name, permissions_boundary)

    def delete_role_permissions_boundary(self, role_name: str) -> None:
        self._refuse_if_service_linked(role_name)
        super().delete_role_permissions_boundary(role_name)

    def delete_service_linked_role(self, role_name: str) -> str:
        with world_lock:
            self.advance_deletion_tasks()
            role = self._role_named(role_name)
            if not _is_service_linked(role):
                raise InvalidInput(f"Role {role_name} is not a service-linked role.")
            for task in self.deletion_tasks.values():
                if task.role_name == role_name and task.outcome is None:
                    return task.task_id
            principal = str(role.path).split("/")[2]
            task_id = f"task/aws-service-role/{principal}/{role_name}/{uuid.uuid4()}"
            self.deletion_tasks[task_id] = DeletionTask(
                task_id=task_id,
                role_name=role_name,
                principal=principal,
                started=clock.now(),
                duration=settings.current().deletion_seconds,
                hidden=settings.current().task_visibility_seconds,
            )
            return task_id

    def deletion_task_status(self, task_id: str) -> dict[str, Any]:
        """The GetServiceLinkedRoleDeletionStatus result for a task."""
        with world_lock:
            self.advance_deletion_tasks()
            task = self.deletion_tasks.get(task_id)
            if task is None or not task.is_visible(clock.now()):
                raise NotFoundException(f"Deletion task {task_id} cannot be found.")
            result: dict[str, Any] = {"Status": task.status(clock.now())}
            if task.reason is not None:
                result["Reason"] = task.reason
            return result

    def advance_deletion_tasks(self) -> None:
        """Complete every task whose time has come, deciding its outcome now; forget those
        finished longer ago than ``task_retention_seconds``."""
        with world_lock:
            now = clock.now()
            retention = settings.current().task_retention_seconds
            for task_id, task in list(self.deletion_tasks.items()):
                if task.is_due(now):
                    self._complete(task)
                if task.is_forgotten(now, retention):
                    del self.deletion_tasks[task_id]

    def _complete(self, task: DeletionTask) -> None:
        usage_of = _role_users.get(task.principal)
        usage = {
            region: list(dict.fromkeys(arns))
            for region, arns in _merged(
                usage_of(self.account_id, task.role_name) if usage_of else {},
                _lagging(self.account_id, task.principal, task.role_name, task.finished),
            ).items()
        }
        if usage:
            task.outcome = "FAILED"
            task.reason = {
                "Reason": (
                    f"The service-linked role {task.role_name} is in use by resources in "
                    f"{len(usage)} region(s). Delete or deactivate those resources, then "
                    "try again."
                ),
                "RoleUsageList": [
                    {"Region": region, "Resources": list(arns)}
                    for region, arns in sorted(usage.items())
                ],
            }
            return
        task.outcome = "SUCCEEDED"
        role = next((r for r in self.get_roles() if r.name == task.role_name), None)
        if role is not None:
            for policy in list(role.managed_policies.values()):
                policy.detach_from(role)
            del self.roles[role.id]
            delay = settings.current().iam_consistency_seconds
            self.visibility.removed(role.name, role, task.finished, delay)


def _merged(*usages: Mapping[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for usage in usages:
        for region, arns in usage.items():
            merged.setdefault(region, []).extend(arns)
    return merged


def ensure_service_linked_role(account_id: str, principal: str, partition: str = "aws") -> None:
    """Create the principal's service-linked role unless it exists, as services do themselves."""
    backend = iam_backends[account_id][partition]
    assert isinstance(backend, RealisticIAMBackend), "localaws.iam not installed"
    role_name = service_linked_role_name(principal)
    with world_lock:
        if any(role.name == role_name for role in backend.get_roles()):
            return
        backend.create_service_linked_role(principal, None, "")


def advance_deletion_tasks(account_id: str, partition: str = "aws") -> None:
    """Complete the account's due deletion tasks (call before changing role usage)."""
    backend = iam_backends[account_id][partition]
    if isinstance(backend, RealisticIAMBackend):
        backend.advance_deletion_tasks()
