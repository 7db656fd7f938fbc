"""What AWS shows about a role, plus the intent the journal adds: the input of every guard."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

__all__ = [
    "RUNNING",
    "DeletionTask",
    "Dependent",
    "Observation",
    "Role",
    "RoleUsage",
    "TaskStatus",
    "replace",
]


class TaskStatus(StrEnum):
    """How IAM says a deletion task stands (``GetServiceLinkedRoleDeletionStatus``)."""

    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


#: The statuses of a task that has not ended yet.
RUNNING = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Role:
    """The service-linked role as IAM returns it."""

    name: str
    arn: str
    path: str = "/"
    description: str | None = None
    created: str | None = None


@dataclass(frozen=True)
class Dependent:
    """A resource in one region that may use the role (a playback configuration, a channel)."""

    region: str
    kind: str
    name: str
    arn: str
    #: True when this resource currently makes the service use the role.
    active: bool
    #: The settings that make it active: what a drain replaces and a restore re-applies.
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies it: (region, kind, name)."""
        return (self.region, self.kind, self.name)


@dataclass(frozen=True)
class RoleUsage:
    """One region's entry of a failed deletion task's ``RoleUsageList``."""

    region: str
    resources: tuple[str, ...]


@dataclass(frozen=True)
class DeletionTask:
    """A ``DeleteServiceLinkedRole`` task and how it stands."""

    id: str
    status: TaskStatus
    reason: str | None = None
    usage: tuple[RoleUsage, ...] = ()


@dataclass(frozen=True)
class Observation:
    """One look at the world. Guards and the state decision are pure functions of it."""

    role: Role | None
    dependents: tuple[Dependent, ...] = ()
    #: Regions whose dependents were listed completely.
    scanned_regions: tuple[str, ...] = ()
    #: Regions that could not be scanned (unreachable, failing), with the reason: nothing can
    #: be proven there, so they block ``verify``.
    unscanned_regions: Mapping[str, str] = field(default_factory=dict)
    #: Opt-in regions the account has not enabled, with the reason: nothing can run there, so
    #: they are skipped (IAM's own usage check at deletion is the backstop).
    skipped_regions: Mapping[str, str] = field(default_factory=dict)
    deletion_task: DeletionTask | None = None
    #: Journal: a drain was started and not undone.
    draining: bool = False
    #: Journal: a verify found the role deletable and no restore or reject followed.
    decommission_intended: bool = False
    #: Journal: the dependents as they were before a drain (what a restore re-applies).
    drained: tuple[Dependent, ...] = ()
    #: Journal: a deletion was requested (its intent written) by this tool.
    deletion_requested: bool = False
    #: Journal: this role was deleted by a task this tool saw succeed.
    deleted_by_us: bool = False
    #: Journal: deletion tasks that failed (a reject each) in this decommission.
    rejects: int = 0
    #: Journal: the creation date of the role we deleted (IAM may still show it for a while).
    deleted_role: str | None = None

    @property
    def drain_recorded(self) -> bool:
        return bool(self.drained)

    @property
    def active(self) -> tuple[Dependent, ...]:
        return tuple(d for d in self.dependents if d.active)

    @property
    def fully_scanned(self) -> bool:
        return not self.unscanned_regions

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (the journal keeps a dry run's simulated world in it)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Observation:
        task = data.get("deletion_task")
        return cls(
            role=Role(**data["role"]) if data.get("role") else None,
            dependents=tuple(Dependent(**d) for d in data.get("dependents", ())),
            scanned_regions=tuple(data.get("scanned_regions", ())),
            unscanned_regions=dict(data.get("unscanned_regions", {})),
            skipped_regions=dict(data.get("skipped_regions", {})),
            deletion_task=DeletionTask(
                task["id"],
                TaskStatus(task["status"]),
                task.get("reason"),
                tuple(RoleUsage(u["region"], tuple(u["resources"])) for u in task["usage"]),
            )
            if task
            else None,
            draining=bool(data.get("draining")),
            decommission_intended=bool(data.get("decommission_intended")),
            drained=tuple(Dependent(**d) for d in data.get("drained", ())),
            deletion_requested=bool(data.get("deletion_requested")),
            deleted_by_us=bool(data.get("deleted_by_us")),
            rejects=int(data.get("rejects", 0)),
            deleted_role=data.get("deleted_role"),
        )
