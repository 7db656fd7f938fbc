"""Who may make CloudTrail organization trails, as CloudTrail decides it from Organizations
(moto's): the management account, or a delegated administrator for ``cloudtrail.amazonaws.com``
(then the management account owns the trail and must have the role already); the refusals are
the errors of botocore's ``cloudtrail`` model."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError
from moto.iam.models import iam_backends
from moto.organizations.models import OrganizationsBackend, organizations_backends

from localaws.principals import service_linked_role_name

__all__ = [
    "PRINCIPAL",
    "CloudTrailError",
    "administers_for",
    "management_account_of",
    "organization_trail_owner",
]

PRINCIPAL = "cloudtrail.amazonaws.com"


class CloudTrailError(JsonRESTError):
    """An error CloudTrail answers with (json, 400), its code the class's name."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__(type(self).__name__, message)


class OrganizationsNotInUseException(CloudTrailError):
    pass


class OrganizationNotInAllFeaturesModeException(CloudTrailError):
    pass


class NotOrganizationMasterAccountException(CloudTrailError):
    pass


class CloudTrailAccessNotEnabledException(CloudTrailError):
    pass


class NoManagementAccountSLRExistsException(CloudTrailError):
    pass


def _organization(account_id: str) -> OrganizationsBackend | None:
    """The Organizations state of the account's organization (its management account's)."""
    # dict.get: BackendDict's own lookups would create backends as a side effect.
    management = organizations_backends.master_accounts.get(account_id, (account_id, ""))[0]
    regions = dict.get(organizations_backends, management)
    if regions is None:
        return None
    return next((backend for backend in dict.values(regions) if backend.org is not None), None)


def management_account_of(account_id: str) -> str | None:
    """The management account of the account's organization (itself, for one), if any."""
    organization = _organization(account_id)
    return organization.org.master_account_id if organization and organization.org else None


def _delegated_administrator(organization: OrganizationsBackend, account_id: str) -> bool:
    return any(
        admin.account.id == account_id and PRINCIPAL in admin.services
        for admin in organization.admins
    )


def _has_role(account_id: str, partition: str) -> bool:
    name = service_linked_role_name(PRINCIPAL)
    return any(role.name == name for role in iam_backends[account_id][partition].get_roles())


def organization_trail_owner(account_id: str, partition: str) -> str:
    """The account that owns an organization trail ``account_id`` makes, or CloudTrail's
    refusal: the management account, for itself and for a delegated administrator."""
    organization = _organization(account_id)
    if organization is None or organization.org is None:
        raise OrganizationsNotInUseException(
            "This request is not valid because the account is not a member of an organization."
        )
    if organization.org.feature_set != "ALL":
        raise OrganizationNotInAllFeaturesModeException(
            "All features must be enabled in your organization to create an organization trail."
        )
    management = organization.org.master_account_id
    if account_id != management and not _delegated_administrator(organization, account_id):
        raise NotOrganizationMasterAccountException(
            "You cannot configure or manage trails for an organization because this action "
            "requires being signed in with the management account."
        )
    if not any(service["ServicePrincipal"] == PRINCIPAL for service in organization.services):
        raise CloudTrailAccessNotEnabledException(
            "Trusted access between CloudTrail and Organizations is not enabled for this "
            "organization."
        )
    if account_id != management and not _has_role(management, partition):
        raise NoManagementAccountSLRExistsException(
            f"The management account {management} does not have the service-linked role "
            f"{service_linked_role_name(PRINCIPAL)}."
        )
    return management


def administers_for(account_id: str, management: str) -> bool:
    """Whether ``account_id`` is a CloudTrail delegated administrator of ``management``'s
    organization."""
    organization = _organization(account_id)
    return (
        organization is not None
        and organization.org is not None
        and organization.org.master_account_id == management
        and _delegated_administrator(organization, account_id)
    )
