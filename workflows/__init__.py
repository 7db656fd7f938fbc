"""One module per service-linked role; :data:`WORKFLOWS` names them for the command line."""

from __future__ import annotations

from lifecycle.errors import UnknownName
from lifecycle.model.workflow import Workflow
from workflows import mediatailor

__all__ = ["WORKFLOWS", "get"]

WORKFLOWS: dict[str, Workflow] = {w.name: w for w in (mediatailor.WORKFLOW,)}


def get(name: str) -> Workflow:
    """The workflow called ``name``; :class:`~lifecycle.errors.UnknownName` (a ``KeyError``)
    with the known names otherwise."""
    try:
        return WORKFLOWS[name]
    except KeyError:
        raise UnknownName(f"unknown workflow {name!r} (known: {', '.join(WORKFLOWS)})") from None
