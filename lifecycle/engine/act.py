"""Acting: the only place that sends writes. One function per way of acting
(:class:`~lifecycle.model.effects.Acting`), each used by the transitions whose effect names it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import TYPE_CHECKING, Any

from lifecycle.aws.gateway import Gateway
from lifecycle.aws.retry import Deadline, retrying
from lifecycle.engine.observe import Observer, role_of
from lifecycle.errors import AwsError
from lifecycle.journal import Journal
from lifecycle.log import get_logger
from lifecycle.model.calls import Call
from lifecycle.model.decide import derive_state
from lifecycle.model.effects import RUNNING, Acting, Effect, found_deletable
from lifecycle.model.guards import GUARDS
from lifecycle.model.machine import Lifecycle
from lifecycle.model.observation import (
    DeletionTask,
    Dependent,
    Intent,
    Observation,
    TaskStatus,
    replace,
)
from lifecycle.model.options import PlanOptions, Where
from lifecycle.model.results import StepDetail, StepResult, StepStatus, usage_as_dicts
from lifecycle.model.retry import RetryPolicy
from lifecycle.model.workflow import Workflow

if TYPE_CHECKING:
    import tenacity

__all__ = ["ACTS", "Actor", "Run", "converge"]


@dataclass(frozen=True)
class Run:
    """What the steps of one run share."""

    workflow: Workflow
    journal: Journal
    observer: Observer
    where: Where
    options: PlanOptions
    #: The run's ``transitions`` machine: each step fires its trigger on it.
    machine: Lifecycle
    progress: Callable[[str], None]
    sleep: Callable[[float], Any]
    #: Seconds to wait after a failed deletion before trying again.
    reject_wait: float
    #: Seconds a deletion that fails while nothing is active is tried again (AWS: "wait a few
    #: minutes and try the operation again").
    deletion_patience: float

    def label(self, state_id: str) -> str:
        return self.workflow.definition.state(state_id).label


@dataclass(frozen=True)
class Actor:
    """What acting needs: the step's AWS gateway (journaling its writes), the run, and how
    to record an intent in the journal before a write (merged: only additions)."""

    aws: Gateway
    run: Run
    remember: Callable[[Observation], None]

    def send(self, call: Call, trigger: str) -> dict[str, Any]:
        policy = self.run.workflow.binding(trigger).retry
        return self.aws.send(call, policy=policy)


Act = Callable[[Actor, Effect, Observation, StepResult], Observation]


def _create(actor: Actor, effect: Effect, world: Observation, _step: StepResult) -> Observation:
    log = get_logger()
    intended = effect.simulate(actor.run.workflow, world, actor.run.options, actor.run.where)
    for call in effect.writes(actor.run.workflow, world, actor.run.options, actor.run.where):
        try:
            actor.send(call, effect.trigger)
        except AwsError as error:
            # Another actor created it between our look and our call: adopt it.
            if "has been taken" not in error.aws_message:
                raise
            log.info("role.adopted", reason="created concurrently")
    # IAM is eventually consistent: GetRole answers NoSuchEntity for a while after a create;
    # wait for it as for any of IAM's eventual states, with the workflow's poll.
    found = actor.aws.call(
        "iam",
        "GetRole",
        actor.run.where.home,
        {"RoleName": actor.run.workflow.role_name},
        policy=actor.run.workflow.poll,
        eventual_not_found=True,
    )["Role"]
    return replace(intended, role=role_of(found))


def _send(actor: Actor, effect: Effect, world: Observation, step: StepResult) -> Observation:
    """One write per dependent; a dependent gone since the scan is reported and dropped."""
    workflow, trigger = actor.run.workflow, effect.trigger
    intended = effect.simulate(workflow, world, actor.run.options, actor.run.where)
    if effect.journal_first:
        actor.remember(intended)
    assert effect.changes is not None, f"{trigger} sends one write per dependent"
    pairs = _interleaved(effect.changes(workflow, world, actor.run.options))
    gone: list[Dependent] = []
    done = [0]

    def send(pair: tuple[Dependent, Call]) -> None:
        dependent, call = pair
        try:
            actor.send(call, trigger)
        except AwsError as error:
            if error.code not in workflow.kind(dependent.kind).vanished:
                raise
            get_logger().warning(
                "dependent.gone", region=dependent.region, kind=dependent.kind, name=dependent.name
            )
            gone.append(dependent)
        done[0] += 1
        actor.run.progress(f"{trigger}: {done[0]}/{len(pairs)} dependents")

    journal = actor.aws.journal
    # Each write's intent is stored before it is sent; several at once, ahead of the writes.
    window = actor.aws.concurrency
    with journal.ahead([c for _, c in pairs], window) if journal else nullcontext():
        actor.aws.map(send, pairs)
    step.detail = replace(step.detail, dependents=len(pairs) - len(gone))
    if not gone:
        return intended
    step.detail = replace(step.detail, gone=tuple(sorted(f"{d.region}/{d.name}" for d in gone)))
    keys = {d.key for d in gone}

    def kept(items: tuple[Dependent, ...]) -> tuple[Dependent, ...]:
        return tuple(d for d in items if d.key not in keys)

    intent = replace(intended.intent, drained=kept(intended.intent.drained))
    return replace(intended, dependents=kept(intended.dependents), intent=intent)


def _interleaved(pairs: list[tuple[Dependent, Call]]) -> list[tuple[Dependent, Call]]:
    """The writes in turn by region: AWS limits the rate of each region on its own, so the
    workers are shared among the regions rather than spent on one region after another."""
    by_region: dict[str, list[tuple[Dependent, Call]]] = {}
    for pair in pairs:
        by_region.setdefault(pair[1].region, []).append(pair)
    rounds = zip_longest(*by_region.values())
    return [pair for turn in rounds for pair in turn if pair is not None]


def _rescan(actor: Actor, _effect: Effect, world: Observation, step: StepResult) -> Observation:
    fresh = actor.run.observer.observe(actor.aws, Intent.of(world))
    skipped = dict(fresh.skipped_regions) or None
    active = tuple(f"{d.region}/{d.name}" for d in fresh.active)
    step.detail = replace(step.detail, active=active, skipped_regions=skipped)
    if GUARDS["nothing_active"](fresh):
        return found_deletable(fresh)
    return fresh


@dataclass
class _Deletion:
    """A deletion task followed to its end. IAM shows a new task late (ekristen/aws-nuke#639)
    and forgets a finished one early (cloud-nuke#1143): an unknown task we started is waited
    for; once the role is gone it succeeded; lost while the role stays, it is started again.
    Nothing here makes up a FAILED: only IAM says a deletion failed."""

    actor: Actor
    effect: Effect
    world: Observation
    task_id: str = ""
    #: When the current task was started (or first followed), on the monotonic clock.
    sent: float = field(default_factory=time.monotonic)
    started: float = field(default_factory=time.monotonic)
    #: The last task's outcome, and how many deletions were judged.
    last: DeletionTask = field(default_factory=lambda: DeletionTask("", TaskStatus.NOT_STARTED))
    tries: int = 0

    def start(self) -> bool:
        """Send the deletion and record its task; False when the role is already gone."""
        run = self.actor.run
        call = self.effect.writes(
            run.workflow, replace(self.world, deletion_task=None), run.options, run.where
        )[0]
        try:
            self.task_id = str(self.actor.send(call, self.effect.trigger)["DeletionTaskId"])
        except AwsError as error:
            if error.code != "NoSuchEntity":
                raise
            return False  # IAM showed the role a moment longer than it existed
        self.follow(self.task_id)
        return True

    def follow(self, task_id: str) -> None:
        self.task_id, self.sent = task_id, time.monotonic()
        pending = DeletionTask(task_id, TaskStatus.NOT_STARTED)
        self.actor.remember(replace(requested(self.world), deletion_task=pending))

    def poll(self) -> DeletionTask:
        run = self.actor.run
        status = run.observer.deletion_status(self.actor.aws, self.task_id)
        if status is None and run.observer.role(self.actor.aws) is None:
            # Our deletion; the role is gone.
            status = DeletionTask(self.task_id, TaskStatus.SUCCEEDED)
        elif status is None and time.monotonic() - self.sent < run.workflow.task_visibility_seconds:
            # Starting it again at once would only answer with the same task.
            get_logger().info("delete.task_not_visible_yet", task=self.task_id)
            status = DeletionTask(self.task_id, TaskStatus.NOT_STARTED)
        elif status is None:
            get_logger().warning("delete.task_lost", task=self.task_id, action="start it again")
            state = TaskStatus.NOT_STARTED if self.start() else TaskStatus.SUCCEEDED
            status = DeletionTask(self.task_id, state)
        run.progress(f"deletion task {status.status} ({time.monotonic() - self.started:.0f}s)")
        return status

    def to_end(self) -> DeletionTask:
        """Poll the current task until it ends (or the workflow's poll gives up)."""
        run = self.actor.run
        final: DeletionTask = retrying(
            run.workflow.poll,
            retry_result=lambda t: t.status in RUNNING,
            deadline=self.actor.aws.deadline,
            sleep=run.sleep,
        )(self.poll)
        return final

    def again(self) -> DeletionTask:
        """Start a new deletion and follow it to its end."""
        if not self.start():
            return DeletionTask(self.task_id, TaskStatus.SUCCEEDED)
        return self.to_end()

    def failed_while_idle(self) -> bool:
        """One try of a deletion the service may still report in use: the first judges the
        deletion already made (:attr:`last`), each later one starts a new one. True when it
        FAILED and a rescan finds nothing active: then it is waited out and tried again."""
        run = self.actor.run
        if self.tries:
            self.last = self.again()
        self.tries += 1
        if self.last.status != TaskStatus.FAILED:
            return False
        run.observer.include(self.last.usage)
        seen = replace(self.world, deletion_task=self.last)
        now = run.observer.observe(self.actor.aws, Intent.of(seen))
        # A service reports what a drain turned off for a while after (its usage lag), so
        # what IAM still names is waited out too; named once the patience is spent, what a
        # person can clear is theirs to clear (the next decision says so).
        return GUARDS["nothing_active"](now)

    def log_wait(self, state: tenacity.RetryCallState) -> None:
        seconds = state.upcoming_sleep
        get_logger().warning(
            "delete.still_reported",
            reason=self.last.reason,
            role_usage=usage_of(self.last),
            seconds=seconds,
            attempt=state.attempt_number,
        )
        self.actor.run.progress(
            f"deletion failed while nothing is active; trying again in {seconds:g}s"
        )


def _delete(actor: Actor, effect: Effect, world: Observation, step: StepResult) -> Observation:
    log, run = get_logger(), actor.run
    # Which incarnation of the role is deleted: IAM may show it for a while after.
    incarnation = world.role.created if world.role else world.intent.deleted_role
    world = replace(world, intent=replace(world.intent, deleted_role=incarnation))
    if effect.journal_first:
        actor.remember(requested(world))
    deletion = _Deletion(actor, effect, world)
    task = world.deletion_task
    if task is not None and task.status in RUNNING:
        deletion.follow(task.id)  # a task runs: poll it, send nothing
        deletion.last = deletion.to_end()
    else:
        if world.intent.deletion_requested:
            log.info("delete.resubmit", reason="a previous run sent it; AWS returns its task")
        deletion.last = deletion.again()
    # A deletion that fails while nothing is active is waited out and tried again, within
    # the run's patience (AWS: "wait for a few minutes and try the operation again"); one
    # that fails with something active again is rejected and drained again.
    patience = Deadline(min(run.deletion_patience, max(actor.aws.deadline.remaining(), 0)))
    idle: bool = retrying(
        RetryPolicy(run.reject_wait, 1.0, 10**6, jitter="NONE"),
        retry_result=bool,
        deadline=patience,
        before_sleep=deletion.log_wait,
        sleep=run.sleep,
    )(deletion.failed_while_idle)
    final = deletion.last
    step.detail = replace(step.detail, deletion_task=final.id, deletion_status=final.status)
    log.info("delete.status", task=final.id, status=final.status)
    if final.status == TaskStatus.SUCCEEDED:
        intended = effect.simulate(run.workflow, world, run.options, run.where)
        return replace(intended, deletion_task=final)
    if final.status == TaskStatus.FAILED:
        spent = run.deletion_patience if idle else None
        step.detail = replace(step.detail, usage=final.usage, patience_spent=spent)
    return replace(requested(world), deletion_task=final)


def _record(actor: Actor, effect: Effect, world: Observation, step: StepResult) -> Observation:
    """A failed deletion: log AWS's usage list; unless the attempts are spent, wait as AWS
    advises ("wait a few minutes and try again") and rescan, so the next step starts from
    what AWS shows now."""
    task = world.deletion_task
    usage = usage_of(task)
    step.detail = replace(step.detail, usage=task.usage if task else ())
    get_logger().warning("delete.rejected", reason=task.reason if task else None, role_usage=usage)
    after = effect.simulate(actor.run.workflow, world, actor.run.options, actor.run.where)
    if after.intent.rejects >= actor.run.workflow.max_deletion_attempts:
        return after
    # What IAM names is looked at too (its list is partial and its regions can be wrong: it
    # says where to look, the scan says what is there), so the next drain reaches it.
    actor.run.observer.include(task.usage if task else ())
    wait = min(actor.run.reject_wait, max(actor.aws.deadline.remaining(), 0))
    get_logger().info("delete.wait_before_retry", seconds=wait, attempt=after.intent.rejects)
    actor.run.progress(f"deletion failed: role still used; retrying in {wait:g}s")
    actor.run.sleep(wait)
    return actor.run.observer.observe(actor.aws, Intent.of(after))


def requested(world: Observation) -> Observation:
    """``world`` with its deletion requested by this tool."""
    return replace(world, intent=replace(world.intent, deletion_requested=True))


def usage_of(task: DeletionTask | None) -> list[dict[str, Any]]:
    """A failed deletion task's RoleUsageList, as results and logs show it."""
    return usage_as_dicts(task.usage if task else ())


#: How each way of acting is done.
ACTS: Mapping[Acting, Act] = {
    Acting.CREATE: _create,
    Acting.SEND: _send,
    Acting.RESCAN: _rescan,
    Acting.DELETE: _delete,
    Acting.RECORD: _record,
}
assert set(ACTS) == set(Acting), f"no act for {set(Acting) - set(ACTS)}"


def converge(actor: Actor, world: Observation) -> StepResult | None:
    """The role's description is the one attribute AWS lets you edit: make it the one asked
    for on a role that exists (a role still to create gets it at creation). ``None`` when
    there is nothing to converge."""
    role, description = world.role, actor.run.options.description
    if role is None or not description or role.description == description:
        return None
    here = actor.run.label(derive_state(world))
    step = StepResult(
        None, here, here, StepStatus.SUCCEEDED, detail=StepDetail(converged="description")
    )
    first = len(actor.aws.records)
    params = {"RoleName": role.name, "Description": description}
    update = Call("iam", "UpdateRole", actor.run.where.home, params, role.name)
    if actor.aws.dry_run:
        actor.aws.simulate(update)
        step.status = StepStatus.SIMULATED
    else:
        try:
            actor.send(update, "create")
        except AwsError as error:
            step.status, step.error = StepStatus.FAILED, str(error)
    step.operations = actor.aws.operations()[first:]
    return step
