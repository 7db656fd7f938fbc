"""Saved plans: the fingerprints ``apply plan.json`` checks against the world it meets (the
file itself is the command line's: :mod:`lifecycle.cli.planfiles`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from lifecycle.errors import StalePlan
from lifecycle.model.decide import derive_state
from lifecycle.model.observation import Observation
from lifecycle.model.results import RunResult
from lifecycle.model.workflow import Workflow

__all__ = ["check", "fingerprints"]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprints(workflow: Workflow, world: Observation, goal: str) -> dict[str, str]:
    """Digests a saved plan is checked against: the definitions, and the observed world."""
    definition = repr((workflow.definition, sorted(workflow.bindings.items())))
    observed = json.dumps(
        {
            "state": derive_state(world),
            "role": world.role.arn if world.role else None,
            "active": sorted([d.region, d.kind, d.name] for d in world.active),
            "goal": goal,
        },
        sort_keys=True,
    )
    return {"definition": _digest(definition), "observed": _digest(observed)}


def check(plan: Mapping[str, Any], result: RunResult) -> None:
    """Raise :class:`StalePlan` when ``plan`` no longer holds for the run ``result`` starts."""
    # Another workflow's plan has other bindings: its definition fingerprint differs too.
    saved = plan.get("fingerprints", {})
    if saved.get("definition") != result.fingerprints["definition"]:
        raise StalePlan("plan is stale: the definitions changed since it was made")
    if saved.get("observed") != result.fingerprints["observed"]:
        raise StalePlan(
            f"plan is stale: the world changed since it was made (now "
            f"{result.start_state}); make a new plan"
        )
