"""IAM's answers for moto's server: the service-linked role operations moto lacks or answers
unlike AWS, and the registration of the realistic backend and its routes."""

from __future__ import annotations

import moto.iam.urls
from moto.core.common_types import TYPE_RESPONSE
from moto.core.responses import ActionResult
from moto.iam.models import (
    iam_backends,
)
from moto.iam.responses import IamResponse

from localaws.authorization import AuthorizedRequest
from localaws.iam import RealisticIAMBackend
from localaws.last_used import Role as ShownRole
from localaws.last_used import authorization_details
from localaws.principals import (
    principal_of,
    service_linked_role_name,
)
from localaws.validation import check

__all__ = ["RealisticIamResponse", "install"]


class RealisticIamResponse(IamResponse):
    """moto's IAM responses, plus lazy deletion tasks and a real deletion status."""

    @property
    def realistic_backend(self) -> RealisticIAMBackend:
        backend = self.backend
        assert isinstance(backend, RealisticIAMBackend), "localaws.iam not installed"
        return backend

    def call_action(self) -> TYPE_RESPONSE:
        self.realistic_backend.advance_deletion_tasks()
        return super().call_action()

    def get_role(self) -> ActionResult:
        role = self.realistic_backend.visible_role(self._get_param("RoleName"))
        return ActionResult({"Role": ShownRole(role)})

    def get_account_authorization_details(self) -> ActionResult:
        return ActionResult(
            authorization_details(
                self.realistic_backend,
                self._get_param("Filter", []),
                self._get_param("Marker"),
                self._get_param("MaxItems"),
            )
        )

    def get_service_linked_role_deletion_status(self) -> ActionResult:
        task_id = self._get_param("DeletionTaskId")
        return ActionResult(self.realistic_backend.deletion_task_status(task_id))

    # IAM validates its input before it acts on it (moto stores any description).

    def create_service_linked_role(self) -> ActionResult:
        check(self._get_action(), self._get_param)
        return super().create_service_linked_role()

    def update_role(self) -> ActionResult:
        check(self._get_action(), self._get_param)
        return super().update_role()

    def update_role_description(self) -> ActionResult:
        check(self._get_action(), self._get_param)
        return super().update_role_description()

    def _authenticate_and_authorize_normal_action(self, resource: str = "*") -> None:
        self._authenticate_and_authorize_action(AuthorizedRequest, resource)

    def _determine_resource(self) -> str:
        """The ARN AWS authorizes the request against: the role it names (or would create)."""
        action = self._get_action()
        if action == "CreateServiceLinkedRole":
            principal = self._get_param("AWSServiceName")
            if not principal:
                return "*"
            name = service_linked_role_name(principal, self._get_param("CustomSuffix"))
            return self._role_arn(f"/aws-service-role/{principal}/", name)
        if action == "GetServiceLinkedRoleDeletionStatus":
            # task/aws-service-role/<principal>/<role name>/<uuid>
            parts = str(self._get_param("DeletionTaskId") or "").split("/")
            if len(parts) != 5 or parts[:2] != ["task", "aws-service-role"]:
                return "*"
            return self._role_arn(f"/aws-service-role/{parts[2]}/", parts[3])
        role_name = self._get_param("RoleName")
        if role_name:
            role = next((r for r in self.backend.get_roles() if r.name == role_name), None)
            if role is not None:
                return str(role.arn)
            principal = principal_of(role_name)
            path = f"/aws-service-role/{principal}/" if principal else "/"
            return self._role_arn(path, role_name)
        return super()._determine_resource()

    def _role_arn(self, path: str, name: str) -> str:
        return f"arn:{self.partition}:iam::{self.current_account}:role{path}{name}"


def install() -> None:
    """Make moto's IAM (backends created from now on, and its server routes) realistic."""
    iam_backends.backend = RealisticIAMBackend
    for account_backends in iam_backends.values():
        account_backends.backend = RealisticIAMBackend
    for path in moto.iam.urls.url_paths:
        moto.iam.urls.url_paths[path] = RealisticIamResponse.dispatch
