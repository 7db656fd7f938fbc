"""One module per service-linked role; :data:`WORKFLOWS` names them for the command line.

May import: ``lifecycle`` (its public API) and the service's own knowledge; nothing else of
the engine.
"""

from __future__ import annotations

from lifecycle import UnknownName, Workflow
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
