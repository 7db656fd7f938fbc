"""slr-lifecycle: the lifecycle of AWS IAM service-linked roles as an explicit state machine.

The public Python API (``slr`` is a thin layer over it)::

    from lifecycle import Runner, RunnerConfig, open_journal, registry

    runner = Runner(registry.get(name), open_journal(None), RunnerConfig())
    result = runner.apply("deleted")  # a RunResult; result.as_dict() is the JSON document

A workflow author needs only this package too: a :class:`Workflow` is a role plus its
:class:`Kind` objects, one per kind of resource that uses the role, each declaring the
:class:`Operation` objects it sends, read through :class:`Reads` and written as :class:`Call`
objects that name their target; the :class:`Option` objects ``activate`` takes; a
:class:`RetryPolicy` for the service's calls. The role's own IAM operations come from the
engine. Workflows of other packages register under the ``slr_lifecycle.workflows`` entry
points.
Helpers for tests of code built on it are in :mod:`lifecycle.testing`.

:data:`_PUBLIC` is the one list of public names, each with the module that defines it. Names
are loaded on first use, so that ``slr --help`` and the diagrams never import boto3; the
``TYPE_CHECKING`` imports below say the same for type checkers, and a test keeps them equal.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it.
_PUBLIC: dict[str, str] = {
    # The lifecycle's definition.
    "LIFECYCLE": "lifecycle.model.definition",
    "Definition": "lifecycle.model.definition",
    "State": "lifecycle.model.definition",
    "Transition": "lifecycle.model.definition",
    # A workflow: one service-linked role's operations, bindings and dependents.
    "LIST_REGIONS": "lifecycle.model.calls",
    "OBSERVE": "lifecycle.model.workflow",
    "Access": "lifecycle.model.calls",
    "Activation": "lifecycle.model.workflow",
    "Binding": "lifecycle.model.workflow",
    "Call": "lifecycle.model.calls",
    "Kind": "lifecycle.model.kinds",
    "Option": "lifecycle.model.kinds",
    "integer": "lifecycle.model.kinds",
    "Operation": "lifecycle.model.calls",
    "Reads": "lifecycle.model.calls",
    "Demo": "lifecycle.model.workflow",
    "Workflow": "lifecycle.model.workflow",
    "RetryPolicy": "lifecycle.model.retry",
    "Dependent": "lifecycle.model.observation",
    "Observation": "lifecycle.model.observation",
    # Planning and its refusals.
    "Blocked": "lifecycle.errors",
    "PlanOptions": "lifecycle.model.decide",
    "Unreachable": "lifecycle.errors",
    "StalePlan": "lifecycle.errors",
    # Running, and what a run returns.
    "Runner": "lifecycle.engine.runner",
    "RunnerConfig": "lifecycle.engine.config",
    "SCHEMA_VERSION": "lifecycle.model.results",
    "RunResult": "lifecycle.model.results",
    "StepResult": "lifecycle.model.results",
    "StepStatus": "lifecycle.model.results",
    "AwsError": "lifecycle.errors",
    "Refused": "lifecycle.errors",
    # What a run ends with, and the errors the library raises (one tree, one root).
    "Outcome": "lifecycle.model.outcome",
    "LifecycleError": "lifecycle.errors",
    "UsageError": "lifecycle.errors",
    "UnknownName": "lifecycle.errors",
    # The journal.
    "Journal": "lifecycle.journal",
    "JournalError": "lifecycle.errors",
    "LockHeld": "lifecycle.errors",
    "open_journal": "lifecycle.journal",
}

__all__ = sorted(_PUBLIC)

if TYPE_CHECKING:
    from lifecycle.engine.config import RunnerConfig as RunnerConfig
    from lifecycle.engine.runner import Runner as Runner
    from lifecycle.errors import AwsError as AwsError
    from lifecycle.errors import Blocked as Blocked
    from lifecycle.errors import JournalError as JournalError
    from lifecycle.errors import LifecycleError as LifecycleError
    from lifecycle.errors import LockHeld as LockHeld
    from lifecycle.errors import Refused as Refused
    from lifecycle.errors import StalePlan as StalePlan
    from lifecycle.errors import UnknownName as UnknownName
    from lifecycle.errors import Unreachable as Unreachable
    from lifecycle.errors import UsageError as UsageError
    from lifecycle.journal import Journal as Journal
    from lifecycle.journal import open_journal as open_journal
    from lifecycle.model.calls import LIST_REGIONS as LIST_REGIONS
    from lifecycle.model.calls import Access as Access
    from lifecycle.model.calls import Call as Call
    from lifecycle.model.calls import Operation as Operation
    from lifecycle.model.calls import Reads as Reads
    from lifecycle.model.decide import PlanOptions as PlanOptions
    from lifecycle.model.definition import LIFECYCLE as LIFECYCLE
    from lifecycle.model.definition import Definition as Definition
    from lifecycle.model.definition import State as State
    from lifecycle.model.definition import Transition as Transition
    from lifecycle.model.kinds import Kind as Kind
    from lifecycle.model.kinds import Option as Option
    from lifecycle.model.kinds import integer as integer
    from lifecycle.model.observation import Dependent as Dependent
    from lifecycle.model.observation import Observation as Observation
    from lifecycle.model.outcome import Outcome as Outcome
    from lifecycle.model.results import SCHEMA_VERSION as SCHEMA_VERSION
    from lifecycle.model.results import RunResult as RunResult
    from lifecycle.model.results import StepResult as StepResult
    from lifecycle.model.results import StepStatus as StepStatus
    from lifecycle.model.retry import RetryPolicy as RetryPolicy
    from lifecycle.model.workflow import OBSERVE as OBSERVE
    from lifecycle.model.workflow import Activation as Activation
    from lifecycle.model.workflow import Binding as Binding
    from lifecycle.model.workflow import Demo as Demo
    from lifecycle.model.workflow import Workflow as Workflow


def __getattr__(name: str) -> Any:
    home = _PUBLIC.get(name)
    if home is None:
        raise AttributeError(f"module 'lifecycle' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # loaded once: later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
