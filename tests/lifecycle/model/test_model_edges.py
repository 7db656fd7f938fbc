"""The model's rarer answers, each pinned: the intent an observation carries into the journal,
a definition's refusals word for word, the lifecycle's shortest ways (and those it avoids),
and the planner where a way is blocked by an effect, by nothing at all, or by a person."""

from __future__ import annotations

import dataclasses

import pytest

from lifecycle.errors import (
    Blocked,
    DefinitionError,
    NeedsPerson,
    UnknownDependents,
    UnknownName,
    Unreachable,
)
from lifecycle.model.decide import next_transition
from lifecycle.model.definition import LIFECYCLE, Definition, State, Transition
from lifecycle.model.effects import EFFECTS
from lifecycle.model.observation import (
    DeletionTask,
    Dependent,
    Intent,
    Observation,
    Role,
    TaskStatus,
)
from lifecycle.model.options import PlanOptions, Where
from lifecycle.model.workflow import Activation
from tests.fakes.widgets import LOCK, WORKFLOW, widget

ROLE = Role(WORKFLOW.role_name, "arn:aws:iam::123456789012:role/x")
REGIONS = ("us-east-1", "eu-west-1")
A, B, C = State("A", "a", initial=True), State("B", "b"), State("C", "c", final=True)


# -- Intent.of: what the journal keeps of a look at AWS ------------------------------------


@pytest.mark.parametrize("status", list(TaskStatus))
@pytest.mark.parametrize("role", [ROLE, None], ids=["role", "no-role"])
def test_the_journal_keeps_a_running_task_and_credits_a_succeeded_one(
    status: TaskStatus, role: Role | None
) -> None:
    world = Observation(
        role, deletion_task=DeletionTask("task/9", status), intent=Intent(rejects=1)
    )
    intent = Intent.of(world)
    succeeded = status is TaskStatus.SUCCEEDED
    assert intent.task_id == (None if succeeded else "task/9")
    assert intent.deleted_by_us is (succeeded and role is None)
    assert intent.rejects == 1


def test_without_a_task_the_journals_intent_stands() -> None:
    kept = Intent(deleted_by_us=True, task_id="task/old", draining=True)
    assert Intent.of(Observation(None, intent=kept)) == dataclasses.replace(kept, task_id=None)
    assert Intent.of(Observation(ROLE)) == Intent()


# -- a definition's refusals ---------------------------------------------------------------


def build(states=(A, B, C), transitions=None):  # type: ignore[no-untyped-def]
    if transitions is None:
        transitions = (Transition("go", ("A",), "B"), Transition("end", ("B",), "C"))
    return Definition("test", tuple(states), tuple(transitions), ())


def test_unknown_names_are_refused_with_the_known_ones() -> None:
    with pytest.raises(UnknownName) as state:
        LIFECYCLE.state("gone")
    assert state.value.args[0] == (
        "unknown state 'gone' (known: absent, created, in-use, draining, deletable, deleted)"
    )
    with pytest.raises(UnknownName) as transition:
        LIFECYCLE.transition("fly")
    assert transition.value.args[0] == (
        "unknown transition 'fly' (known: create, activate, drain, verify, delete, reject, restore)"
    )


def test_a_state_declared_twice_is_refused_naming_it() -> None:
    with pytest.raises(DefinitionError) as refused:
        build((A, B, B, C))
    assert str(refused.value) == "state 'B' is declared twice"


@pytest.mark.parametrize(
    ("transition", "message"),
    [
        (
            Transition("go-on", ("B",), "C"),
            "transition 'go-on': trigger must be a Python identifier",
        ),
        (Transition("end", (), "C"), "transition 'end' has no source state"),
    ],
)
def test_a_malformed_transition_is_refused_in_one_line(
    transition: Transition, message: str
) -> None:
    with pytest.raises(DefinitionError) as refused:
        build(transitions=(Transition("go", ("A",), "B"), transition))
    assert str(refused.value) == message


def test_unguarded_transitions_are_checked_past_a_guarded_one() -> None:
    from lifecycle.model.definition import Guard

    twice = (
        Transition("go", ("A",), "B", ("ready",)),
        Transition("end", ("B", "B"), "C"),
    )
    with pytest.raises(DefinitionError, match="two unguarded transitions from state 'B'"):
        Definition("test", (A, B, C), twice, (Guard("ready"),))


