"""Saved plans: the fingerprints ``apply plan.json`` checks, and the plan file itself."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lifecycle.errors import PlanFileError, StalePlan
from lifecycle.model.decide import derive_state
from lifecycle.model.observation import Observation
from lifecycle.model.outcome import Outcome
from lifecycle.model.results import SCHEMA_VERSION, RunResult
from lifecycle.model.workflow import Workflow

__all__ = ["PlanFileError", "StalePlan", "check", "document", "fingerprints", "load"]


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


def document(
    result: RunResult, options: Mapping[str, Any], codes: Mapping[Outcome, int] | None = None
) -> dict[str, Any]:
    """``result`` as a plan file holds it, with the ``options`` it was made with (and its
    ``exit_code`` as ``codes`` number outcomes: the command line's)."""
    return result.as_dict(codes) | {"options": dict(options)}


def load(path: Path) -> dict[str, Any]:
    """A plan file made by ``slr plan -o``; :class:`PlanFileError` otherwise."""
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise PlanFileError(f"cannot read plan {path}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PlanFileError(f"plan {path} is not JSON: {error}") from None
    needed = ["schema_version", "command", "workflow", "target", "options"]
    # A fleet's plan (``--accounts``) holds one plan, with its fingerprints, per account.
    needed.append(
        "accounts" if isinstance(document, dict) and "accounts" in document else "fingerprints"
    )
    if not isinstance(document, dict) or any(key not in document for key in needed):
        raise PlanFileError(f"plan {path} is not a plan made by `slr plan -o`")
    if document["schema_version"] != SCHEMA_VERSION or document["command"] != "plan":
        raise PlanFileError(
            f"plan {path} has schema {document['schema_version']!r}; this slr reads "
            f"{SCHEMA_VERSION}"
        )
    return document
