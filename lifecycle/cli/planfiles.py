"""Plan files: what ``slr plan -o`` writes and ``slr apply PLAN`` reads back (checked as a plan
before its fingerprints are)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lifecycle.errors import PlanFileError
from lifecycle.model.outcome import Outcome
from lifecycle.model.results import SCHEMA_VERSION, RunResult

__all__ = ["document", "load"]


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