def test_shortest_paths_of_the_lifecycle_and_what_they_avoid() -> None:
    def triggers(start: str, goal: str, avoid: tuple[str, ...] = ()) -> list[str] | None:
        path = LIFECYCLE.shortest_path(
            LIFECYCLE.state(start).id, LIFECYCLE.state(goal).id, avoid=avoid
        )
        return None if path is None else [t.trigger for t in path]

    assert triggers("absent", "deleted") == ["create", "verify", "delete"]
    assert triggers("in-use", "deleted") == ["drain", "verify", "delete"]
    assert triggers("absent", "deleted", avoid=("delete",)) is None
    assert triggers("in-use", "created", avoid=("drain",)) is None
    assert triggers("created", "absent") is None
    # A trigger avoided is passed over, and the way goes on with the next one.
    assert triggers("created", "in-use", avoid=("activate",)) == ["restore"]


# -- the planner's rarer refusals ----------------------------------------------------------


def test_a_way_an_effect_refuses_is_named_among_the_missing() -> None:
    options = PlanOptions(activation=Activation((("us-east-1", "nowhere"),)))
    with pytest.raises(Unreachable) as refused:
        next_transition(WORKFLOW, Observation(ROLE, (widget("a", 0),), REGIONS), "in-use", options)
    assert str(refused.value) == (
        "in-use cannot be reached from created: activate: no such widget: us-east-1/nowhere; "
        "restore: guard drain_recorded does not hold "
        "(the journal holds the settings the drain replaced)"
    )


def test_a_refused_effect_does_not_end_the_search_for_another_way() -> None:
    drained = Intent(drained=(widget("a", 2),))
    world = Observation(ROLE, (widget("a", 0),), REGIONS, intent=drained)
    options = PlanOptions(activation=Activation((("us-east-1", "nowhere"),)))
    step = next_transition(WORKFLOW, world, "in-use", options)
    assert step is not None
    assert step.trigger == "restore"


def test_a_way_whose_guard_would_not_hold_after_it_does_not_end_the_search() -> None:
    # verify leaves an unscanned region unscanned (its guard would not hold): restore remains.
    world = Observation(
        ROLE,
        (widget("a", 0),),
        ("us-east-1",),
        {"eu-west-1": "timed out"},
        intent=Intent(draining=True, drained=(widget("a", 2),)),
    )
    step = next_transition(WORKFLOW, world, "in-use", PlanOptions())
    assert step is not None
    assert step.trigger == "restore"


def test_a_target_with_no_way_in_says_so_and_nothing_more() -> None:
    # Every way from here can be taken (an activation found, a drain recorded): none leads
    # to "absent", and nothing is missing on the way.
    world = Observation(ROLE, (widget("a", 0),), REGIONS, intent=Intent(drained=(widget("a", 2),)))
    options = PlanOptions(activation=Activation((("us-east-1", "a"),)))
    with pytest.raises(Unreachable) as refused:
        next_transition(WORKFLOW, world, "absent", options)
    assert str(refused.value) == "absent cannot be reached from created: no transition leads there"


def test_what_a_person_could_clear_is_not_blamed_when_it_would_not_help() -> None:
    lock = Dependent("eu-west-1", LOCK, "L", "arn:L", True)
    world = Observation(ROLE, (lock,), ("us-east-1",), {"eu-west-1": "timed out"})
    with pytest.raises(Unreachable) as refused:
        next_transition(WORKFLOW, world, "deleted", PlanOptions())
    assert str(refused.value) == (
        "deleted cannot be reached from in-use: only delete leads there (from deletable), "
        "and no planned way leads from in-use to any of them"
    )
    with pytest.raises(NeedsPerson):
        next_transition(
            WORKFLOW, dataclasses.replace(world, unscanned_regions={}), "deleted", PlanOptions()
        )


def test_unknowable_dependents_refuse_only_a_way_that_deletes() -> None:
    workflow = dataclasses.replace(WORKFLOW, dependents_known=False)
    world = Observation(ROLE, (widget("a", 1),), REGIONS)
    step = next_transition(workflow, world, "draining", PlanOptions())
    assert step is not None
    assert step.trigger == "drain"
    with pytest.raises(UnknownDependents):
        next_transition(workflow, world, "deleted", PlanOptions())


def test_a_workflow_with_nothing_to_activate_says_so() -> None:
    workflow = dataclasses.replace(WORKFLOW, activates=None)
    options = PlanOptions(activation=Activation((("us-east-1", "a"),)))
    with pytest.raises(Blocked) as refused:
        EFFECTS["activate"].writes(workflow, Observation(ROLE), options, Where("1"))
    assert str(refused.value) == "workflow 'widgets' has nothing to activate"
