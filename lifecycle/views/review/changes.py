"""Which dependents a plan's or a run's writes change, and how.

The writes are matched to the dependents known before them (observed by a plan, kept in the
journal's drain record for a run) through the workflow's own decisions: a write acts on the
dependent whose kind's ``deactivate``, ``reactivate`` or ``activate`` sends the same operation
to the same region with the same target. The engine knows no service; neither does this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lifecycle.model.calls import Call
from lifecycle.model.observation import Dependent
from lifecycle.model.workflow import Workflow

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


def _identity(call: Call) -> _Identity:
    """(service, operation, region, target): what a write does to which resource."""
    return (call.service, call.operation, call.region, call.target)


def _decisions(workflow: Workflow, dependent: Dependent) -> list[Call]:
    """Every write the workflow decides for ``dependent`` (none of a kind only a person can
    clear)."""
    kind = workflow.kind(dependent.kind)
    if kind.person_only:
        return []
    calls = [kind.deactivate(dependent), kind.reactivate(dependent)]
    if kind.name == workflow.activates:
        calls.append(kind.activate(dependent, workflow.option_values({})))
    return calls


def dependent_changes(
    workflow: Workflow,
    before: Iterable[Dependent],
    writes: Iterable[tuple[Call, Mapping[str, Any]]],
) -> list[Change]:
    """The dependents ``writes`` change (each write with what the caller attaches to it), in
    the order first written; a dependent written twice shows its last write. Writes on
    nothing in ``before`` (IAM's) are left out."""
    known: dict[_Identity, Dependent] = {}
    for earlier in before:
        for call in _decisions(workflow, earlier):
            known.setdefault(_identity(call), earlier)
    changes: dict[_Identity, Change] = {}
    for call, extra in writes:
        dependent = known.get(_identity(call))
        if dependent is None:
            continue
        kind = workflow.kind(dependent.kind)
        deactivates = dict(kind.deactivate(dependent).params) == dict(call.params)
        notes = kind.notes(dependent) if deactivates else ()
        changes[_identity(call)] = Change(dependent, kind.settings_of(call), notes, extra)
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
