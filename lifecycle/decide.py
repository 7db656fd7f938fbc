"""The pure half of a step: which state the world is in, which transition comes next, which
writes it sends, and what the world looks like afterwards.

Nothing here talks to AWS or the journal, so plans, dry runs and real runs share it, and
property tests can drive it with any observation.
"""

from __future__ import annotations

from dataclasses import dataclass

from lifecycle.definition import Transition
from lifecycle.observation import DeletionTask, Dependent, Observation, Role, replace
from lifecycle.workflow import Activation, Call, Workflow

__all__ = [
    "Blocked",
    "Options",
    "Unreachable",
    "derive_state",
    "next_transition",
    "path_to",
    "simulate",
    "writes_for",
]

ABSENT, CREATED, IN_USE = "ABSENT", "CREATED", "IN_USE"
DRAINING, DELETABLE, DELETED = "DRAINING", "DELETABLE", "DELETED"
RUNNING = ("NOT_STARTED", "IN_PROGRESS")


class Blocked(Exception):
    """The next transition cannot be decided or sent: the message says why, in one line."""


class Unreachable(Blocked):
    """The target cannot be reached from the observed state by any allowed way."""


@dataclass(frozen=True)
class Options:
    """What the user asked for beyond the target."""

    activation: Activation | None = None
    #: A description to create the role with (or converge an adopted role to).
    description: str | None = None
    custom_suffix: str | None = None


def derive_state(world: Observation) -> str:
    """The lifecycle state of ``world``: AWS's facts first, the journal's intent second."""
    task = world.deletion_task
    if world.role is None:
        gone_by_us = world.deleted_by_us or world.deletion_requested
        succeeded = task is not None and task.status == "SUCCEEDED"
        return DELETED if gone_by_us or succeeded else ABSENT
    if task is not None and (task.status in RUNNING or task.status == "FAILED"):
        return DELETABLE
    if world.active:  # what AWS shows wins over any intent
        return IN_USE
    if world.deletion_requested or world.decommission_intended:
        return DELETABLE
    if world.draining:
        return DRAINING
    return CREATED


def path_to(
    workflow: Workflow, world: Observation, target: str, options: Options
) -> tuple[Transition, ...] | None:
    """The transitions from ``world``'s state to ``target``; ``None`` when unreachable.

    A plan never takes ``reject`` (an outcome, not a choice), takes ``delete`` only on the
    way to ``deleted``, ``restore`` only with a drain recorded and no deletion task running,
    and ``activate`` only with something to activate.
    """
    definition = workflow.definition
    goal = definition.state(target).id
    avoid = {"reject"}
    if goal != DELETED:
        avoid.add("delete")
    task = world.deletion_task
    if not world.drain_recorded or (task is not None and task.status in RUNNING):
        avoid.add("restore")  # nothing to restore, or the role is being deleted right now
    if options.activation is None:
        avoid.add("activate")
    return definition.shortest_path(derive_state(world), goal, avoid=avoid)


def next_transition(
    workflow: Workflow, world: Observation, target: str, options: Options
) -> Transition | None:
    """The transition to fire now; ``None`` when ``world`` is already at ``target``."""
    state = derive_state(world)
    definition = workflow.definition
    if state == definition.state(target).id:
        return None
    task = world.deletion_task
    if state == DELETABLE and task is not None and task.status == "FAILED":
        return definition.transition("reject")
    path = path_to(workflow, world, target, options)
    if path is None:
        raise Unreachable(
            f"{definition.state(target).label} cannot be reached from "
            f"{definition.state(state).label}"
        )
    return path[0]


def _arn(workflow: Workflow, account: str) -> str:
    return f"arn:aws:iam::{account}:role{workflow.role_path}{workflow.role_name}"


