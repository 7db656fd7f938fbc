"""slr-lifecycle: the lifecycle of AWS IAM service-linked roles as an explicit state machine.

The public Python API (``slr`` is a thin layer over it)::

    from lifecycle import Journal, Runner, RunnerConfig
    import workflows

    runner = Runner(workflows.get("mediatailor"), open_journal(None), RunnerConfig())
    result = runner.apply("deleted")  # a RunResult; result.as_dict() is the JSON document

Names are loaded on first use, so that ``slr --help`` and the diagrams never import boto3.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lifecycle.aws.codes import AwsError as AwsError
    from lifecycle.aws.codes import Refused as Refused
    from lifecycle.engine.config import RunnerConfig as RunnerConfig
    from lifecycle.engine.runner import Runner as Runner
    from lifecycle.journal import (
        Journal as Journal,
    )
    from lifecycle.journal import (
        JournalError as JournalError,
    )
    from lifecycle.journal import (
        LockHeld as LockHeld,
    )
    from lifecycle.model.decide import Blocked as Blocked
    from lifecycle.model.decide import PlanOptions as PlanOptions
    from lifecycle.model.decide import Unreachable as Unreachable
    from lifecycle.model.definition import (
        LIFECYCLE as LIFECYCLE,
    )
    from lifecycle.model.definition import (
        Definition as Definition,
    )
    from lifecycle.model.definition import (
        State as State,
    )
    from lifecycle.model.definition import (
        Transition as Transition,
    )
    from lifecycle.model.observation import Observation as Observation
    from lifecycle.model.plans import StalePlan as StalePlan
    from lifecycle.model.results import (
        SCHEMA_VERSION as SCHEMA_VERSION,
    )
    from lifecycle.model.results import (
        RunResult as RunResult,
    )
    from lifecycle.model.results import (
        StepResult as StepResult,
    )
    from lifecycle.model.results import (
        StepStatus as StepStatus,
    )
    from lifecycle.model.workflow import Activation as Activation
    from lifecycle.model.workflow import Workflow as Workflow

#: Public name -> the module that defines it.
_HOMES = {
    "LIFECYCLE": "model.definition",
    "Definition": "model.definition",
    "State": "model.definition",
    "Transition": "model.definition",
    "Blocked": "model.decide",
    "PlanOptions": "model.decide",
    "Unreachable": "model.decide",
    "AwsError": "aws.codes",
    "Refused": "aws.codes",
    "Journal": "journal",
    "JournalError": "journal",
    "LockHeld": "journal",
    "Observation": "model.observation",
    "StalePlan": "model.plans",
    "SCHEMA_VERSION": "model.results",
    "RunResult": "model.results",
    "StepResult": "model.results",
    "StepStatus": "model.results",
    "Runner": "engine.runner",
    "RunnerConfig": "engine.config",
    "Activation": "model.workflow",
    "Workflow": "model.workflow",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'lifecycle' has no attribute {name!r}")
    return getattr(importlib.import_module(f"lifecycle.{home}"), name)
