"""The runtime state machine, built with ``transitions`` from a :class:`Definition`.

Its guards are pure predicates of an :class:`Observation`; it has no callbacks that could
call AWS, so a failing action can never leave the machine in a state the world is not in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from transitions import Machine, MachineError

from lifecycle.definition import Definition, DefinitionError
from lifecycle.guards import GUARDS, Predicate
from lifecycle.observation import Observation

__all__ = ["Lifecycle", "MachineError", "build"]


class Lifecycle:
    """The model object ``transitions`` drives; ``state`` is a state id of the definition."""

    state: str

    def __init__(self, definition: Definition) -> None:
        self.definition = definition

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


def build(
    definition: Definition,
    initial: str | None = None,
    guards: Mapping[str, Predicate] = GUARDS,
) -> Lifecycle:
    """A :class:`Lifecycle` in ``initial`` (default: the definition's initial state)."""
    for transition in definition.transitions:
        for name in transition.guards:
            if name not in guards:
                raise DefinitionError(
                    f"transition {transition.trigger!r}: guard {name!r} has no predicate"
                )
    when = {guard.name: guard.when for guard in definition.guards}

    def condition(name: str) -> Callable[[Observation, Observation], bool]:
        predicate = guards[name]
        if when[name] == "before":
            return lambda _after, before: predicate(before)
        return lambda after, _before: predicate(after)

    model = Lifecycle(definition)
    Machine(
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
        send_event=False,
    )
    return model
