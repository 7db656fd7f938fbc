"""The runtime machine against its definition: one generated test per transition, and a
hypothesis state machine that fires anything anywhere."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from lifecycle.errors import DefinitionError
from lifecycle.model.definition import LIFECYCLE, Transition
from lifecycle.model.guards import GUARDS
from lifecycle.model.machine import Lifecycle, MachineError, build
from lifecycle.model.observation import (
    DeletionTask,
    Dependent,
    Intent,
    Observation,
    Role,
    TaskStatus,
)

ROLE = Role("AWSServiceRoleForMediaTailor", "arn:aws:iam::123456789012:role/x")

#: For each guard, an observation in which it holds.
HOLDS = {
    "nothing_active": Observation(role=ROLE),
    "deletion_succeeded": Observation(
        role=None, deletion_task=DeletionTask("t", TaskStatus.SUCCEEDED)
    ),
    "deletion_failed": Observation(role=ROLE, deletion_task=DeletionTask("t", TaskStatus.FAILED)),
    "drain_recorded": Observation(
        role=ROLE,
        intent=Intent(drained=(Dependent("us-east-1", "channel", "c", "arn:c", active=True),)),
    ),
}
#: An observation in which no guard holds.
NOTHING_HOLDS = Observation(role=None)


def satisfying(transition: Transition) -> Observation:
    """An observation in which every guard of ``transition`` holds."""
    assert len(transition.guards) <= 1, "extend HOLDS for transitions with several guards"
    return HOLDS[transition.guards[0]] if transition.guards else NOTHING_HOLDS


def test_every_guard_of_the_definition_has_a_witness() -> None:
    assert set(HOLDS) == {g.name for g in LIFECYCLE.guards} == set(GUARDS)
    for name, world in HOLDS.items():
        assert GUARDS[name](world)
        assert not GUARDS[name](NOTHING_HOLDS)


def walk_to(state: str) -> Lifecycle:
    """A machine driven from the initial state to ``state`` along the shortest path."""
    machine = build(LIFECYCLE)
    path = LIFECYCLE.shortest_path(LIFECYCLE.initial.id, state)
    assert path is not None
    for transition in path:
        assert machine.fire(transition.trigger, satisfying(transition))
    assert machine.state == state
    return machine


EDGES = [(t, source) for t in LIFECYCLE.transitions for source in t.sources]


@pytest.mark.parametrize(
    ("transition", "source"), EDGES, ids=[f"{t.trigger}-from-{s}" for t, s in EDGES]
)
def test_transition_moves_as_declared(transition: Transition, source: str) -> None:
    machine = walk_to(source)
    assert machine.fire(transition.trigger, satisfying(transition))
    assert machine.state == transition.dest


GUARDED = [(t, s) for t, s in EDGES if t.guards]


@pytest.mark.parametrize(
    ("transition", "source"), GUARDED, ids=[f"{t.trigger}-from-{s}" for t, s in GUARDED]
)
def test_guarded_transition_refused_when_guard_fails(transition: Transition, source: str) -> None:
    machine = walk_to(source)
    assert not machine.fire(transition.trigger, NOTHING_HOLDS)
    assert machine.state == source


def test_a_guard_without_predicate_is_refused_when_building() -> None:
    with pytest.raises(DefinitionError, match="guard 'nothing_active' has no predicate"):
        build(LIFECYCLE, guards={})


def test_no_auto_transitions() -> None:
    machine = build(LIFECYCLE)
    assert not hasattr(machine, "to_DELETED")


class MachineMatchesDefinition(RuleBasedStateMachine):
    """Fire any trigger with any world: the machine must do what the definition says."""

    @initialize(start=st.sampled_from([s.id for s in LIFECYCLE.states]))
    def start(self, start: str) -> None:
        self.machine = build(LIFECYCLE, initial=start)
        self.expected = start

    @rule(
        trigger=st.sampled_from([t.trigger for t in LIFECYCLE.transitions]),
        world=st.sampled_from([NOTHING_HOLDS, *HOLDS.values()]),
    )
    def fire(self, trigger: str, world: Observation) -> None:
        transition = LIFECYCLE.transition(trigger)
        if self.expected not in transition.sources:
            with pytest.raises(MachineError):
                self.machine.fire(trigger, world)
            return
        allowed = all(GUARDS[g](world) for g in transition.guards)
        assert self.machine.fire(trigger, world) is allowed
        if allowed:
            self.expected = transition.dest

    @invariant()
    def state_is_expected(self) -> None:
        if hasattr(self, "machine"):
            assert self.machine.state == self.expected


TestMachineMatchesDefinition = MachineMatchesDefinition.TestCase
