"""CloudTrail's answers for moto's server: moto's responses over the organization-trail backend
(:mod:`localaws.cloudtrail`), deletion tasks advanced first; and its registration with moto."""

from __future__ import annotations

import json

import moto.cloudtrail.urls
from moto.cloudtrail.models import cloudtrail_backends
from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.common_types import TYPE_RESPONSE
from moto.organizations.models import FakeDelegatedAdministrator

from localaws import iam
from localaws.cloudtrail import PRINCIPAL, OrganizationTrailBackend, role_usage
from localaws.cloudtrail_organizations import management_account_of
from localaws.restjson import JsonAuthorization

__all__ = ["OrganizationTrailResponse", "install"]


#: CloudTrail's operations IAM authorizes against the trail they name (the Service
#: Authorization Reference's ``trail`` resource); the rest against ``*``.
_ON_TRAIL = frozenset(
    {"UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging", "PutEventSelectors"}
)


class OrganizationTrailResponse(JsonAuthorization, CloudTrailResponse):
    """moto's CloudTrail responses; a request's changes and the deletion tasks they decide
    are serialized under :data:`localaws.iam.world_lock`, and authorized as AWS does
    (:class:`~localaws.restjson.JsonAuthorization`)."""

    def _determine_resource(self) -> str:
        """The trail a change names, by ARN (moto authorizes every call against ``*``)."""
        if self._get_action() not in _ON_TRAIL:
            return "*"
        name = str(self._get_param("Name") or self._get_param("TrailName") or "")
        if name.startswith("arn:"):
            return name
        return f"arn:{self.partition}:cloudtrail:{self.region}:{self.current_account}:trail/{name}"

    def call_action(self) -> TYPE_RESPONSE:
        with iam.world_lock:
            # Deletion tasks due before this call must see the usage before it: the caller's,
            # and its management account's (a delegated administrator changes those trails).
            accounts = {self.current_account, management_account_of(self.current_account)}
            for account in sorted(a for a in accounts if a):
                iam.advance_deletion_tasks(account, self.partition)
            return super().call_action()

    def get_trail(self) -> str:
        # AWS's GetTrail answers the trail's HomeRegion (moto's leaves it out).
        trail = self.cloudtrail_backend.get_trail(self._get_param("Name"))
        return json.dumps({"Trail": trail.description(include_region=True)})


def install() -> None:
    """Make moto's CloudTrail (backends created from now on, and its routes) CloudTrail's, let
    Organizations register CloudTrail delegated administrators, and report the role's users."""
    cloudtrail_backends.backend = OrganizationTrailBackend
    for account_backends in cloudtrail_backends.values():
        account_backends.backend = OrganizationTrailBackend
    for path in moto.cloudtrail.urls.url_paths:
        moto.cloudtrail.urls.url_paths[path] = OrganizationTrailResponse.dispatch
    # CloudTrail supports delegated administrators (moto's list lacks it).
    if PRINCIPAL not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
        FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(PRINCIPAL)
    iam.register_role_user(PRINCIPAL, role_usage)
