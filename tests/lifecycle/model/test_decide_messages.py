"""What the planner says when it refuses, word for word (a person reads these lines to know
what to do), and that the writes and worlds it decides are the run's: its account, its IAM
home region."""

from __future__ import annotations

import dataclasses

import pytest

from lifecycle.errors import Blocked, NeedsPerson, UnknownDependents, Unreachable
from lifecycle.model.decide import next_transition, simulate, writes_for
from lifecycle.model.observation import (
    DeletionTask,
    Dependent,
    Intent,
    Observation,
    Role,
    TaskStatus,
)
from lifecycle.model.options import PlanOptions
from tests.fakes.widgets import LOCK, WORKFLOW, widget

ROLE = Role(WORKFLOW.role_name, "arn:aws:iam::123456789012:role/x")
REGIONS = ("us-east-1", "eu-west-1")


def refusal(world: Observation, target: str, workflow: object = WORKFLOW) -> str:
    with pytest.raises((Unreachable, NeedsPerson, UnknownDependents)) as refused:
        next_transition(workflow, world, target, PlanOptions())  # type: ignore[arg-type]
    return str(refused.value)


def test_an_unreachable_target_names_what_each_way_lacks() -> None:
    unscanned = Observation(ROLE, (widget("a", 1),), ("us-east-1",), {"eu-west-1": "timed out"})
    assert refusal(unscanned, "deleted") == (
        "deleted cannot be reached from in-use: verify: verify needs every region scanned; "
        "not scanned: eu-west-1 (timed out)"
    )
    assert refusal(Observation(ROLE, (widget("a", 0),), REGIONS), "in-use") == (
        "in-use cannot be reached from created: activate needs --activate REGION/NAME; "
        "restore: guard drain_recorded does not hold "
        "(the journal holds the settings the drain replaced)"
    )
    running = Observation(
        ROLE,
        (widget("a", 0),),
        REGIONS,
        deletion_task=DeletionTask("t", TaskStatus.IN_PROGRESS),
        intent=Intent(drained=(widget("a", 2),)),
    )
    assert refusal(running, "in-use") == (
        "in-use cannot be reached from deletable: restore needs no deletion task running (one is)"
    )


def test_what_only_a_person_can_clear_is_named_with_how() -> None:
    lock = Dependent("eu-west-1", LOCK, "L", "arn:L", True)
    world = Observation(ROLE, (widget("a", 1), lock), REGIONS)
    assert refusal(world, "deleted") == (
        "only a person can clear what still uses the role:\n"
        "  eu-west-1/L (lock): delete the lock, or point it at another role"
    )


def test_a_decommission_of_unknowable_dependents_needs_the_callers_acceptance() -> None:
    workflow = dataclasses.replace(WORKFLOW, dependents_known=False)
    world = Observation(ROLE, (widget("a", 0),), REGIONS)
    assert refusal(world, "deleted", workflow) == (
        "workflow 'widgets' cannot know what uses AWSServiceRoleForExample: "
        "a decommission needs --accept-unknown-dependents"
    )
    accepted = PlanOptions(accept_unknown_dependents=True)
    assert next_transition(workflow, world, "deleted", accepted) is not None


def test_writes_go_to_the_runs_home_region() -> None:
    (call,) = writes_for(WORKFLOW, "delete", Observation(ROLE), PlanOptions(), "us-gov-west-1")
    assert call.region == "us-gov-west-1"


def test_the_simulated_world_is_the_runs_account_and_home_region() -> None:
    after = simulate(
        WORKFLOW, "create", Observation(None), PlanOptions(), "111122223333", "cn-north-1"
    )
    assert after.role is not None
    assert after.role.arn.startswith("arn:aws-cn:iam::111122223333:role/")
    by_default = simulate(WORKFLOW, "create", Observation(None), PlanOptions(), "111122223333")
    assert by_default.role is not None
    assert by_default.role.arn.startswith("arn:aws:iam::111122223333:role/")


def test_an_unknown_transition_is_refused_by_name() -> None:
    with pytest.raises(Blocked, match=r"^unknown transition 'fly'$"):
        writes_for(WORKFLOW, "fly", Observation(ROLE), PlanOptions(), "us-east-1")
