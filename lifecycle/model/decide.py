"""The pure half of a step: which state the world is in, which transition comes next, which
writes it sends, and what the world looks like afterwards.

Nothing here talks to AWS or the journal, so plans, dry runs and real runs share it, and
property tests can drive it with any observation.
"""

from __future__ import annotations

from collections import deque

from lifecycle.errors import Blocked, NeedsPerson, UnknownDependents, Unreachable
from lifecycle.model.calls import Call
from lifecycle.model.definition import Definition, Guard, Transition, When
from lifecycle.model.effects import EFFECTS, RUNNING, Effect
from lifecycle.model.guards import GUARDS
from lifecycle.model.observation import Observation, TaskStatus, replace
from lifecycle.model.options import PlanOptions, Where
from lifecycle.model.person import by_hand, by_hand_lines
from lifecycle.model.workflow import Workflow

__all__ = [
    "RUNNING",
    "PlanOptions",
    "derive_state",
    "next_transition",
    "path_to",
    "simulate",
    "writes_for",
]

ABSENT, CREATED, IN_USE = "ABSENT", "CREATED", "IN_USE"
DRAINING, DELETABLE, DELETED = "DRAINING", "DELETABLE", "DELETED"


def derive_state(world: Observation) -> str:
    """The lifecycle state of ``world``: AWS's facts first, the journal's intent second."""
    task = world.deletion_task
    intent = world.intent
    if world.role is None:
        gone_by_us = intent.deleted_by_us or intent.deletion_requested
        succeeded = task is not None and task.status == TaskStatus.SUCCEEDED
        return DELETED if gone_by_us or succeeded else ABSENT
    if task is not None and (task.status in RUNNING or task.status == TaskStatus.FAILED):
        return DELETABLE
    if world.active:  # what AWS shows wins over any intent
        return IN_USE
    if intent.deletion_requested or intent.decommission_intended:
        return DELETABLE
    if intent.draining:
        return DRAINING
    return CREATED


def _search(
    workflow: Workflow, world: Observation, goal: str, options: PlanOptions
) -> tuple[tuple[Transition, ...] | None, list[str]]:
    """Breadth-first over simulated worlds: the fewest planned transitions from ``world`` to
    ``goal`` (declaration order breaks ties), and what was missing on the ways not taken."""
    definition = workflow.definition
    where = Where("000000000000")
    queue: deque[tuple[Observation, tuple[Transition, ...]]] = deque([(world, ())])
    seen = {derive_state(world)}
    missing: list[str] = []
    while queue:
        here, path = queue.popleft()
        if definition.reached(derive_state(here), goal):
            return path, missing
        for transition in definition.outgoing(derive_state(here)):
            if not transition.planned or (transition.only_to_target and transition.dest != goal):
                continue
            effect = EFFECTS[transition.trigger]
            needs = effect.needs(workflow, here, options)
            why = _unmet_before(definition, transition, here) or (
                needs and f"{transition.trigger} needs {needs}"
            )
            if why:
                missing.append(why)
                continue
            try:
                after = effect.simulate(workflow, here, options, where)
            except Blocked as blocked:
                missing.append(str(blocked))
                continue
            if _unmet(definition, transition, after, "after"):
                # What its action leaves is known now (an unscanned region stays unscanned):
                # a way through a guard that will not hold never starts.
                missing.append(f"{transition.trigger}: {effect.blocked(after)}")
                continue
            state = derive_state(after)
            if state not in seen:
                seen.add(state)
                queue.append((after, (*path, transition)))
    return None, missing


def _unmet(
    definition: Definition, transition: Transition, world: Observation, when: When
) -> Guard | None:
    """The first of ``transition``'s guards judged ``when`` (before it acts, or on the world
    it leaves) that does not hold in ``world``."""
    for guard in definition.guards:
        if guard.name in transition.guards and guard.when == when and not GUARDS[guard.name](world):
            return guard
    return None


