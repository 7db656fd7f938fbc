"""An inventory of service-linked roles: what IAM says of each role, which workflow knows it,
how long it has gone unused, and what clearing it would take. Pure: the reading is the
engine's (:mod:`lifecycle.engine.inventory`), the rendering the views'.

IAM tracks a role's last use for :data:`TRACKED_DAYS` days: a role it shows no use of was
either never used (it is younger than that) or not used within them (it is older), and the
two are told apart by its creation date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from lifecycle.model.calls import Access, Operation

__all__ = [
    "INVENTORY_OPERATIONS",
    "READ_ROLES",
    "SERVICE_ROLE_PATH",
    "TRACKED_DAYS",
    "Entry",
    "Known",
    "LastUse",
    "ServiceRole",
    "entries",
    "is_service_linked",
    "last_use",
    "summary",
    "unused",
    "with_scan",
]

#: How far back IAM tracks a role's last use ("the trailing 400 days").
TRACKED_DAYS = 400
#: Every service-linked role's path starts so: ``/aws-service-role/<principal>/``.
SERVICE_ROLE_PATH = "/aws-service-role/"
#: Every role with its ``RoleLastUsed``, in pages of up to 1,000: one call per 1,000 roles,
#: where ``ListRoles`` (which leaves ``RoleLastUsed`` out) needs a ``GetRole`` per role
#: (docs/performance.md, "Inventory"). It takes no resource-level permission.
READ_ROLES = Operation("iam", "GetAccountAuthorizationDetails", Access.READ, regional=False)
#: What ``slr inventory`` sends (``--scan`` adds each workflow's observation).
INVENTORY_OPERATIONS = (READ_ROLES,)


class LastUse(StrEnum):
    """What IAM says of a role's last use."""

    #: IAM shows a date (and a region).
    USED = "used"
    #: IAM shows none, and the role is younger than the days IAM tracks.
    NEVER = "never"
    #: IAM shows none, and the role is older: it may have been used before then.
    NOT_TRACKED = "not within 400 days"


@dataclass(frozen=True, kw_only=True)
class ServiceRole:
    """One service-linked role as IAM shows it."""

    name: str
    #: The service principal that trusts it (the second part of its path).
    principal: str
    arn: str
    created: datetime
    #: When IAM last saw it used (within the days it tracks), and where.
    last_used: datetime | None = None
    last_used_region: str | None = None

    @classmethod
    def from_iam(cls, role: Mapping[str, Any]) -> ServiceRole:
        """From a ``RoleDetailList`` item (or ``GetRole``'s ``Role``)."""
        used = role.get("RoleLastUsed") or {}
        return cls(
            name=role["RoleName"],
            principal=str(role["Path"]).split("/")[2],
            arn=role["Arn"],
            created=role["CreateDate"],
            last_used=used.get("LastUsedDate"),
            last_used_region=used.get("Region"),
        )


def is_service_linked(role: Mapping[str, Any]) -> bool:
    return str(role.get("Path", "")).startswith(SERVICE_ROLE_PATH)


@dataclass(frozen=True, kw_only=True)
class Known:
    """What the registered workflows know of a principal."""

    #: The workflow that knows the principal's role; ``None`` when none does.
    workflow: str | None
    #: The workflow that runs the role's lifecycle: ``workflow``, else the one for any
    #: service's role (``None`` when neither is registered).
    lifecycle: str | None
    #: Whether ``workflow`` knows what uses the role (else a person must look).
    knows_dependents: bool
    #: Whether ``workflow`` deactivates what uses the role (a drain); else a person clears it.
    drains: bool


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One role of the inventory: IAM's facts, their reading, and what clears it."""

    role: ServiceRole
    last_use: LastUse
    #: No use (or, never used, no creation) within the days asked for.
    unused: bool
    #: The workflow that knows the role, by its principal; ``None`` when none does.
    workflow: str | None = None
    #: The workflow that can create and delete it: ``workflow``, else the one for any
    #: service's role.
    lifecycle: str | None = None
    #: ``workflow`` (its drain) or ``person``: who clears what uses the role.
    cleared_by: str = "person"
    knows_dependents: bool = False
    account: str | None = None
    #: ``--scan``: the lifecycle state, and the active dependents (``region/kind/name``).
    state: str | None = None
    active: tuple[str, ...] | None = None
    #: ``--scan``: why the role was not scanned (``None`` when it was, or was not asked).
    scan_note: str | None = None
    #: Extra facts a renderer may show (kept out of the comparison).
    notes: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        role = self.role
        return {
            "account": self.account,
            "name": role.name,
            "principal": role.principal,
            "arn": role.arn,
            "created": role.created.isoformat(),
            "last_used": role.last_used.isoformat() if role.last_used else None,
            "last_used_region": role.last_used_region,
            "last_use": str(self.last_use),
            "unused": self.unused,
            "workflow": self.workflow,
            "lifecycle_workflow": self.lifecycle,
            "cleared_by": self.cleared_by,
            "dependents_known": self.knows_dependents,
            "state": self.state,
            "active_dependents": list(self.active) if self.active is not None else None,
            "scan_note": self.scan_note,
        }


def last_use(role: ServiceRole, now: datetime) -> LastUse:
    if role.last_used is not None:
        return LastUse.USED
    if now - role.created > timedelta(days=TRACKED_DAYS):
        return LastUse.NOT_TRACKED
    return LastUse.NEVER


def unused(role: ServiceRole, now: datetime, days: int) -> bool:
    """Whether ``role`` went ``days`` (1..400) without use: its last use, or when never used,
    its creation, is older than that; a role IAM shows no use of within 400 days is."""
    if not 1 <= days <= TRACKED_DAYS:
        raise ValueError(f"unused days must be 1..{TRACKED_DAYS}, not {days}")
    since = role.last_used or role.created
    return now - since > timedelta(days=days)


def entries(
    roles: Iterable[ServiceRole],
    now: datetime,
    days: int,
    known: Callable[[str], Known | None],
    account: str | None = None,
) -> list[Entry]:
    """Each role once (by ARN), sorted by name, read at ``now`` with ``days`` for unused;
    ``known(principal)`` says which workflow knows it."""
    found: dict[str, Entry] = {}
    for role in roles:
        knower = known(role.principal)
        found[role.arn] = Entry(
            role=role,
            last_use=last_use(role, now),
            unused=unused(role, now, days),
            workflow=knower.workflow if knower else None,
            lifecycle=knower.lifecycle if knower else None,
            cleared_by="workflow" if knower and knower.drains else "person",
            knows_dependents=bool(knower and knower.knows_dependents),
            account=account,
        )
    return sorted(found.values(), key=lambda e: (e.account or "", e.role.name))


def with_scan(entry: Entry, state: str | None, active: Iterable[str], note: str | None) -> Entry:
    return replace(entry, state=state, active=tuple(active), scan_note=note)


def summary(found: Iterable[Entry], failed: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Roles and unused roles per service principal, and the accounts that failed (why)."""
    found = list(found)
    roles = Counter(e.role.principal for e in found)
    idle = Counter(e.role.principal for e in found if e.unused)
    return {
        "roles": len(found),
        "unused": sum(idle.values()),
        "accounts": len({e.account for e in found if e.account}),
        "by_service": {
            principal: {"roles": roles[principal], "unused": idle[principal]}
            for principal in sorted(roles)
        },
        "failed_accounts": dict(sorted((failed or {}).items())),
    }
