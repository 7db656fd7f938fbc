"""Service-linked role deletion tasks, as IAM keeps them: asynchronous, then forgotten.

moto alone deletes on DeleteServiceLinkedRole at once and keeps no task. Here, as in AWS, a
new task is unknown to its status call for a moment (``task_visibility_seconds``;
ekristen/aws-nuke#639), then reads ``NOT_STARTED``, ``IN_PROGRESS``, then ``SUCCEEDED`` or
``FAILED``; IAM forgets a
finished task after a while (``task_retention_seconds``; gruntwork-io/cloud-nuke#1143), and
its status call then answers ``NoSuchEntity`` like an unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["NOT_STARTED_SHARE", "DeletionTask"]


#: The share of a deletion task's time it reads NOT_STARTED before IN_PROGRESS.
NOT_STARTED_SHARE = 0.1


@dataclass
class DeletionTask:
    """One asynchronous service-linked role deletion."""

    #: ``task/aws-service-role/<principal>/<role name>/<uuid>``
    task_id: str
    role_name: str
    principal: str
    #: :func:`localaws.clock.now` at DeleteServiceLinkedRole
    started: float
    #: seconds the task runs (the timing when it started)
    duration: float
    #: seconds after ``started`` before IAM shows the task at all
    hidden: float = 0.0
    #: ``SUCCEEDED`` or ``FAILED`` once completed, else None
    outcome: str | None = None
    #: ``Reason`` of a FAILED task: ``{"Reason": str, "RoleUsageList": [...]}``
    reason: dict[str, Any] | None = field(default=None)

    @property
    def finished(self) -> float:
        """When the task completes (or completed), on the local AWS's clock."""
        return self.started + self.duration

    def is_visible(self, now: float) -> bool:
        """IAM shows a new task only after a while (its status call answers NoSuchEntity)."""
        return now >= self.started + self.hidden

    def is_due(self, now: float) -> bool:
        return self.outcome is None and now >= self.finished

    def is_forgotten(self, now: float, retention: float) -> bool:
        """IAM keeps a finished task's record for a while only."""
        return self.outcome is not None and now >= self.finished + retention

    def status(self, now: float) -> str:
        if self.outcome is not None:
            return self.outcome
        elapsed = now - self.started
        if elapsed < self.duration * NOT_STARTED_SHARE:
            return "NOT_STARTED"
        return "IN_PROGRESS"
