"""Which dependents a plan's or a run's writes change, and how.

The writes are matched to the dependents known before them (observed by a plan, kept in the
journal's drain record for a run) through the workflow's own decisions: a write acts on the
dependent whose ``deactivate``, ``reactivate`` or ``activate`` sends the same operation to the
same region and names the same resource. The engine knows no service; neither does this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lifecycle.model.observation import Dependent
from lifecycle.model.workflow import Call, Workflow

__all__ = ["Change", "dependent_changes", "dependent_of"]

_Identity = tuple[str, str, str, str]


@dataclass(frozen=True)
class Change:
    """One dependent a write changes."""

    #: The dependent as it was before the write (its settings then).
    before: Dependent
    #: The settings the write sets.
    after: Mapping[str, Any]
    #: What else the write stops, for a reviewer (delivery a drain also stops).
    notes: tuple[str, ...] = ()
    #: Anything the caller attaches to the write (a run's call outcome).
    extra: Mapping[str, Any] = field(default_factory=dict)


def _identity(workflow: Workflow, call: Call) -> _Identity | None:
    """(service, operation, region, resource name) of a write on a dependent; the name is the
    one parameter that is not a setting."""
    assert workflow.dependents is not None
    settings = workflow.dependents.settings_of(call)
    names = [v for k, v in call.params.items() if k not in settings and isinstance(v, str)]
    if len(names) != 1:
        return None
    return (call.service, call.operation, call.region, names[0])


def dependent_changes(
    workflow: Workflow,
    before: Iterable[Dependent],
    writes: Iterable[tuple[Call, Mapping[str, Any]]],
) -> list[Change]:
    """The dependents ``writes`` change (each write with what the caller attaches to it), in
    the order first written; a dependent written twice shows its last write. Writes on
    nothing in ``before`` (IAM's) are left out."""
    dependents = workflow.dependents
    if dependents is None:
        return []
    known: dict[_Identity | None, Dependent] = {}
    for earlier in before:
        calls = [dependents.deactivate(earlier), dependents.reactivate(earlier)]
        if earlier.kind == dependents.activates:
            calls.append(dependents.activate(earlier, 100))
        for call in calls:
            identity = _identity(workflow, call)
            if identity is not None:
                known.setdefault(identity, earlier)
    changes: dict[_Identity, Change] = {}
    for call, extra in writes:
        identity = _identity(workflow, call)
        dependent = known.get(identity) if identity else None
        if identity is None or dependent is None:
            continue
        deactivates = dict(dependents.deactivate(dependent).params) == dict(call.params)
        notes = dependents.deactivation_notes(dependent) if deactivates else ()
        changes[identity] = Change(dependent, dependents.settings_of(call), notes, extra)
    return list(changes.values())


def dependent_of(data: Mapping[str, Any]) -> Dependent:
    """A :class:`Dependent` from its JSON form (``status``'s ``dependents[]``, the journal's
    drain record)."""
    return Dependent(
        data["region"],
        data["kind"],
        data["name"],
        data.get("arn", ""),
        bool(data.get("active")),
        dict(data.get("settings") or {}),
    )
