"""What each transition does, declared once, next to its trigger: the writes it sends, the
world it leaves, how it acts, what it needs before it can be taken, and why it can be blocked.

Pure: nothing here talks to AWS or the journal. :data:`EFFECTS` is checked against the
definition at import, so a transition without an effect (or an effect without a transition)
fails at once with one line naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from lifecycle.errors import Blocked, DefinitionError
from lifecycle.model.calls import Call
from lifecycle.model.definition import LIFECYCLE, Definition
from lifecycle.model.observation import (
    RUNNING,
    DeletionTask,
    Dependent,
    Observation,
    Role,
    TaskStatus,
    replace,
)
from lifecycle.model.options import PlanOptions, Where
from lifecycle.model.workflow import Workflow

__all__ = [
    "EFFECTS",
    "RUNNING",
    "Acting",
    "Effect",
    "check_effects",
    "deactivation_notes",
    "found_deletable",
]


class Acting(StrEnum):
    """How a transition acts on AWS; :mod:`lifecycle.engine.act` implements each, once."""

    #: Send the create, adopt a role someone created meanwhile, wait until IAM shows it.
    CREATE = "create"
    #: Send each write through the pool; a dependent gone since the scan is reported, not fatal.
    SEND = "send"
    #: Rescan every region, read-only.
    RESCAN = "rescan"
    #: Start (or resume) the deletion task and poll it to its end.
    DELETE = "delete"
    #: Send nothing: record AWS's answer (a failed deletion), wait as AWS advises, rescan.
    RECORD = "record"


Writes = Callable[[Workflow, Observation, PlanOptions, Where], list[Call]]
Changes = Callable[[Workflow, Observation, PlanOptions], list[tuple[Dependent, Call]]]
Simulate = Callable[[Workflow, Observation, PlanOptions, Where], Observation]
Needs = Callable[[Workflow, Observation, PlanOptions], str | None]
Why = Callable[[Observation], str]


def _nothing(_workflow: Workflow, _world: Observation, _options: PlanOptions) -> str | None:
    return None


def _no_writes(_w: Workflow, _world: Observation, _o: PlanOptions, _where: Where) -> list[Call]:
    return []


@dataclass(frozen=True)
class Effect:
    """One transition's behaviour."""

    trigger: str
    acting: Acting
    #: The writes it sends from a world, exactly.
    writes: Writes
    #: The world after it succeeds: what a dry run shows, and what a real run assumes until
    #: its next scan.
    simulate: Simulate
    #: Why its guard does not hold in the world its action left (one line).
    blocked: Why
    #: What is missing to take it from a world (judged before any write), or ``None``.
    needs: Needs = _nothing
    #: Record its intent in the journal before acting (a crash must not lose it).
    journal_first: bool = False
    #: For one write per dependent (``Acting.SEND``): each dependent it changes, with the write.
    changes: Changes | None = None


def _guard_failure(trigger: str) -> Why:
    return lambda _world: f"guard of {trigger} does not hold"


# -- create -------------------------------------------------------------------------------


def _create_writes(
    workflow: Workflow, _world: Observation, options: PlanOptions, where: Where
) -> list[Call]:
    # create fires only where no role exists (absent, deleted); an existing role's
    # description is converged by the runner, outside the lifecycle.
    params = {"AWSServiceName": workflow.principal}
    if options.description:
        params["Description"] = options.description
    if options.custom_suffix:
        params["CustomSuffix"] = options.custom_suffix
    return [Call("iam", "CreateServiceLinkedRole", where.home, params, workflow.principal)]


def role_arn(workflow: Workflow, where: Where) -> str:
    """The role's ARN in ``where``'s account and partition."""
    return (
        f"arn:{where.partition}:iam::{where.account}:role{workflow.role_path}{workflow.role_name}"
    )


def _create_simulate(
    workflow: Workflow, world: Observation, options: PlanOptions, where: Where
) -> Observation:
    role = world.role or Role(
        workflow.role_name, role_arn(workflow, where), workflow.role_path, options.description
    )
    if options.description:
        role = replace(role, description=options.description)
    # A new role ends any decommission, but keeps what a drain replaced: restore can still
    # put it back (the undo of a whole decommission).
    return replace(world, role=role, deletion_task=None, intent=world.intent.after_recreation())


