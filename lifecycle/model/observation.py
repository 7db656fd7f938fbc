"""What AWS shows about a role, plus the intent the journal adds: the input of every guard.

The journal's :class:`Intent` is one frozen record, kept per (account, role) and carried by
every :class:`Observation`; it never overrides what AWS shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

__all__ = [
    "RUNNING",
    "DeletionTask",
    "Dependent",
    "Intent",
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
    """A resource in one region that may use the role (a widget of an example service)."""

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
class Intent:
    """The journal's record of one role: what a drain replaced, which deletion task runs."""

    #: A drain was started and not undone.
    draining: bool = False
    #: A verify found the role deletable and no restore or reject followed.
    decommission_intended: bool = False
    #: The dependents as they were before a drain (what a restore re-applies). Kept after the
    #: role's deletion, so that a decommission can be undone (create, then restore).
    drained: tuple[Dependent, ...] = ()
    #: A deletion was requested (its intent written) by this tool.
    deletion_requested: bool = False
    #: This role was deleted by a task this tool saw succeed.
    deleted_by_us: bool = False
    #: The deletion task started and not seen to succeed yet. In an observation, the task the
    #: journal knew when it was made: its ``deletion_task`` says how the task stands now.
    task_id: str | None = None
    #: Deletion tasks that failed (a reject each) in this decommission.
    rejects: int = 0
    #: The creation date of the role we deleted: IAM may show that role for a while after its
    #: deletion (eventual consistency), and a role created again has another date.
    deleted_role: str | None = None

    @classmethod
    def of(cls, world: Observation) -> Intent:
        """The intent ``world`` carries, as the journal keeps it: the task is the one AWS shows
        running, and a role gone by a task that succeeded was deleted by us."""
        task = world.deletion_task
        succeeded = task is not None and task.status == TaskStatus.SUCCEEDED
        return replace(
            world.intent,
            deleted_by_us=world.intent.deleted_by_us or (world.role is None and succeeded),
            task_id=task.id if task is not None and not succeeded else None,
        )

    def merged(self, newer: Intent) -> Intent:
        """What to record before a write that may leave ``newer`` behind: only additions, so
        that a crash at any point loses nothing. The first snapshot of a dependent wins (a
        second drain must not replace original settings with drained ones)."""
        kept = {d.key for d in self.drained}
        return replace(
            newer,
            drained=self.drained + tuple(d for d in newer.drained if d.key not in kept),
            draining=newer.draining or self.draining,
            task_id=newer.task_id or self.task_id,
        )

    def after_recreation(self) -> Intent:
        """The role exists again after we deleted it: the decommission is over, but its drain
        record stays, so that ``restore`` can still put the settings back."""
        return Intent(drained=self.drained)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form, as the journal stores it."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Intent:
        """Read what :meth:`as_dict` wrote (missing keys take their defaults)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["drained"] = tuple(Dependent(**d) for d in values.get("drained", ()))
        return cls(**values)


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
    #: The journal's intent (see :class:`Intent`).
    intent: Intent = field(default_factory=Intent)

    @property
    def drain_recorded(self) -> bool:
        return bool(self.intent.drained)

    @property
    def active(self) -> tuple[Dependent, ...]:
        return tuple(d for d in self.dependents if d.active)

    @property
    def fully_scanned(self) -> bool:
        return not self.unscanned_regions

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (the journal keeps a dry run's simulated world in it): AWS's facts,
        then the intent's beside them, as they have always been written."""
        facts = asdict(self)
        intent: dict[str, Any] = facts.pop("intent")
        intent.pop("task_id")
        return facts | intent

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
            intent=Intent.from_dict(data),
        )
