"""STS for moto's server, as strict as AWS about the role it assumes.

moto alone lets any role ARN be assumed, whether the role exists or not. Here, as in AWS,
assuming a role that does not exist in a member account of an organization served here is
refused with ``AccessDenied`` (403): an account invited into an organization, or one whose
``OrganizationAccountAccessRole`` was deleted, cannot be entered. Accounts no organization
here knows stay as moto has them (any role can be assumed): tests name made-up accounts.
"""

from __future__ import annotations

from typing import Any

import moto.sts.urls
from moto.core.exceptions import AccessDeniedError
from moto.iam.models import iam_backends
from moto.organizations.models import organizations_backends
from moto.sts.models import AssumedRole, STSBackend, sts_backends

__all__ = ["StrictSTSBackend", "install"]


def _member(account: str) -> bool:
    # dict.values: BackendDict's own lookups would create backends as a side effect.
    return any(
        any(member.id == account for member in backend.accounts)
        for regions in dict.values(organizations_backends)
        for backend in dict.values(regions)
    )


def _has_role(account: str, name: str) -> bool:
    regions = dict.get(iam_backends, account)
    return regions is not None and any(
        any(role.name == name for role in backend.roles.values())
        for backend in dict.values(regions)
    )


class StrictSTSBackend(STSBackend):
    """moto's STS refusing a role an organization's member account does not have."""

    @property
    def _url_module(self) -> Any:
        # moto derives the URL module from the class's module, which is ours.
        return moto.sts.urls

    def assume_role(
        self,
        region_name: str,
        role_session_name: str,
        role_arn: str,
        policy: str,
        duration: int,
        external_id: str,
    ) -> AssumedRole:
        # arn:PARTITION:iam::ACCOUNT:role/PATH/NAME
        parts = role_arn.split(":", 5)
        if (
            len(parts) == 6
            and _member(parts[4])
            and not _has_role(parts[4], parts[5].rsplit("/", 1)[-1])
        ):
            partition = parts[1]
            raise AccessDeniedError(
                f"arn:{partition}:iam::{self.account_id}:root",
                f"sts:AssumeRole on resource: {role_arn}",
            )
        return super().assume_role(
            region_name, role_session_name, role_arn, policy, duration, external_id
        )


def install(*_: Any) -> None:
    """Make moto's STS strict about roles (backends created from now on)."""
    sts_backends.backend = StrictSTSBackend
    for account_backends in dict.values(sts_backends):
        account_backends.backend = StrictSTSBackend
