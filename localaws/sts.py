"""STS for moto's server, as strict as AWS about the role it assumes and how long its
credentials last.

moto alone lets any role ARN be assumed, whether the role exists or not. Here, as in AWS,
assuming a role that does not exist in a member account of an organization served here is
refused with ``AccessDenied`` (403): an account invited into an organization, or one whose
``OrganizationAccountAccessRole`` was deleted, cannot be entered. Accounts no organization
here knows stay as moto has them (any role can be assumed): tests name made-up accounts.

moto alone states an ``Expiration`` and serves the keys for ever after it. Here, as in AWS, an
assumed role's session lasts ``DurationSeconds`` (900 up to the role's ``MaxSessionDuration``,
else ``ValidationError``), or the ``credential_seconds`` setting when the request names none
(AWS: an hour); a role assumed with an assumed role's credentials (role chaining) lasts an hour
at most, and a longer ``DurationSeconds`` is refused. Once the session is over, every call
signed with its keys is refused (:func:`expired`; the app answers before anything else runs).
"""

from __future__ import annotations

import time
from datetime import UTC
from typing import Any

import moto.sts.urls
from moto.core.exceptions import AccessDeniedError
from moto.iam.models import Role, iam_backends
from moto.organizations.models import organizations_backends
from moto.sts.exceptions import STSValidationError
from moto.sts.models import AssumedRole, STSBackend, sts_backends
from moto.sts.responses import TokenResponse

from localaws import clock, settings

__all__ = ["ExpiringTokenResponse", "StrictSTSBackend", "expired", "forget_credentials", "install"]

#: AWS's bounds of ``DurationSeconds``, and the longest session of a chained role.
_SHORTEST, _LONGEST, _CHAINED = 900, 43200, 3600

#: When the session of each key AssumeRole issued here ends (``time.time()`` plus how far tests
#: had moved the local AWS's clock: :mod:`localaws.clock`), by access key.
_ends: dict[str, float] = {}


def expired(access_key: str) -> bool:
    """Whether ``access_key`` is an assumed role's whose session is over."""
    end = _ends.get(access_key)
    return end is not None and time.time() + clock.ahead() >= end


def forget_credentials() -> None:
    """Forget every session issued (their keys then never expire, as moto's own)."""
    _ends.clear()


def _member(account: str) -> bool:
    # dict.values: BackendDict's own lookups would create backends as a side effect.
    return any(
        any(member.id == account for member in backend.accounts)
        for regions in dict.values(organizations_backends)
        for backend in dict.values(regions)
    )


def _role(role_arn: str) -> Role | None:
    """The role ``role_arn`` (arn:PARTITION:iam::ACCOUNT:role/PATH/NAME) names, if it exists."""
    parts = role_arn.split(":", 5)
    regions = dict.get(iam_backends, parts[4]) if len(parts) == 6 else None
    if regions is None:
        return None
    name = parts[5].rsplit("/", 1)[-1]
    return next(
        (
            role
            for backend in dict.values(regions)
            for role in backend.roles.values()
            if role.name == name
        ),
        None,
    )


class StrictSTSBackend(STSBackend):
    """moto's STS refusing a role an organization's member account does not have, and
    remembering when each session it issues ends."""

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
        if len(parts) == 6 and _member(parts[4]) and _role(role_arn) is None:
            partition = parts[1]
            raise AccessDeniedError(
                f"arn:{partition}:iam::{self.account_id}:root",
                f"sts:AssumeRole on resource: {role_arn}",
            )
        assumed = super().assume_role(
            region_name, role_session_name, role_arn, policy, duration, external_id
        )
        # moto's expiration is naive UTC; the key ends exactly when AssumeRole says it does.
        ends = assumed.expiration.replace(tzinfo=UTC).timestamp()
        _ends[assumed.access_key_id] = ends + clock.ahead()
        return assumed


class ExpiringTokenResponse(TokenResponse):
    """moto's STS responses, AssumeRole's session as long as AWS makes it."""

    def _get_int_param(self, param_name: str, if_none: Any = None) -> Any:
        # moto's assume_role reads its session's length here (3600 when none is asked).
        if param_name == "DurationSeconds" and self._get_action() == "AssumeRole":
            return self._session_seconds()
        return super()._get_int_param(param_name, if_none)

    def _session_seconds(self) -> float:
        asked = super()._get_int_param("DurationSeconds")
        chained = self.get_access_key() in _ends
        if asked is None:
            default = settings.current().credential_seconds
            return min(default, _CHAINED) if chained else default
        if not _SHORTEST <= asked <= _LONGEST:
            bound = (
                f"greater than or equal to {_SHORTEST}"
                if asked < _SHORTEST
                else f"less than or equal to {_LONGEST}"
            )
            raise STSValidationError(
                f"1 validation error detected: Value '{asked}' at 'durationSeconds' failed to "
                f"satisfy constraint: Member must have value {bound}"
            )
        if chained and asked > _CHAINED:
            raise STSValidationError(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                "assumed by role chaining."
            )
        role = _role(str(self._get_param("RoleArn") or ""))
        if role is not None and asked > int(role.max_session_duration or _CHAINED):
            raise STSValidationError(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            )
        return float(asked)


def install(*_: Any) -> None:
    """Make moto's STS strict about roles and sessions (backends created from now on, and its
    server routes)."""
    sts_backends.backend = StrictSTSBackend
    for account_backends in dict.values(sts_backends):
        account_backends.backend = StrictSTSBackend
    for path in moto.sts.urls.url_paths:
        moto.sts.urls.url_paths[path] = ExpiringTokenResponse.dispatch