# -- activate, drain, restore: one write per dependent ---------------------------------------


def _drain_changes(
    workflow: Workflow, world: Observation, _options: PlanOptions
) -> list[tuple[Dependent, Call]]:
    # What only a person can clear stays active: the way through it is refused (NeedsPerson).
    kinds = {d.key: workflow.kind(d.kind) for d in world.active}
    return [(d, kinds[d.key].deactivate(d)) for d in world.active if not kinds[d.key].person_only]


def _restore_changes(
    workflow: Workflow, world: Observation, _options: PlanOptions
) -> list[tuple[Dependent, Call]]:
    return [(d, workflow.kind(d.kind).reactivate(d)) for d in world.intent.drained]


def _activate_changes(
    workflow: Workflow, world: Observation, options: PlanOptions
) -> list[tuple[Dependent, Call]]:
    kind = workflow.activating
    if kind is None:
        raise Blocked(f"workflow {workflow.name!r} has nothing to activate")
    if options.activation is None:
        raise Blocked("activate needs resources to activate")
    found = {(d.region, d.name): d for d in world.dependents if d.kind == kind.name}
    missing = [f"{r}/{n}" for r, n in options.activation.targets if (r, n) not in found]
    if missing:
        raise Blocked(f"activate: no such {kind.name}: {', '.join(missing)}")
    # The engine carries the workflow's settings opaquely; those not given take defaults.
    values = {**workflow.option_values({}), **options.activation.options}
    return [(found[t], kind.activate(found[t], values)) for t in options.activation.targets]


def _per_dependent(
    trigger: str,
    changes: Changes,
    simulate: Simulate,
    *,
    needs: Needs = _nothing,
    journal_first: bool = False,
) -> Effect:
    """The effect of a transition that sends one write per dependent it changes."""
    return Effect(
        trigger,
        Acting.SEND,
        lambda workflow, world, options, _where: [c for _, c in changes(workflow, world, options)],
        simulate,
        _guard_failure(trigger),
        needs=needs,
        journal_first=journal_first,
        changes=changes,
    )


def _changed(
    workflow: Workflow, changes: Changes, world: Observation, options: PlanOptions, *, active: bool
) -> tuple[Dependent, ...]:
    """``world``'s dependents once ``changes`` took effect (each then ``active`` or not)."""
    changed = {
        d.key: replace(d, active=active, settings=workflow.kind(d.kind).settings_of(call))
        for d, call in changes(workflow, world, options)
    }
    return tuple(changed.get(d.key, d) for d in world.dependents)


def _activate_simulate(
    workflow: Workflow, world: Observation, options: PlanOptions, _where: Where
) -> Observation:
    return replace(
        world, dependents=_changed(workflow, _activate_changes, world, options, active=True)
    )


def _activate_needs(_workflow: Workflow, _world: Observation, options: PlanOptions) -> str | None:
    return "--activate REGION/NAME" if options.activation is None else None


def _drain_simulate(
    workflow: Workflow, world: Observation, options: PlanOptions, _where: Where
) -> Observation:
    # Keep the first snapshot of each dependent: a second drain (after a reject) must not
    # replace original settings with drained ones. A drain also undoes any earlier finding
    # that the role was deletable: only a new verify may say so.
    kept = {d.key for d in world.intent.drained}
    drained = world.intent.drained + tuple(d for d in world.active if d.key not in kept)
    return replace(
        world,
        dependents=_changed(workflow, _drain_changes, world, options, active=False),
        intent=replace(
            world.intent,
            draining=True,
            drained=drained,
            decommission_intended=False,
            deletion_requested=False,
        ),
    )


def _restore_simulate(
    workflow: Workflow, world: Observation, options: PlanOptions, _where: Where
) -> Observation:
    return replace(
        world,
        dependents=_changed(workflow, _restore_changes, world, options, active=True),
        intent=replace(world.intent, draining=False, decommission_intended=False, drained=()),
    )


def _no_deletion_running(
    _workflow: Workflow, world: Observation, _options: PlanOptions
) -> str | None:
    # Its guard (a drain recorded) is the definition's; this is what no guard says.
    task = world.deletion_task
    if task is not None and task.status in RUNNING:
        return "no deletion task running (one is)"
    return None


