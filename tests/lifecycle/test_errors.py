"""One exception tree: every exception class of ``lifecycle`` derives from LifecycleError,
and only the command line imports the command line (it alone numbers exit codes)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import lifecycle
from lifecycle.cli import exits
from lifecycle.errors import (
    Failure,
    LifecycleError,
    LockHeld,
    StalePlan,
    Unreachable,
    UsageError,
)
from lifecycle.model.outcome import Outcome

ROOT = Path(lifecycle.__file__).parent


def _exception_classes() -> list[type[BaseException]]:
    found = []
    for module in pkgutil.walk_packages(lifecycle.__path__, "lifecycle."):
        if module.name.endswith("__main__"):
            continue
        loaded = importlib.import_module(module.name)
        for value in vars(loaded).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__.startswith("lifecycle")
            ):
                found.append(value)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_every_exception_class_of_lifecycle_derives_from_lifecycle_error() -> None:
    classes = _exception_classes()
    assert len(classes) >= 19, classes  # the walk found them: not vacuous
    assert [c for c in classes if not issubclass(c, LifecycleError)] == []


def test_every_exception_class_is_defined_in_the_one_module() -> None:
    assert {c.__module__ for c in _exception_classes()} == {"lifecycle.errors"}


def test_a_library_failure_is_caught_as_a_lifecycle_error() -> None:
    from lifecycle import registry
    from lifecycle.model.decide import next_transition
    from lifecycle.model.observation import Observation
    from lifecycle.model.options import PlanOptions

    workflow = registry.get("mediatailor")
    with pytest.raises(LifecycleError, match="unknown state 'nowhere'"):
        next_transition(workflow, Observation(role=None), "nowhere", PlanOptions())
    with pytest.raises(KeyError):  # as the callers that catch a KeyError expect
        registry.get("no-such-workflow")
    for error in (StalePlan("plan is stale"), LockHeld("1", "r", "someone", 0.0)):
        with pytest.raises(LifecycleError):
            raise error


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (LockHeld("1", "r", "someone", 0.0), exits.LOCK_HELD),
        (StalePlan("stale"), exits.STALE_PLAN),
        (Unreachable("no way"), exits.USAGE),
        (UsageError("no such option"), exits.USAGE),
        (Failure("not confirmed"), exits.ERROR),
        (LifecycleError("nobody expected this"), None),
        (ValueError("not ours"), None),
    ],
)
def test_the_command_line_alone_numbers_what_an_error_means(
    error: BaseException, code: int | None
) -> None:
    assert exits.expected(error) == code


def test_every_outcome_has_an_exit_code_and_the_journal_records_three() -> None:
    assert set(exits.CODES) == set(Outcome)
    assert len(set(exits.CODES.values())) == len(Outcome)
    assert {o.recorded for o in Outcome} == {"succeeded", "pending", "failed"}