def writes_for(
    workflow: Workflow, trigger: str, world: Observation, options: Options, home: str
) -> list[Call]:
    """The writes ``trigger`` sends from ``world``, exactly (``home``: IAM's region)."""
    if trigger == "create":
        # create fires only where no role exists (absent, deleted); an existing role's
        # description is converged by the runner, outside the lifecycle.
        params = {"AWSServiceName": workflow.principal}
        if options.description:
            params["Description"] = options.description
        if options.custom_suffix:
            params["CustomSuffix"] = options.custom_suffix
        return [Call("iam", "CreateServiceLinkedRole", home, params)]
    if trigger in ("activate", "drain", "restore"):
        return [call for _, call in _changes(workflow, trigger, world, options)]
    if trigger == "delete":
        if world.deletion_task is not None and world.deletion_task.status in RUNNING:
            return []  # a task already runs: poll it, send nothing
        return [Call("iam", "DeleteServiceLinkedRole", home, {"RoleName": workflow.role_name})]
    return []  # verify and reject only read


def _key(dependent: Dependent) -> tuple[str, str, str]:
    return (dependent.region, dependent.kind, dependent.name)


def _changes(
    workflow: Workflow, trigger: str, world: Observation, options: Options
) -> list[tuple[Dependent, Call]]:
    """Each dependent ``trigger`` changes, with the write that changes it."""
    dependents = workflow.dependents
    if dependents is None:
        raise Blocked(f"workflow {workflow.name!r} declares no dependents")
    if trigger == "drain":
        return [(d, dependents.deactivate(d)) for d in world.active]
    if trigger == "restore":
        return [(d, dependents.reactivate(d)) for d in world.drained]
    if options.activation is None:
        raise Blocked("activate needs resources to activate")
    found = {(d.region, d.name): d for d in world.dependents if d.kind == dependents.activates}
    missing = [f"{r}/{n}" for r, n in options.activation.targets if (r, n) not in found]
    if missing:
        raise Blocked(f"activate: no such {dependents.activates}: {', '.join(missing)}")
    level = options.activation.level
    return [
        (found[(r, n)], dependents.activate(r, n, level)) for r, n in options.activation.targets
    ]


def simulate(
    workflow: Workflow,
    trigger: str,
    world: Observation,
    options: Options,
    account: str,
    home: str = "us-east-1",
) -> Observation:
    """The world after ``trigger`` succeeds from ``world``: what a dry run shows and what a
    real run assumes until its next scan."""
    if trigger == "create":
        role = world.role or Role(
            workflow.role_name, _arn(workflow, account), workflow.role_path, options.description
        )
        if options.description:
            role = replace(role, description=options.description)
        return replace(
            world,
            role=role,
            deletion_task=None,
            deleted_by_us=False,
            deletion_requested=False,
            decommission_intended=False,
            draining=False,
            drained=(),
            rejects=0,
        )
    if trigger in ("activate", "drain", "restore"):
        assert workflow.dependents is not None  # _changes refused a workflow without
        settings_of = workflow.dependents.settings_of
        changed = {
            _key(d): replace(d, active=trigger != "drain", settings=settings_of(call))
            for d, call in _changes(workflow, trigger, world, options)
        }
        dependents = tuple(changed.get(_key(d), d) for d in world.dependents)
        if trigger == "drain":
            # Keep the first snapshot of each dependent: a second drain (after a reject)
            # must not replace original settings with drained ones. A drain also undoes any
            # earlier finding that the role was deletable: only a new verify may say so.
            kept = {_key(d) for d in world.drained}
            drained = world.drained + tuple(d for d in world.active if _key(d) not in kept)
            return replace(world, dependents=dependents, draining=True, drained=drained,
                           decommission_intended=False, deletion_requested=False)  # fmt: skip
        if trigger == "restore":
            return replace(world, dependents=dependents, draining=False,
                           decommission_intended=False, drained=())  # fmt: skip
        return replace(world, dependents=dependents)
    if trigger == "verify":
        return replace(world, decommission_intended=True)
    if trigger == "delete":
        task_id = world.deletion_task.id if world.deletion_task else "task/simulated"
        return replace(
            world,
            role=None,
            dependents=(),
            deleted_by_us=True,
            deletion_requested=True,
            draining=False,
            decommission_intended=False,
            deletion_task=DeletionTask(task_id, "SUCCEEDED"),
        )
    if trigger == "reject":
        return replace(
            world,
            deletion_task=None,
            deletion_requested=False,
            decommission_intended=False,
            rejects=world.rejects + 1,
        )
    raise Blocked(f"unknown transition {trigger!r}")
