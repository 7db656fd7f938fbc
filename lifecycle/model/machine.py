"""The runtime state machine, built with ``transitions`` from a :class:`Definition`: one per
run, the run's spine.

Its guards are pure predicates of an :class:`Observation`; its one callback reports a state
entry and never calls AWS, so a failing action can never leave the machine in a state the
world is not in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from transitions import EventData, Machine, MachineError

from lifecycle.errors import DefinitionError
from lifecycle.model.definition import Definition
from lifecycle.model.guards import GUARDS, Predicate
from lifecycle.model.observation import Observation

__all__ = ["Entered", "Lifecycle", "MachineError", "build"]

#: Told of each state entry: (source, destination, trigger). It must only report.
Entered = Callable[[str, str, str], None]


class Lifecycle:
    """The model object ``transitions`` drives; ``state`` is a state id of the definition."""

    state: str

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.machine: Machine | None = None

    def fire(self, trigger: str, after: Observation, before: Observation | None = None) -> bool:
        """Fire ``trigger``: ``after`` is the world its action left, ``before`` the world it
        started from (default: the same); each guard reads the one its definition names.

        Returns False (state unchanged) when a guard does not hold; raises
        :class:`MachineError` when the trigger is not allowed from the current state.
        """
        fired: bool = getattr(self, "trigger")(trigger, after, before or after)  # noqa: B009
        return fired

    @property
    def label(self) -> str:
        return self.definition.state(self.state).label

    def resync(self, state: str) -> None:
        """Put the machine in ``state`` without firing anything: the world said otherwise."""
        assert self.machine is not None
        self.machine.set_state(self.definition.state(state).id, model=self)


def build(
    definition: Definition,
    initial: str | None = None,
    guards: Mapping[str, Predicate] = GUARDS,
    on_enter: Entered | None = None,
) -> Lifecycle:
    """A :class:`Lifecycle` in ``initial`` (default: the definition's initial state);
    ``on_enter`` is told of each state the machine enters by firing."""
    for transition in definition.transitions:
        for name in transition.guards:
            if name not in guards:
                raise DefinitionError(
                    f"transition {transition.trigger!r}: guard {name!r} has no predicate"
                )
    when = {guard.name: guard.when for guard in definition.guards}

    def condition(name: str) -> Callable[[EventData], bool]:
        predicate = guards[name]
        index = 1 if when[name] == "before" else 0  # fire(trigger, after, before)
        return lambda event: predicate(list(event.args)[index])

    def entered(event: EventData) -> None:
        if on_enter is not None and event.transition is not None:
            on_enter(str(event.transition.source), str(event.transition.dest), event.event.name)

    model = Lifecycle(definition)
    model.machine = Machine(
        model=model,
        states=[state.id for state in definition.states],
        transitions=[
            {
                "trigger": t.trigger,
                "source": list(t.sources),
                "dest": t.dest,
                "conditions": [condition(name) for name in t.guards],
            }
            for t in definition.transitions
        ],
        initial=definition.state(initial).id if initial else definition.initial.id,
        auto_transitions=False,
        send_event=True,
        after_state_change=entered,
    )
    return model
