"""Each validation rule of a definition, with a definition that breaks it."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle.errors import DefinitionError
from lifecycle.model.definition import LIFECYCLE, Definition, Guard, State, Transition

A, B, C = State("A", "a", initial=True), State("B", "b"), State("C", "c", final=True)


def build(states=(A, B, C), transitions=None, guards=()):  # type: ignore[no-untyped-def]
    if transitions is None:
        transitions = (Transition("go", ("A",), "B"), Transition("end", ("B",), "C"))
    return Definition("test", tuple(states), tuple(transitions), tuple(guards))


def test_a_well_formed_definition_builds() -> None:
    assert build().initial == A


def test_the_lifecycle_has_six_states_and_seven_transitions() -> None:
    assert [s.label for s in LIFECYCLE.states] == [
        "absent",
        "created",
        "in-use",
        "draining",
        "deletable",
        "deleted",
    ]
    assert [t.trigger for t in LIFECYCLE.transitions] == [
        "create",
        "activate",
        "drain",
        "verify",
        "delete",
        "reject",
        "restore",
    ]


@pytest.mark.parametrize("initials", [(), ("A", "B")])
def test_exactly_one_initial_state(initials: tuple[str, ...]) -> None:
    states = [dataclasses.replace(s, initial=s.id in initials) for s in (A, B, C)]
    with pytest.raises(DefinitionError, match="exactly one initial state"):
        build(states)


@pytest.mark.parametrize("met", ["Z", "A", "C"], ids=["unknown", "itself", "not-a-target"])
def test_a_state_meets_only_other_target_states(met: str) -> None:
    untargeted = dataclasses.replace(C, target=False)
    meeting = dataclasses.replace(A, meets=(met,))
    with pytest.raises(DefinitionError, match=f"state 'A' meets '{met}'"):
        build((meeting, B, untargeted))


def test_where_no_role_exists_the_decommission_targets_already_hold() -> None:
    assert LIFECYCLE.reached("absent", "deleted")
    assert LIFECYCLE.reached("absent", "deletable")
    assert LIFECYCLE.reached("deleted", "deletable")
    assert not LIFECYCLE.reached("absent", "created")
    assert not LIFECYCLE.reached("deleted", "in-use")
    assert not LIFECYCLE.reached("created", "deletable")


def test_every_state_reachable() -> None:
    orphan = State("D", "d", final=True)
    with pytest.raises(DefinitionError, match="state 'D' is not reachable"):
        build((A, B, C, orphan))


def test_every_non_final_state_reaches_a_final_one() -> None:
    trap = (Transition("go", ("A",), "B"), Transition("end", ("A",), "C"))
    with pytest.raises(DefinitionError, match="state 'B' cannot reach a final state"):
        build(transitions=trap)


def test_no_two_unguarded_transitions_share_source_and_trigger() -> None:
    twice = (Transition("go", ("A",), "B"), Transition("end", ("B", "B"), "C"))
    with pytest.raises(DefinitionError, match="two unguarded transitions from state 'B'"):
        build(transitions=twice)


def test_a_trigger_is_declared_once() -> None:
    dup = (Transition("go", ("A",), "B"), Transition("go", ("B",), "C"))
    with pytest.raises(DefinitionError, match="transition 'go' is declared twice"):
        build(transitions=dup)


def test_every_guard_named_exists() -> None:
    bad = (Transition("go", ("A",), "B", ("ready",)), Transition("end", ("B",), "C"))
    with pytest.raises(DefinitionError, match="transition 'go' names unknown guard 'ready'"):
        build(transitions=bad)
    assert build(transitions=bad, guards=(Guard("ready"),)).transition("go").guards == ("ready",)


def test_every_state_named_exists() -> None:
    bad = (Transition("go", ("A",), "Z"), Transition("end", ("B",), "C"))
    with pytest.raises(DefinitionError, match="transition 'go' names unknown state 'Z'"):
        build(transitions=bad)


def test_state_ids_are_identifiers() -> None:
    with pytest.raises(DefinitionError, match="state 'in-use': id must be a Python identifier"):
        build((A, State("in-use", "in-use"), C))


def test_a_final_state_is_required() -> None:
    with pytest.raises(DefinitionError, match="has no final state"):
        build((A, B, dataclasses.replace(C, final=False)))


def test_states_are_found_by_id_or_label() -> None:
    assert LIFECYCLE.state("in-use") is LIFECYCLE.state("IN_USE")
    with pytest.raises(KeyError, match="unknown state 'gone'"):
        LIFECYCLE.state("gone")


labels = st.sampled_from([s.label for s in LIFECYCLE.states])


@given(start=labels, goal=labels)
def test_shortest_path_walks_declared_transitions_to_the_goal(start: str, goal: str) -> None:
    path = LIFECYCLE.shortest_path(LIFECYCLE.state(start).id, LIFECYCLE.state(goal).id)
    if path is None:  # only a state no transition enters is unreachable: absent
        assert start != goal
        assert not any(t.dest == LIFECYCLE.state(goal).id for t in LIFECYCLE.transitions)
        return
    here = LIFECYCLE.state(start).id
    for transition in path:
        assert here in transition.sources
        here = transition.dest
    assert here == LIFECYCLE.state(goal).id
    assert len(path) == len({t.dest for t in path})  # no state visited twice