def _unmet_before(definition: Definition, transition: Transition, world: Observation) -> str | None:
    """What is missing to take ``transition`` from ``world``: its first unmet ``before``
    guard, as one line."""
    guard = _unmet(definition, transition, world, "before")
    if guard is None:
        return None
    return f"{transition.trigger}: guard {guard.name} does not hold ({guard.meaning})"


def path_to(
    workflow: Workflow, world: Observation, target: str, options: PlanOptions
) -> tuple[Transition, ...] | None:
    """The transitions from ``world``'s state to ``target``; ``None`` when unreachable.

    The way is decided whole, before any write, on worlds simulated step by step, with what
    can be judged up front: a plan never takes an unplanned transition (``reject``: an
    outcome, not a choice), takes an irreversible one (``delete``) only as its last step to
    its own destination, and a transition only when it has what it needs (``activate`` an
    activation, ``restore`` a recorded drain and no deletion task running).
    """
    goal = workflow.definition.state(target).id
    return _search(workflow, world, goal, options)[0]


def next_transition(
    workflow: Workflow, world: Observation, target: str, options: PlanOptions
) -> Transition | None:
    """The transition to fire now; ``None`` when ``world`` is already at ``target``.

    A way that deletes a role whose dependents the workflow cannot know is refused
    (:class:`UnknownDependents`) unless the options accept that."""
    state = derive_state(world)
    definition = workflow.definition
    goal = definition.state(target).id
    if definition.reached(state, goal):
        return None
    for transition in definition.outgoing(state):
        # An outcome AWS decided (a failed deletion task) is recorded before anything else.
        if not transition.planned and all(GUARDS[name](world) for name in transition.guards):
            return transition
    path, missing = _search(workflow, world, goal, options)
    accepted = workflow.dependents_known or options.accept_unknown_dependents
    if path is not None and not accepted and any(t.trigger == "delete" for t in path):
        raise UnknownDependents(
            f"workflow {workflow.name!r} cannot know what uses {workflow.role_name}: a "
            "decommission needs --accept-unknown-dependents"
        )
    if path is None:
        _refuse_if_held(workflow, world, goal, options)
        why = "; ".join(dict.fromkeys(missing)) or definition.why_unreachable(state, goal)
        raise Unreachable(
            f"{definition.state(goal).label} cannot be reached from "
            f"{definition.state(state).label}: {why}"
        )
    return path[0]


def _refuse_if_held(
    workflow: Workflow, world: Observation, goal: str, options: PlanOptions
) -> None:
    """:class:`NeedsPerson` when what only a person can clear is all that stands in the way:
    the goal is reachable once those dependents are gone."""
    held = by_hand(workflow, world)
    if not held:
        return
    cleared = replace(world, dependents=tuple(d for d in world.dependents if d not in held))
    if _search(workflow, cleared, goal, options)[0] is None:
        return
    lines = by_hand_lines(workflow, held)
    raise NeedsPerson("\n".join(["only a person can clear what still uses the role:", *lines]))


def writes_for(
    workflow: Workflow, trigger: str, world: Observation, options: PlanOptions, home: str
) -> list[Call]:
    """The writes ``trigger`` sends from ``world``, exactly (``home``: IAM's region)."""
    return _effect(trigger).writes(workflow, world, options, Where("", home))


def simulate(
    workflow: Workflow,
    trigger: str,
    world: Observation,
    options: PlanOptions,
    account: str,
    home: str = "us-east-1",
) -> Observation:
    """The world after ``trigger`` succeeds from ``world``: what a dry run shows and what a
    real run assumes until its next scan."""
    return _effect(trigger).simulate(workflow, world, options, Where(account, home))


def _effect(trigger: str) -> Effect:
    try:
        return EFFECTS[trigger]
    except KeyError:
        raise Blocked(f"unknown transition {trigger!r}") from None
