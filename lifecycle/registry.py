"""Which workflows there are: every one registered under the ``slr_lifecycle.workflows`` entry
points, this package's own (``workflows/``) and any other installed package's alike.

A package adds a workflow by naming its :class:`~lifecycle.model.workflow.Workflow` object in
its ``pyproject.toml``::

    [project.entry-points."slr_lifecycle.workflows"]
    mytool = "mypackage.mytool:WORKFLOW"

Each is loaded on first use; one that fails to load is listed with why, and refused by name
with the same one line. The engine names no workflow: the built-in package says which is
the default (``workflows.DEFAULT``), and ``SLR_WORKFLOW`` overrides it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from importlib.metadata import EntryPoint, entry_points

from lifecycle.errors import DefinitionError, UnknownName
from lifecycle.model.workflow import Workflow

__all__ = [
    "GROUP",
    "Registered",
    "any_service",
    "default",
    "get",
    "knowing",
    "registered",
    "workflows",
]

#: The entry-point group that registers workflows.
GROUP = "slr_lifecycle.workflows"


@dataclass(frozen=True)
class Registered:
    """One registered workflow, and where it came from."""

    name: str
    #: The distribution that registered it, with its version (``slr-lifecycle 0.1.0``).
    package: str
    #: The object the entry point names (``mypackage.mytool:WORKFLOW``).
    value: str
    workflow: Workflow | None
    #: Why it could not be loaded, in one line (``None`` when it loaded).
    error: str | None = None


def _load(point: EntryPoint) -> Registered:
    dist = point.dist
    package = f"{dist.name} {dist.version}" if dist is not None else "(unknown package)"
    try:
        found = point.load()
    except Exception as error:  # any import failure of another package's code is its own
        why = f"{type(error).__name__}: {error}"
        return Registered(point.name, package, point.value, None, why)
    if not isinstance(found, Workflow):
        why = f"{point.value} is a {type(found).__name__}, not a lifecycle Workflow"
        return Registered(point.name, package, point.value, None, why)
    if found.name != point.name:
        why = f"{point.value} is workflow {found.name!r}, registered as {point.name!r}"
        return Registered(point.name, package, point.value, None, why)
    return Registered(point.name, package, point.value, found)


@cache
def registered() -> dict[str, Registered]:
    """Every registered workflow by name, sorted (the first registration of a name wins)."""
    found: dict[str, Registered] = {}
    for point in sorted(entry_points(group=GROUP), key=lambda p: p.name):
        if point.name not in found:
            found[point.name] = _load(point)
    return found


def workflows() -> dict[str, Workflow]:
    """Every registered workflow that loads, by name."""
    return {n: r.workflow for n, r in registered().items() if r.workflow is not None}


def get(name: str) -> Workflow:
    """The workflow called ``name``; :class:`UnknownName` with the known names otherwise, or
    :class:`DefinitionError` saying why it does not load."""
    known = registered()
    entry = known.get(name)
    if entry is None:
        raise UnknownName(f"unknown workflow {name!r} (known: {', '.join(known) or 'none'})")
    if entry.workflow is None:
        raise DefinitionError(f"workflow {name!r} of {entry.package} does not load: {entry.error}")
    return entry.workflow


def default() -> str:
    """The workflow used when none is named: ``SLR_WORKFLOW``, else the built-in default."""
    chosen = os.environ.get("SLR_WORKFLOW")
    if chosen:
        return chosen
    import workflows

    return workflows.DEFAULT


def knowing(principal: str) -> Workflow | None:
    """The workflow whose role ``principal``'s is (the first by name), else ``None``."""
    return next((w for w in workflows().values() if w.principal == principal), None)


def any_service() -> Workflow | None:
    """The workflow of any service's role (one with
    :attr:`~lifecycle.model.workflow.Workflow.for_service`), if one is registered."""
    return next((w for w in workflows().values() if w.for_service is not None), None)
