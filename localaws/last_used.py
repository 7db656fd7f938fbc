"""What IAM tells an inventory: when each role was last used, and every role in pages.

moto alone keeps ``RoleLastUsed`` empty for every service-linked role (it marks only a role
assumed with its own STS keys), and ``GetAccountAuthorizationDetails`` answers every entity
on one page, whatever ``MaxItems`` says. Here, as in AWS:

- a service's use of its role marks ``RoleLastUsed`` (date and region): MediaTailor's log
  writes mark its role (:func:`role_used`);
- IAM tracks last use for 400 days ("the trailing 400 days"): a use older than that is not
  shown, and ``RoleLastUsed`` reads empty as for a role never used;
- ``GetAccountAuthorizationDetails`` pages (``MaxItems``, default 100, ``Marker``,
  ``IsTruncated``) over the users, groups, roles and policies its ``Filter`` names, in that
  order, each role with its ``RoleLastUsed``, and shows the roles ``ListRoles`` shows (IAM's
  eventual consistency included);
- a control sets a role's last use and creation date for tests
  (``PUT /_localaws/role-last-used``, :meth:`localaws.LocalAWS.set_role_last_used`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from moto.iam.exceptions import ValidationError
from moto.iam.models import Role as MotoRole
from moto.iam.models import iam_backends

from localaws import clock

__all__ = [
    "TRACKED_DAYS",
    "Role",
    "authorization_details",
    "role_used",
    "set_role_last_used",
    "shown",
]

#: How far back IAM tracks a role's last use.
TRACKED_DAYS = 400


def _roles(account_id: str, partition: str) -> list[MotoRole]:
    return list(iam_backends[account_id][partition].get_roles())


def role_used(
    account_id: str,
    role_name: str,
    region: str,
    partition: str = "aws",
    when: datetime | None = None,
) -> None:
    """A service used its role in ``region`` (now, unless ``when`` says otherwise)."""
    for role in _roles(account_id, partition):
        if role.name == role_name:
            role.last_used = when or datetime.now(UTC)
            role.last_used_region = region  # type: ignore[assignment]  # moto types it None


def set_role_last_used(body: dict[str, Any]) -> dict[str, Any]:
    """The control's work: ``{"role_name", "account_id"?, "partition"?, "last_used": ISO date
    or null, "region"?, "created": ISO date?}``; answers the role's ``RoleLastUsed``."""
    unknown = sorted(
        set(body) - {"role_name", "account_id", "partition", "last_used", "region", "created"}
    )
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    name = body["role_name"]
    account = str(body.get("account_id") or "123456789012")
    role = next(
        (r for r in _roles(account, body.get("partition") or "aws") if r.name == name), None
    )
    if role is None:
        raise KeyError(f"no role {name} in account {account}")
    if "created" in body:
        role.create_date = _date(body["created"])
    if "last_used" in body:
        when = body["last_used"]
        role.last_used = _date(when) if when else None
        region = body.get("region") if when else None
        role.last_used_region = region
    return shown(role)


def _date(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def shown(role: MotoRole) -> dict[str, Any]:
    """``RoleLastUsed`` as IAM shows it: empty when never used or not within 400 days."""
    when = role.last_used
    if when is None:
        return {}
    # moto marks a role its own STS assumed with a naive UTC time.
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    if datetime.now(UTC) - when > timedelta(days=TRACKED_DAYS):
        return {}
    return {"LastUsedDate": when, "Region": role.last_used_region}


class Role:
    """A role as GetRole and GetAccountAuthorizationDetails serialize it, with what IAM shows
    of its use. Named ``Role``: moto's serializer finds ``RoleName`` as ``name`` by the class's
    name."""

    def __init__(self, role: MotoRole) -> None:
        self._role = role
        self.role_last_used = shown(role)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._role, name)


def authorization_details(
    backend: Any, filters: list[str], marker: str | None, max_items: int | None
) -> dict[str, Any]:
    """One page of GetAccountAuthorizationDetails: (kind, entity) in order, sliced."""
    details = backend.get_account_authorization_details(filters)
    roles: list[Any] = []
    if not filters or "Role" in filters:
        seen = backend.visibility.seen({r.name: r for r in backend.get_roles()}, clock.now())
        roles = [Role(r) for r in sorted(seen, key=lambda r: r.name)]
    entities: list[tuple[str, Any]] = [
        *(("UserDetailList", u) for u in details["users"]),
        *(("GroupDetailList", g) for g in details["groups"]),
        *(("RoleDetailList", r) for r in roles),
        *(("Policies", p) for p in details["managed_policies"]),
    ]
    start = int(marker or 0)
    count = int(max_items or 100)
    if not 1 <= count <= 1000:
        raise ValidationError(f"MaxItems must be between 1 and 1000; got {count}")
    page = entities[start : start + count]
    result: dict[str, Any] = {
        key: [entity for kind, entity in page if kind == key]
        for key in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
    }
    more = len(entities) > start + count
    result["IsTruncated"] = more
    if more:
        result["Marker"] = str(start + count)
    return result
