"""The pure predicates behind the definition's guard names."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from lifecycle.model.observation import Observation, TaskStatus

__all__ = ["GUARDS", "Predicate"]

Predicate = Callable[[Observation], bool]


def nothing_active(world: Observation) -> bool:
    # An unscanned region proves nothing: it may hold an active dependent.
    return world.role is not None and world.fully_scanned and not world.active


def deletion_succeeded(world: Observation) -> bool:
    return world.deletion_task is not None and world.deletion_task.status == TaskStatus.SUCCEEDED


def deletion_failed(world: Observation) -> bool:
    return world.deletion_task is not None and world.deletion_task.status == TaskStatus.FAILED


def drain_recorded(world: Observation) -> bool:
    return world.drain_recorded


#: Guard name -> predicate. The machine refuses a definition naming a guard missing here.
GUARDS: Mapping[str, Predicate] = {
    f.__name__: f for f in (nothing_active, deletion_succeeded, deletion_failed, drain_recorded)
}