# -- verify, delete, reject ------------------------------------------------------------------


def found_deletable(world: Observation) -> Observation:
    """``world`` with a verify's finding recorded: the role may be deleted."""
    return replace(world, intent=replace(world.intent, decommission_intended=True))


def _verify_blocked(world: Observation) -> str:
    if world.unscanned_regions:
        return "verify needs every region scanned; not scanned: " + ", ".join(
            f"{r} ({why})" for r, why in sorted(world.unscanned_regions.items())
        )
    return "still active: " + ", ".join(f"{d.region}/{d.name}" for d in world.active)


def _delete_writes(
    workflow: Workflow, world: Observation, _options: PlanOptions, where: Where
) -> list[Call]:
    if world.deletion_task is not None and world.deletion_task.status in RUNNING:
        return []  # a task already runs: poll it, send nothing
    params = {"RoleName": workflow.role_name}
    return [Call("iam", "DeleteServiceLinkedRole", where.home, params, workflow.role_name)]


def _delete_simulate(
    _workflow: Workflow, world: Observation, _options: PlanOptions, _where: Where
) -> Observation:
    task_id = world.deletion_task.id if world.deletion_task else "task/simulated"
    return replace(
        world,
        role=None,
        dependents=(),
        deletion_task=DeletionTask(task_id, TaskStatus.SUCCEEDED),
        intent=replace(
            world.intent,
            deleted_by_us=True,
            deletion_requested=True,
            draining=False,
            decommission_intended=False,
            deleted_role=world.role.created if world.role else None,
        ),
    )


def _delete_blocked(world: Observation) -> str:
    task = world.deletion_task
    if task is None:
        return "guard of delete does not hold"
    return f"deletion task {task.status}: {task.reason}"


def _reject_simulate(
    _workflow: Workflow, world: Observation, _options: PlanOptions, _where: Where
) -> Observation:
    return replace(
        world,
        deletion_task=None,
        intent=replace(
            world.intent,
            deletion_requested=False,
            decommission_intended=False,
            rejects=world.intent.rejects + 1,
        ),
    )


#: Every transition's effect, by trigger.
EFFECTS: Mapping[str, Effect] = {
    effect.trigger: effect
    for effect in (
        Effect("create", Acting.CREATE, _create_writes, _create_simulate, _guard_failure("create")),
        _per_dependent("activate", _activate_changes, _activate_simulate, needs=_activate_needs),
        _per_dependent("drain", _drain_changes, _drain_simulate, journal_first=True),
        Effect(
            "verify",
            Acting.RESCAN,
            _no_writes,
            lambda _wf, world, _o, _w: found_deletable(world),
            _verify_blocked,
        ),
        Effect(
            "delete",
            Acting.DELETE,
            _delete_writes,
            _delete_simulate,
            _delete_blocked,
            journal_first=True,
        ),
        Effect("reject", Acting.RECORD, _no_writes, _reject_simulate, _guard_failure("reject")),
        _per_dependent("restore", _restore_changes, _restore_simulate, needs=_no_deletion_running),
    )
}


def deactivation_notes(
    workflow: Workflow, before: Observation, after: Observation
) -> dict[str, tuple[str, ...]]:
    """What a person should know of each dependent a step turns off ("region/name": notes)."""
    still = {d.key for d in after.active}
    found = {
        f"{d.region}/{d.name}": tuple(workflow.kind(d.kind).notes(d))
        for d in before.active
        if d.key not in still
    }
    return {name: notes for name, notes in found.items() if notes}


def check_effects(definition: Definition, effects: Mapping[str, object]) -> None:
    """Every transition has exactly one effect and every effect a transition (one line
    naming the culprit otherwise)."""
    triggers = {t.trigger for t in definition.transitions}
    for trigger in sorted(triggers - set(effects)):
        raise DefinitionError(f"transition {trigger!r} of {definition.name!r} has no effect")
    for trigger in sorted(set(effects) - triggers):
        raise DefinitionError(f"effect {trigger!r} has no transition in {definition.name!r}")


check_effects(LIFECYCLE, EFFECTS)
