"""The runner: one walk over a real or a simulated executor, driven by one ``transitions``
machine per run. A step = decide (pure) -> act (declared AWS operations) -> fire -> commit.

This is the documented Python API; ``slr`` is a thin layer over it::

    from lifecycle import Journal, Runner, RunnerConfig
    from lifecycle import registry

    runner = Runner(registry.get(name), open_journal(None), RunnerConfig())
    result = runner.apply("deleted")          # a RunResult; result.outcome says how it ended
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import asdict, replace
from typing import Any

import structlog

from lifecycle.aws.calls import CallPool
from lifecycle.aws.gateway import Gateway, available_regions
from lifecycle.aws.retry import Deadline
from lifecycle.aws.sessions import make_session
from lifecycle.engine.act import Run
from lifecycle.engine.config import SIMULATED_WORLD, RunnerConfig
from lifecycle.engine.executors import Executor, Real, Simulated, failed_deletion
from lifecycle.engine.observe import Observer
from lifecycle.errors import Blocked
from lifecycle.journal import Journal, holder_id
from lifecycle.log import get_logger
from lifecycle.model import plans
from lifecycle.model.decide import PlanOptions, derive_state, next_transition
from lifecycle.model.effects import deactivation_notes
from lifecycle.model.machine import Lifecycle, build
from lifecycle.model.observation import Intent, Observation, RoleUsage
from lifecycle.model.options import Where
from lifecycle.model.person import by_hand, by_hand_lines
from lifecycle.model.results import Outcome, RunResult, StepResult, StepStatus
from lifecycle.model.workflow import Workflow

__all__ = ["Runner"]


Progress = Callable[[str], None]


class Runner:
    """Observes, plans and applies one workflow's lifecycle with one journal."""

    def __init__(
        self,
        workflow: Workflow,
        journal: Journal,
        config: RunnerConfig | None = None,
        *,
        progress: Progress | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        session: Any = None,
        pool: CallPool | None = None,
    ) -> None:
        """``session``: a boto3 session to use instead of one made from ``config`` (a
        caller that already holds credentials, or a test that hooks botocore events).
        ``pool``: threads and call slots shared with other runners (a fleet's)."""
        self.workflow = workflow
        self.journal = journal
        self.config = config or RunnerConfig()
        self.progress = progress or (lambda _message: None)
        self.sleep = sleep
        self._session: Any = session
        self.pool = pool

    # -- AWS side ----------------------------------------------------------------------------

    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = make_session(
                profile=self.config.profile,
                region=self.config.home_region,
                assume_role_arn=self.config.assume_role_arn,
                external_id=self.config.external_id,
                endpoint_url=self.config.endpoint_url,
            )
        return self._session

    @property
    def home(self) -> str:
        """IAM's region: the configured one, else the session's, else us-east-1."""
        return self.config.home_region or self.session.region_name or "us-east-1"

    def aws(self, *, dry_run: bool) -> Gateway:
        """A fresh gateway for one run (its call records are that run's)."""
        declared = frozenset((op.service, op.name) for op in self.workflow.operations())
        return Gateway(
            self.session,
            declared=declared,
            read_only=self.workflow.read_only_operations(),
            dry_run=dry_run,
            endpoint_url=self.config.endpoint_url,
            deadline=Deadline(self.config.deadline_seconds),
            concurrency=self.config.concurrency,
            sleep=self.sleep,
            pool=self.pool,
        )

    def regions(self) -> tuple[str, ...]:
        # The runner's session has botocore's endpoint data loaded already; a new one would
        # load it again (docs/performance.md, row 1).
        return self.config.regions or self.known_regions()

    def observer(self) -> Observer:
        return Observer(
            self.workflow,
            self.regions(),
            home=self.home,
            scan_concurrency=self.config.scan_concurrency,
            known=self.known_regions(),
        )

    def known_regions(self) -> tuple[str, ...]:
        """Every region the workflow scans when no ``--regions`` narrows it."""
        if self.workflow.regions:
            return self.workflow.regions
        return tuple(available_regions(self.workflow.service, self.session))

    def observe(self, aws: Gateway, account: str, *, world: str = "real") -> Observation:
        """Role, dependents in every region, deletion task: AWS's facts plus the journal's
        intent (which never overrides them)."""
        memory = self.journal.memory(account, self.workflow.role_name, world)
        return self.observer().observe(aws, Intent.from_dict(memory))

    def dependents_of(self, world: Observation) -> list[dict[str, Any]]:
        """``world``'s dependents as ``status`` and plans show them, each with its notes."""
        held = {d.key for d in by_hand(self.workflow, world)}
        return [
            {
                **asdict(d),
                "notes": list(self.workflow.kind(d.kind).notes(d)) if d.active else [],
                "by_hand": self.workflow.kind(d.kind).by_hand if d.key in held else None,
            }
            for d in world.dependents
        ]

    def status(self) -> tuple[str, Observation, str]:
        """(account, observation, state id) right now; changes nothing."""
        aws = self.aws(dry_run=True)
        account = aws.account_id()
        world = self.observe(aws, account)
        return account, world, derive_state(world)

    # -- plan and apply ----------------------------------------------------------------------

    def plan(self, target: str, options: PlanOptions | None = None) -> RunResult:
        """A dry run of the whole way from the observed world: transitions and exact writes
        (a way through dependents nobody knows is shown: applying it is the caller's word)."""
        shown = replace(options or PlanOptions(), accept_unknown_dependents=True)
        return self.apply(target, shown, dry_run=True, command="plan")

    def apply(
        self,
        target: str,
        options: PlanOptions | None = None,
        *,
        dry_run: bool = False,
        step: bool = False,
        plan: Mapping[str, Any] | None = None,
        command: str = "apply",
    ) -> RunResult:
        """Walk to ``target``: every transition (one with ``step``), sent for real or, with
        ``dry_run``, simulated. ``plan`` is a saved plan document that must still hold."""
        options = options or PlanOptions()
        definition = self.workflow.definition
        goal = definition.state(target).id
        run_id = uuid.uuid4().hex[:12]
        aws = self.aws(dry_run=dry_run)
        account = aws.account_id()
        role = self.workflow.role_name
        structlog.contextvars.bind_contextvars(
            run_id=run_id, workflow=self.workflow.name, account=account, role=role
        )
        # A real run holds the lease before it reads anything: the world it walks from (the
        # journal's intent included) is then the one no other runner can change under it.
        lease = (
            nullcontext()
            if dry_run
            else self.journal.lease(
                account, role, holder=holder_id(), lease_seconds=self.config.lease_seconds
            )
        )
        try:
            with lease:
                return self._apply(aws, run_id, goal, options, plan, command, step=step)
        finally:
            structlog.contextvars.unbind_contextvars("run_id", "workflow", "account", "role")

    def _apply(
        self,
        aws: Gateway,
        run_id: str,
        goal: str,
        options: PlanOptions,
        plan: Mapping[str, Any] | None,
        command: str,
        *,
        step: bool,
    ) -> RunResult:
        log = get_logger()
        definition = self.workflow.definition
        account, role, dry_run = aws.account_id(), self.workflow.role_name, aws.dry_run
        simulated = None
        if dry_run and step:
            kept = self.journal.memory(account, role, SIMULATED_WORLD).get("world")
            simulated = Observation.from_dict(kept) if kept else None
        # Each run has its own deletion attempts: an earlier run's are not this one's.
        world = simulated or self.observe(aws, account)
        world = replace(world, intent=replace(world.intent, rejects=0))
        start = self._label(derive_state(world))
        result = RunResult(
            run_id,
            command,
            self.workflow.name,
            account,
            role,
            dry_run,
            start,
            definition.state(goal).label,
            start,
            [],
            skipped_regions=world.skipped_regions,
        )
        result.regions = self.regions()
        result.regions_left_out = tuple(r for r in self.known_regions() if r not in result.regions)
        result.fingerprints = plans.fingerprints(self.workflow, world, goal)
        result.dependents = self.dependents_of(world)
        if plan is not None:
            plans.check(plan, result)
        # The whole way is decided before any write: a target it cannot reach is refused
        # now, with what is missing, and nothing is sent.
        next_transition(self.workflow, world, goal, options)
        result.dependents_known = self.workflow.dependents_known
        log.info(
            "run.start",
            command=command,
            target=result.target,
            dry_run=dry_run,
            state=result.start_state,
        )
        machine = build(definition, initial=derive_state(world), on_enter=_log_entry)
        run = self._run(account, options, machine)
        self.journal.start_run(
            run_id,
            workflow=self.workflow.name,
            account=account,
            role=role,
            command=command,
            target=result.target,
            dry_run=dry_run,
        )
        # A dry run is journaled too, marked so, that every run id printed can be looked up.
        executor = Simulated(run, aws) if dry_run else Real(run, aws, world)
        try:
            world = self._walk(executor, run, world, goal, result, step=step)
            if dry_run:
                self._keep_simulated(account, world if step else None, goal)
        finally:
            self.journal.finish_run(
                run_id, outcome=result.outcome.recorded, final_state=result.final_state
            )
        log.info("run.end", final_state=result.final_state, outcome=str(result.outcome))
        return result

    def _label(self, state_id: str) -> str:
        return self.workflow.definition.state(state_id).label

    def _run(self, account: str, options: PlanOptions, machine: Lifecycle) -> Run:
        wait = self.config.reject_wait_seconds
        patience = self.config.deletion_patience_seconds
        return Run(
            self.workflow,
            self.journal,
            self.observer(),
            Where(account, self.home),
            options,
            machine,
            self.progress,
            self.sleep,
            self.workflow.reject_wait_seconds if wait is None else wait,
            self.workflow.deletion_patience_seconds if patience is None else patience,
        )

    # -- the walk ----------------------------------------------------------------------------

    def _walk(
        self,
        executor: Executor,
        run: Run,
        world: Observation,
        goal: str,
        result: RunResult,
        *,
        step: bool,
    ) -> Observation:
        """One walk for real and simulated runs: decide, take the step, check that the machine
        and the world agree, until the target (or one step, with ``step``)."""
        world = executor.converge(world, result)
        while result.outcome is Outcome.DONE:
            try:
                transition = next_transition(self.workflow, world, goal, run.options)
            except Blocked as blocked:
                result.error, result.outcome = str(blocked), blocked.outcome or Outcome.ERROR
                break
            if transition is None:
                if not result.steps and not result.dry_run:
                    here = self._label(derive_state(world))
                    result.steps.append(StepResult(None, here, here, StepStatus.NOOP))
                break
            before = world
            outcome, world = executor.step(transition, world, result)
            notes = deactivation_notes(self.workflow, before, world)
            if notes:
                outcome.detail = replace(outcome.detail, notes=notes)
            result.steps.append(outcome)
            if outcome.status in (StepStatus.SUCCEEDED, StepStatus.SIMULATED):
                _resync(run.machine, world, transition.trigger)
            elif not failed_deletion(world):  # a failed deletion task: reject comes next
                result.error = outcome.error
                result.outcome = (
                    Outcome.PENDING if outcome.status is StepStatus.RETRIABLE else Outcome.ERROR
                )
                break
            held = by_hand(self.workflow, world) if failed_deletion(world) else ()
            if held:
                # IAM names what a drain already turned off: only a person can clear it.
                lines = by_hand_lines(self.workflow, held)
                result.error = "\n".join(["IAM still names what only a person can clear:", *lines])
                result.outcome = Outcome.NEEDS_PERSON
                break
            rejects = world.intent.rejects
            spent = rejects >= self.workflow.max_deletion_attempts
            if (
                rejects > before.intent.rejects and spent
            ) or outcome.detail.patience_spent is not None:
                result.error = still_in_use(world, outcome.detail.usage or ())
                result.outcome = Outcome.IN_USE
                break
            if step:
                break
        result.final_state = self._label(derive_state(world))
        reached = self.workflow.definition.reached(derive_state(world), goal)
        # A whole dry run (``plan`` or ``apply --dry-run``) that found steps leaves them
        # pending in the real world; a ``--step`` dry run is pending while its own simulated
        # world has steps left.
        if result.outcome is Outcome.DONE and (
            not reached or (result.dry_run and result.steps and not step)
        ):
            result.outcome = Outcome.PENDING
        return world

    def _keep_simulated(self, account: str, world: Observation | None, goal: str) -> None:
        """A ``--step --dry-run`` keeps its simulated world apart from the real one, so that
        the next one continues where it stopped; reaching the target forgets it."""
        role = self.workflow.role_name
        if world is None:
            return
        if self.workflow.definition.reached(derive_state(world), goal):
            self.journal.forget(account, role, SIMULATED_WORLD)
        else:
            self.journal.remember(account, role, {"world": world.as_dict()}, SIMULATED_WORLD)


def still_in_use(world: Observation, usage: tuple[RoleUsage, ...]) -> str:
    """Why a decommission stopped as "still in use": the attempts, then each resource IAM
    named, one a line (IAM's list may be partial, and its regions wrong)."""
    attempts = max(world.intent.rejects, 1)
    lines = [f"role still in use after {attempts} deletion attempt{'s' * (attempts > 1)}"]
    lines += [f"  {u.region}: {arn}" for u in usage for arn in u.resources]
    if len(lines) == 1:
        lines.append("  (IAM named no resource)")
    else:
        lines.append("  (IAM's list may be partial, and a region it names may be wrong)")
    return "\n".join(lines)


def _log_entry(source: str, dest: str, trigger: str) -> None:
    """The machine's own callback: log, never call AWS (acting stays in the step)."""
    get_logger().info("state.enter", **{"from": source, "to": dest, "trigger": trigger})


def _resync(machine: Lifecycle, world: Observation, trigger: str) -> None:
    """The state the machine reached must be the one the world derives; when someone changed
    AWS under us, say so and go on from what the world shows."""
    derived = derive_state(world)
    if machine.state != derived:
        get_logger().warning("state.drift", machine=machine.state, world=derived, trigger=trigger)
        machine.resync(derived)
