"""The lifecycle as frozen data: states, transitions and guards, validated when built.

Everything the tool produces (the runtime machine, plans, diagrams, the IAM policy, the
generated tests) is made from a :class:`Definition`; nothing lists a state or a transition a
second time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from lifecycle.errors import DefinitionError, UnknownName

__all__ = ["LIFECYCLE", "Definition", "Guard", "State", "Transition", "When"]

#: When a guard is judged: on the world a transition starts from, or on the one it leaves.
When = Literal["before", "after"]


@dataclass(frozen=True)
class State:
    """One state of the lifecycle."""

    #: Identifier-safe name (``IN_USE``): used in code, Mermaid ids and the journal.
    id: str
    #: Human label (``in-use``): used in output, diagrams and the command line.
    label: str
    #: One line saying what holds in this state.
    meaning: str = ""
    #: The state a lifecycle starts in (exactly one per definition).
    initial: bool = False
    #: A state where a lifecycle may end.
    final: bool = False
    #: A state users may ask to walk to (``--target``).
    target: bool = True
    #: Targets already reached in this state, beside itself: where no role exists, a
    #: decommission has nothing left to do (``absent`` meets ``deletable`` and ``deleted``).
    meets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guard:
    """A named pure condition on the observed world that a transition requires."""

    name: str
    meaning: str = ""
    #: ``after``: judged on the world the transition's action leaves (verify's rescan, the
    #: deletion task's outcome); ``before``: a precondition, judged on the world it starts from.
    when: When = "after"


@dataclass(frozen=True)
class Transition:
    """A trigger that moves the lifecycle from any of ``sources`` to ``dest``."""

    trigger: str
    sources: tuple[str, ...]
    dest: str
    #: Names of guards that must all hold; an empty tuple means unguarded.
    guards: tuple[str, ...] = ()
    meaning: str = ""
    #: False for an outcome AWS decides (a failed deletion), never chosen by a plan.
    planned: bool = True
    #: Taken only when its destination is the target: an irreversible step is no way through.
    only_to_target: bool = False
    #: Its action polls an asynchronous AWS task (diagrams show the poll policy).
    polls: bool = False
    #: The IAM policy scope it belongs to (``slr policy --scope``); ``None``: only ``all``.
    scope: Literal["provision", "decommission"] | None = "decommission"

    @property
    def edges(self) -> Iterator[tuple[str, str]]:
        """Each (source, dest) pair this transition draws."""
        return ((source, self.dest) for source in self.sources)


@dataclass(frozen=True)
class Definition:
    """A validated lifecycle: building one that breaks a rule raises :class:`DefinitionError`."""

    name: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    guards: tuple[Guard, ...] = ()
    _by_id: dict[str, State] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {state.id: state for state in self.states})
        _validate(self)

    # -- look-ups -------------------------------------------------------------------------

    def state(self, key: str) -> State:
        """The state with this id or label (``IN_USE`` or ``in-use``)."""
        found = self._by_id.get(key) or next((s for s in self.states if s.label == key), None)
        if found is None:
            known = ", ".join(s.label for s in self.states)
            raise UnknownName(f"unknown state {key!r} (known: {known})")
        return found

    def transition(self, trigger: str) -> Transition:
        """The transition with this trigger."""
        for transition in self.transitions:
            if transition.trigger == trigger:
                return transition
        known = ", ".join(t.trigger for t in self.transitions)
        raise UnknownName(f"unknown transition {trigger!r} (known: {known})")

    def reached(self, state: str, target: str) -> bool:
        """Whether ``target`` holds in ``state`` (ids or labels): it is the state, or one
        the state meets."""
        here, goal = self.state(state), self.state(target)
        return here.id == goal.id or goal.id in here.meets

    def why_unreachable(self, start: str, goal: str) -> str:
        """Why no declared way leads from ``start`` to ``goal`` (ids), as one clause: the
        transitions that enter it, and what stands between ``start`` and their sources."""
        into = [t for t in self.transitions if t.planned and self.reached(t.dest, goal)]
        if not into:
            return "no transition leads there"
        label = {s.id: s.label for s in self.states}
        triggers = " or ".join(dict.fromkeys(t.trigger for t in into))
        sources = list(dict.fromkeys(s for t in into for s in t.sources))
        entering = f"only {triggers} leads there (from {' or '.join(label[s] for s in sources)})"
        # An irreversible step ends a way only at its own destination.
        final = [t.trigger for t in self.transitions if t.only_to_target and t.dest != goal]
        ways = [self.shortest_path(start, s) for s in sources]
        through = [t for way in ways if way is not None for t in way if t.trigger in final]
        if through and all(self.shortest_path(start, s, avoid=final) is None for s in sources):
            last = through[0]
            return (
                f"{entering}, and from {label[start]} that takes {last.trigger}, which a way "
                f"takes only to {label[last.dest]}"
            )
        return f"{entering}, and no planned way leads from {label[start]} to any of them"

    @property
    def initial(self) -> State:
        return next(s for s in self.states if s.initial)

    @property
    def finals(self) -> tuple[State, ...]:
        return tuple(s for s in self.states if s.final)

    @property
    def targets(self) -> tuple[State, ...]:
        """The states users may ask to walk to, in declaration order."""
        return tuple(s for s in self.states if s.target)

    def outgoing(self, state_id: str) -> tuple[Transition, ...]:
        """Transitions that may fire from ``state_id``, in declaration order."""
        return tuple(t for t in self.transitions if state_id in t.sources)

    def shortest_path(
        self, start: str, goal: str, *, avoid: Iterable[str] = ()
    ) -> tuple[Transition, ...] | None:
        """Fewest transitions from ``start`` to ``goal`` (breadth-first, declaration order
        breaks ties); ``None`` when unreachable. ``avoid`` names triggers not to take."""
        banned = set(avoid)
        previous: dict[str, tuple[str, Transition] | None] = {start: None}
        queue = deque([start])
        while queue:
            here = queue.popleft()
            if here == goal:
                break
            for transition in self.outgoing(here):
                if transition.trigger in banned or transition.dest in previous:
                    continue
                previous[transition.dest] = (here, transition)
                queue.append(transition.dest)
        if goal not in previous:
            return None
        path: list[Transition] = []
        node = goal
        while (step := previous[node]) is not None:
            node, transition = step
            path.append(transition)
        return tuple(reversed(path))


def _validate(definition: Definition) -> None:
    _validate_states(definition)
    for transition in definition.transitions:
        _validate_transition(definition, transition)
    _validate_unguarded(definition)
    _validate_reachability(definition)


def _validate_states(definition: Definition) -> None:
    ids = [s.id for s in definition.states]
    for state in definition.states:
        if not state.id.isidentifier():
            raise DefinitionError(f"state {state.id!r}: id must be a Python identifier")
        if ids.count(state.id) > 1:
            raise DefinitionError(f"state {state.id!r} is declared twice")
    initials = [s.id for s in definition.states if s.initial]
    if len(initials) != 1:
        raise DefinitionError(
            f"definition {definition.name!r} needs exactly one initial state, has "
            f"{len(initials)}: {initials}"
        )
    if not definition.finals:
        raise DefinitionError(f"definition {definition.name!r} has no final state")
    for state in definition.states:
        for met in state.meets:
            found = definition._by_id.get(met)
            if found is None or not found.target or met == state.id:
                raise DefinitionError(
                    f"state {state.id!r} meets {met!r}, which is not another target state"
                )


def _validate_transition(definition: Definition, transition: Transition) -> None:
    where = f"transition {transition.trigger!r}"
    if not transition.trigger.isidentifier():
        raise DefinitionError(f"{where}: trigger must be a Python identifier")
    if [t.trigger for t in definition.transitions].count(transition.trigger) > 1:
        raise DefinitionError(f"{where} is declared twice")
    if not transition.sources:
        raise DefinitionError(f"{where} has no source state")
    for name in (*transition.sources, transition.dest):
        if name not in definition._by_id:
            raise DefinitionError(f"{where} names unknown state {name!r}")
    guard_names = {g.name for g in definition.guards}
    for guard in transition.guards:
        if guard not in guard_names:
            raise DefinitionError(f"{where} names unknown guard {guard!r}")


def _validate_unguarded(definition: Definition) -> None:
    unguarded: set[tuple[str, str]] = set()
    for transition in definition.transitions:
        if transition.guards:
            continue
        for source in transition.sources:
            key = (source, transition.trigger)
            if key in unguarded:
                raise DefinitionError(
                    f"transition {transition.trigger!r}: two unguarded transitions from "
                    f"state {source!r}"
                )
            unguarded.add(key)


def _validate_reachability(definition: Definition) -> None:
    start = definition.initial.id
    for state in definition.states:
        if definition.shortest_path(start, state.id) is None:
            raise DefinitionError(f"state {state.id!r} is not reachable from {start!r}")
        if not state.final and not any(
            definition.shortest_path(state.id, final.id) is not None for final in definition.finals
        ):
            raise DefinitionError(f"state {state.id!r} cannot reach a final state")


#: The lifecycle of an IAM service-linked role (DESIGN §2).
LIFECYCLE = Definition(
    name="service-linked-role",
    states=(
        State("ABSENT", "absent", "no such role", initial=True, target=False,
              meets=("DELETABLE", "DELETED")),
        State("CREATED", "created", "role exists, nothing uses it, no decommission under way"),
        State("IN_USE", "in-use", "role exists and at least one dependent uses it"),
        State("DRAINING", "draining", "decommission started: dependents being deactivated",
              target=False),
        State("DELETABLE", "deletable", "full scan found no active dependent; deletion intended"),
        State("DELETED", "deleted", "the deletion task succeeded; the role is gone", final=True,
              meets=("DELETABLE",)),
    ),
    guards=(
        Guard("nothing_active", "a full scan of every region found no active dependent"),
        Guard("deletion_succeeded", "the deletion task reports SUCCEEDED"),
        Guard("deletion_failed", "the deletion task reports FAILED with a usage list", "before"),
        Guard("drain_recorded", "the journal holds the settings the drain replaced", "before"),
    ),
    transitions=(
        Transition("create", ("ABSENT", "DELETED"), "CREATED",
                   meaning="create the role, or adopt it, and wait until IAM shows it",
                   scope="provision"),
        Transition("activate", ("CREATED",), "IN_USE",
                   meaning="turn on logging that uses the role", scope=None),
        Transition("drain", ("IN_USE",), "DRAINING",
                   meaning="deactivate every dependent, keeping its settings"),
        Transition("verify", ("DRAINING", "CREATED"), "DELETABLE", ("nothing_active",),
                   meaning="rescan every region, read-only"),
        Transition("delete", ("DELETABLE",), "DELETED", ("deletion_succeeded",),
                   meaning="start the deletion task and poll it", only_to_target=True,
                   polls=True),
        Transition("reject", ("DELETABLE",), "IN_USE", ("deletion_failed",),
                   meaning="the deletion task failed: the role is still used", planned=False),
        Transition("restore", ("DRAINING", "DELETABLE", "CREATED"), "IN_USE",
                   ("drain_recorded",),
                   meaning="re-apply the settings the drain kept (after a deletion: the undo)"),
    ),
)  # fmt: skip
