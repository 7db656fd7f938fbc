"""What the journal adds to AWS's facts: the intent of a decommission under way.

One frozen record, kept per (account, role) in the journal and carried by every
:class:`~lifecycle.model.observation.Observation`; it never overrides what AWS shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from lifecycle.model.observation import Dependent, Observation, TaskStatus, replace

__all__ = ["Intent"]


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
    #: The deletion task started and not seen to succeed yet.
    task_id: str | None = None
    #: Deletion tasks that failed (a reject each) in this decommission.
    rejects: int = 0
    #: The creation date of the role we deleted: IAM may show that role for a while after its
    #: deletion (eventual consistency), and a role created again has another date.
    deleted_role: str | None = None

    @classmethod
    def of(cls, world: Observation) -> Intent:
        """The intent ``world`` carries, as the journal keeps it."""
        task = world.deletion_task
        succeeded = task is not None and task.status == TaskStatus.SUCCEEDED
        return cls(
            draining=world.draining,
            decommission_intended=world.decommission_intended,
            drained=world.drained,
            deletion_requested=world.deletion_requested,
            deleted_by_us=world.deleted_by_us or (world.role is None and succeeded),
            task_id=task.id if task is not None and not succeeded else None,
            rejects=world.rejects,
            deleted_role=world.deleted_role,
        )

    def applied_to(self, world: Observation) -> Observation:
        """``world`` (AWS's facts) carrying this intent; the deletion task is AWS's to say."""
        return replace(
            world,
            draining=self.draining,
            decommission_intended=self.decommission_intended,
            drained=self.drained,
            deletion_requested=self.deletion_requested,
            deleted_by_us=self.deleted_by_us,
            rejects=self.rejects,
            deleted_role=self.deleted_role,
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
