"""The engine over a workflow that is not MediaTailor's (``tests/fakes/widgets.py``): its
bindings come from its kinds and the engine's own IAM operations, its writes name their
targets, and what only a person can clear is refused before any write."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle.errors import InvalidOption, NeedsPerson
from lifecycle.model.decide import derive_state, next_transition, path_to, writes_for
from lifecycle.model.observation import (
    DeletionTask,
    Dependent,
    Observation,
    Role,
    RoleUsage,
    TaskStatus,
)
from lifecycle.model.options import PlanOptions
from lifecycle.model.person import by_hand
from lifecycle.model.workflow import OBSERVE, ROLE_OPERATIONS, Activation
from tests.fakes.widgets import LOCK, WORKFLOW, lock, widget

ROLE = Role(WORKFLOW.role_name, f"arn:aws:iam::123456789012:role/{WORKFLOW.role_name}")
REGIONS = ("us-east-1", "eu-west-1")


def world(*dependents: Dependent, task: DeletionTask | None = None) -> Observation:
    return Observation(ROLE, dependents, REGIONS, deletion_task=task)


def test_the_engine_brings_the_roles_iam_operations_and_the_kinds_bring_theirs() -> None:
    observe = {op.action for op in WORKFLOW.binding(OBSERVE).operations}
    assert {op.action for op in ROLE_OPERATIONS[OBSERVE]} <= observe
    assert {"example:ListWidgets", "example:ListLocks"} <= observe
    # No kind of a person's is written: only the widgets' write drains and restores.
    for trigger in ("drain", "restore"):
        writes = [op.action for op in WORKFLOW.binding(trigger).operations if op.writes]
        assert writes == ["example:SetWidget"]
    assert [op.action for op in WORKFLOW.binding("activate").operations] == ["example:SetWidget"]


@given(st.lists(st.tuples(st.sampled_from("abcdef"), st.integers(0, 9)), unique_by=lambda t: t[0]))
def test_a_drain_names_each_widget_it_turns_off_as_its_target(
    levels: list[tuple[str, int]],
) -> None:
    here = world(*(widget(n, level) for n, level in levels))
    calls = writes_for(WORKFLOW, "drain", here, PlanOptions(), "us-east-1")
    assert [c.key for c in calls] == [f"SetWidget:us-east-1:{n}" for n, level in levels if level]


def test_activate_carries_the_workflows_own_setting_and_its_default() -> None:
    here = world(widget("w", 0))
    given = PlanOptions(activation=Activation((("us-east-1", "w"),), {"level": 7}))
    [call] = writes_for(WORKFLOW, "activate", here, given, "us-east-1")
    assert call.params["Level"] == 7
    default = PlanOptions(activation=Activation((("us-east-1", "w"),)))
    [call] = writes_for(WORKFLOW, "activate", here, default, "us-east-1")
    assert call.params["Level"] == 5


def test_a_setting_the_workflow_does_not_declare_or_refuses_is_a_usage_error() -> None:
    assert WORKFLOW.option_values({"level": "3"}) == {"level": 3}
    with pytest.raises(InvalidOption, match=r"takes no such option .*level"):
        WORKFLOW.option_values({"percent": "3"})
    with pytest.raises(InvalidOption, match=r"level=12: 12 is not in 1\.\.9"):
        WORKFLOW.option_values({"level": "12"})


def test_a_lock_is_refused_before_any_write_with_one_line_saying_what_to_do() -> None:
    here = world(widget("w", 3), lock("l1"), lock("l2", "eu-west-1"))
    assert derive_state(here) == "IN_USE"
    with pytest.raises(NeedsPerson) as refused:
        next_transition(WORKFLOW, here, "deleted", PlanOptions())
    lines = str(refused.value).splitlines()
    assert lines[1:] == [
        "  us-east-1/l1 (lock): delete the lock, or point it at another role",
        "  eu-west-1/l2 (lock): delete the lock, or point it at another role",
    ]
    # Once a person cleared the locks, the same target is reached by the usual way.
    cleared = world(widget("w", 3))
    way = path_to(WORKFLOW, cleared, "deleted", PlanOptions())
    assert way is not None
    assert [t.trigger for t in way] == ["drain", "verify", "delete"]


def test_a_lock_does_not_stand_in_the_way_of_a_target_it_does_not_block() -> None:
    # in-use is where a lock keeps the role anyway: nothing to refuse.
    assert next_transition(WORKFLOW, world(lock("l")), "in-use", PlanOptions()) is None


def test_what_a_failed_task_names_after_a_drain_needs_a_person_only_if_its_kind_says_how() -> None:
    off = widget("w", 0)
    usage = (RoleUsage("us-east-1", ("arn:widget/w",)),)
    failed = DeletionTask("task/1", TaskStatus.FAILED, "in use", usage)
    assert by_hand(WORKFLOW, world(off, task=failed)) == ()  # a widget has no by-hand line
    stopped_lock = Dependent("us-east-1", LOCK, "l", "arn:lock/l", False)
    named = DeletionTask(
        "task/1", TaskStatus.FAILED, "in use", (RoleUsage("us-east-1", ("arn:lock/l",)),)
    )
    assert by_hand(WORKFLOW, world(stopped_lock, task=named)) == (stopped_lock,)
    assert by_hand(WORKFLOW, world(stopped_lock)) == ()  # no failed task: nothing proves it
