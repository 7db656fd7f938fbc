"""What only a person can clear: dependents of a kind no write clears, and those IAM still
names after a drain turned them off. The engine lists them with one line each (what to do)
and refuses a way through them before any write (:class:`~lifecycle.errors.NeedsPerson`).

Pure: it reads an observation and the workflow's kinds.
"""

from __future__ import annotations

from lifecycle.model.observation import Dependent, Observation, TaskStatus
from lifecycle.model.workflow import Workflow

__all__ = ["by_hand", "by_hand_lines"]


def by_hand(workflow: Workflow, world: Observation) -> tuple[Dependent, ...]:
    """What only a person can clear: active dependents of a kind no write clears, and those
    a drain turned off that a failed deletion task still names (IAM's answer is the proof)."""
    task = world.deletion_task
    named = (
        {arn for usage in task.usage for arn in usage.resources}
        if task is not None and task.status == TaskStatus.FAILED
        else set()
    )
    found = []
    for dependent in world.dependents:
        kind = workflow.kind(dependent.kind)
        if (dependent.active and kind.person_only) or (
            not dependent.active and kind.by_hand and _named(dependent, named)
        ):
            found.append(dependent)
    return tuple(found)


def _named(dependent: Dependent, resources: set[str]) -> bool:
    """IAM names a resource by its ARN (some services by name; its list may be partial)."""
    return dependent.arn in resources or any(
        r == dependent.name or r.endswith(f"/{dependent.name}") for r in resources
    )


def by_hand_lines(workflow: Workflow, held: tuple[Dependent, ...]) -> list[str]:
    """One line per dependent only a person can clear: where, what, and what to do."""
    return [f"  {d.region}/{d.name} ({d.kind}): {workflow.kind(d.kind).by_hand}" for d in held]
