"""The runner: one step = observe -> decide (pure) -> act (declared AWS operations) -> commit.

This is the documented Python API; ``slr`` is a thin layer over it::

    from lifecycle.engine import Runner, RunnerConfig
    from lifecycle.journal import Journal
    import workflows

    runner = Runner(workflows.get("mediatailor"), Journal.open(None), RunnerConfig())
    result = runner.apply("deleted")          # a RunResult; result.exit_code for a shell
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import structlog

from lifecycle import exits
from lifecycle.aws import REGION_DISABLED, UNREACHABLE, Aws, AwsError, CallRecord, make_session
from lifecycle.decide import (
    DELETED,
    RUNNING,
    Blocked,
    Options,
    derive_state,
    next_transition,
    simulate,
    writes_for,
)
from lifecycle.definition import Transition
from lifecycle.journal import Journal, holder_id
from lifecycle.log import get_logger
from lifecycle.machine import build
from lifecycle.observation import DeletionTask, Observation, Role, RoleUsage, replace
from lifecycle.retry import Deadline, retrying
from lifecycle.workflow import OBSERVE, Call, Workflow

__all__ = [
    "SCHEMA_VERSION",
    "RunResult",
    "Runner",
    "RunnerConfig",
    "StalePlan",
    "StepResult",
    "StepStatus",
]

#: Version of the JSON documents ``--output json`` prints and ``plan -o`` writes.
SCHEMA_VERSION = 1
_NOT_FOUND = frozenset({"NoSuchEntity"})


class StalePlan(Exception):
    """A saved plan no longer matches the definitions or the observed world."""


class StepStatus(StrEnum):
    SUCCEEDED = "succeeded"
    #: Nothing to do: the world was already at the target.
    NOOP = "noop"
    FAILED = "failed"
    #: Not done yet, safe to run again (a deletion task still running).
    RETRIABLE = "retriable"
    #: Cannot proceed: a guard does not hold or the target cannot be reached.
    BLOCKED = "blocked"
    #: A dry run's step: computed, not sent.
    SIMULATED = "simulated"


@dataclass
class StepResult:
    """All run-time facts of one step."""

    #: The trigger fired (``drain``), or ``None`` when there was nothing to do.
    transition: str | None
    #: State label before the step.
    from_state: str
    #: State label after the step (unchanged when the step did not fire).
    to_state: str
    status: StepStatus
    #: The AWS operations sent (or, in a dry run, that would be), with their attempts.
    operations: list[dict[str, Any]] = field(default_factory=list)
    #: One line saying what went wrong, when something did.
    error: str | None = None
    #: Facts worth showing: the deletion task, the usage list, the dependents touched.
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "transition": self.transition,
            "from": self.from_state,
            "to": self.to_state,
            "status": str(self.status),
            "operations": self.operations,
            "error": self.error,
            "detail": self.detail,
        }


@dataclass
class RunResult:
    """What a plan or an apply did, as ``--output json`` prints it."""

    run_id: str
    command: str
    workflow: str
    account: str
    role: str
    dry_run: bool
    start_state: str
    target: str
    final_state: str
    steps: list[StepResult]
    exit_code: int = exits.OK
    error: str | None = None
    fingerprints: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "command": self.command,
            "run_id": self.run_id,
            "workflow": self.workflow,
            "account": self.account,
            "role": self.role,
            "dry_run": self.dry_run,
            "start_state": self.start_state,
            "target": self.target,
            "final_state": self.final_state,
            "steps": [step.as_dict() for step in self.steps],
            "exit_code": self.exit_code,
            "error": self.error,
            "fingerprints": self.fingerprints,
        }


@dataclass(frozen=True)
class RunnerConfig:
    """Where and how a runner talks to AWS."""

    profile: str | None = None
    endpoint_url: str | None = None
    #: Regions to scan; ``None``: the workflow's, else every region of its service.
    regions: tuple[str, ...] | None = None
    #: IAM's region (IAM is global; its calls go to one endpoint).
    home_region: str = "us-east-1"
    assume_role_arn: str | None = None
    external_id: str | None = None
    #: Bound of the worker pool that sends a transition's writes (drain, restore).
    concurrency: int = 8
    #: Bound of the pool that scans, one worker per (region, kind of dependent) up to it: each
    #: region is its own endpoint and throttling bucket, and a region sees one list request
    #: per kind at once, so a scan takes about one list's time (MediaTailor: 21 x 2 lists).
    scan_concurrency: int = 64
    #: One time limit over a whole run, retries and polls included.
    deadline_seconds: float | None = 3600.0
    lease_seconds: float = 60.0
    #: Overrides the workflow's wait after a failed deletion (tests shorten it).
    reject_wait_seconds: float | None = None


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
    ) -> None:
        """``session``: a boto3 session to use instead of one made from ``config`` (a
        caller that already holds credentials, or a test that hooks botocore events)."""
        self.workflow = workflow
        self.journal = journal
        self.config = config or RunnerConfig()
        self.progress = progress or (lambda _message: None)
        self._sleep = sleep
        self._step_id: int | None = None
        self._session: Any = session

    # -- AWS side ----------------------------------------------------------------------------

    def aws(self, *, dry_run: bool) -> Aws:
        """A fresh :class:`Aws` for one run (its call records are that run's)."""
        if self._session is None:
            self._session = make_session(
                profile=self.config.profile,
                region=self.config.home_region,
                assume_role_arn=self.config.assume_role_arn,
                external_id=self.config.external_id,
                endpoint_url=self.config.endpoint_url,
            )
        declared = frozenset((op.service, op.name) for op in self.workflow.operations())
        return Aws(
            self._session,
            declared=declared,
            read_only=self.workflow.read_only_operations(),
            dry_run=dry_run,
            endpoint_url=self.config.endpoint_url,
            deadline=Deadline(self.config.deadline_seconds),
            journal=None if dry_run else self,
            concurrency=self.config.concurrency,
            sleep=self._sleep,
        )

    def regions(self) -> tuple[str, ...]:
        if self.config.regions:
            return self.config.regions
        if self.workflow.regions:
            return self.workflow.regions
        # The runner's session has botocore's endpoint data loaded already (a new one: ~60 ms).
        return tuple(available_regions(self.workflow.service, self._session))

    # WriteJournal: intent before a write is sent, result after.
    def before_write(
        self, service: str, operation: str, region: str, params: Mapping[str, Any]
    ) -> int:
        name = next((str(v) for k, v in params.items() if k.endswith("Name")), "")
        key = f"{operation}:{region}:{name}"
        return self.journal.intent(
            self._step_id,
            service=service,
            operation=operation,
            region=region,
            params=dict(params),
            key=key,
        )

    def after_write(
        self,
        token: int,
        *,
        ok: bool,
        response: Mapping[str, Any] | None,
        error: str | None,
        attempts: int,
    ) -> None:
        self.journal.result(
            token,
            ok=ok,
            response=dict(response) if response else None,
            error=error,
            attempts=attempts,
        )

    # -- observe -----------------------------------------------------------------------------

    def observe(self, aws: Aws, account: str, *, world: str = "real") -> Observation:
        """Role, dependents in every region, deletion task: AWS's facts plus the journal's
        intent (which never overrides them)."""
        policy = self.workflow.binding(OBSERVE).retry
        home = self.config.home_region
        role = self._get_role(aws, home, policy)
        memory = self.journal.memory(account, self.workflow.role_name, world)
        if role is not None and memory.get("deleted_by_us"):
            memory = {}  # someone created the role again since we deleted it
        regions = list(self.regions())
        dependents = self.workflow.dependents
        assert dependents is not None
        scanned: dict[tuple[str, str], list[Any]] = {}
        unscanned: dict[str, str] = {}

        def scan(where: tuple[str, str]) -> None:
            region, kind = where
            try:
                scanned[where] = dependents.scan(aws, region, kind, policy)
            except AwsError as error:
                if error.code in REGION_DISABLED:
                    unscanned[region] = f"not enabled for this account ({error.code})"
                elif error.code in UNREACHABLE:
                    unscanned[region] = f"unreachable ({error.code})"
                else:
                    raise

        # One worker per (region, kind): each list is its own request, and each region its
        # own endpoint and throttling bucket, so the scan takes about one list's time.
        work = [(region, kind) for region in regions for kind in dependents.kinds]
        aws.map(scan, work, workers=self.config.scan_concurrency)
        task = None
        if memory.get("task_id"):
            task = self._deletion_status(aws, memory["task_id"], policy)
        base = _memory_to_world(memory)
        return replace(
            base,
            role=role,
            dependents=tuple(d for r, k in work if r not in unscanned for d in scanned[(r, k)]),
            scanned_regions=tuple(r for r in regions if r not in unscanned),
            unscanned_regions=unscanned,
            deletion_task=task,
        )

    def _get_role(self, aws: Aws, home: str, policy: Any) -> Role | None:
        try:
            found = aws.call(
                "iam",
                "GetRole",
                home,
                {"RoleName": self.workflow.role_name},
                policy=policy,
                expect=_NOT_FOUND,
            )["Role"]
        except AwsError as error:
            if error.code == "NoSuchEntity":
                return None
            raise
        return _role(found)

    def _deletion_status(self, aws: Aws, task_id: str, policy: Any) -> DeletionTask | None:
        try:
            answer = aws.call(
                "iam",
                "GetServiceLinkedRoleDeletionStatus",
                self.config.home_region,
                {"DeletionTaskId": task_id},
                policy=policy,
                expect=_NOT_FOUND,
            )
        except AwsError as error:
            if error.code == "NoSuchEntity":
                return None
            raise
        reason = answer.get("Reason") or {}
        usage = tuple(
            RoleUsage(u.get("Region", ""), tuple(u.get("Resources", [])))
            for u in reason.get("RoleUsageList", [])
        )
        return DeletionTask(task_id, answer["Status"], reason.get("Reason"), usage)

    def status(self) -> tuple[str, Observation, str]:
        """(account, observation, state id) right now; changes nothing."""
        aws = self.aws(dry_run=True)
        account = aws.account_id()
        world = self.observe(aws, account)
        return account, world, derive_state(world)

    # -- plan and apply ----------------------------------------------------------------------

    def plan(self, target: str, options: Options | None = None) -> RunResult:
        """A dry run of the whole way from the observed world: transitions and exact writes."""
        return self.apply(target, options, dry_run=True, command="plan")

    def apply(
        self,
        target: str,
        options: Options | None = None,
        *,
        dry_run: bool = False,
        step: bool = False,
        plan: Mapping[str, Any] | None = None,
        command: str = "apply",
    ) -> RunResult:
        """Walk to ``target``: every transition (one with ``step``), sent for real or, with
        ``dry_run``, simulated. ``plan`` is a saved plan document that must still hold."""
        options = options or Options()
        definition = self.workflow.definition
        goal = definition.state(target).id
        run_id = uuid.uuid4().hex[:12]
        aws = self.aws(dry_run=dry_run)
        account = aws.account_id()
        role = self.workflow.role_name
        structlog.contextvars.bind_contextvars(
            run_id=run_id, workflow=self.workflow.name, account=account, role=role
        )
        log = get_logger()
        try:
            simulated = None
            if dry_run and step:
                kept = self.journal.memory(account, role, "dry-run").get("world")
                simulated = Observation.from_dict(kept) if kept else None
            world = simulated or self.observe(aws, account)
            start = derive_state(world)
            result = RunResult(
                run_id,
                command,
                self.workflow.name,
                account,
                role,
                dry_run,
                self._label(start),
                definition.state(goal).label,
                self._label(start),
                [],
            )
            result.fingerprints = self.fingerprints(world, goal)
            if plan is not None:
                self._check_plan(plan, result)
            # An unreachable target is the caller's mistake: say so before touching anything.
            next_transition(self.workflow, world, goal, options)
            log.info(
                "run.start",
                command=command,
                target=result.target,
                dry_run=dry_run,
                state=result.start_state,
            )
            if dry_run:
                self._walk_simulated(aws, world, goal, options, result, step=step)
            else:
                with self.journal.lease(
                    account, role, holder=holder_id(), lease_seconds=self.config.lease_seconds
                ):
                    self.journal.start_run(
                        run_id,
                        workflow=self.workflow.name,
                        account=account,
                        role=role,
                        command=command,
                        target=target,
                        dry_run=False,
                    )
                    try:
                        self._walk(aws, world, goal, options, result, step=step)
                    finally:
                        self.journal.finish_run(
                            run_id, outcome=_outcome(result), final_state=result.final_state
                        )
            log.info("run.end", final_state=result.final_state, exit_code=result.exit_code)
            return result
        finally:
            structlog.contextvars.unbind_contextvars("run_id", "workflow", "account", "role")

    def _label(self, state_id: str) -> str:
        return self.workflow.definition.state(state_id).label

    def fingerprints(self, world: Observation, goal: str) -> dict[str, str]:
        """Digests a saved plan is checked against: the definitions, and the observed world."""
        definition = repr((self.workflow.definition, sorted(self.workflow.bindings.items())))
        observed = json.dumps(
            {
                "state": derive_state(world),
                "role": world.role.arn if world.role else None,
                "active": sorted([d.region, d.kind, d.name] for d in world.active),
                "goal": goal,
            },
            sort_keys=True,
        )
        return {"definition": _digest(definition), "observed": _digest(observed)}

    def _check_plan(self, plan: Mapping[str, Any], result: RunResult) -> None:
        # Another workflow's plan has other bindings: its definition fingerprint differs too.
        saved = plan.get("fingerprints", {})
        if saved.get("definition") != result.fingerprints["definition"]:
            raise StalePlan("plan is stale: the definitions changed since it was made")
        if saved.get("observed") != result.fingerprints["observed"]:
            raise StalePlan(
                f"plan is stale: the world changed since it was made (now "
                f"{result.start_state}); make a new plan"
            )

    # -- the walk ----------------------------------------------------------------------------

    def _walk_simulated(
        self,
        aws: Aws,
        world: Observation,
        goal: str,
        options: Options,
        result: RunResult,
        *,
        step: bool,
    ) -> None:
        account = result.account
        home = self.config.home_region
        world = self._converge(aws, world, options, result)
        while True:
            try:
                transition = next_transition(self.workflow, world, goal, options)
            except Blocked as blocked:
                result.error, result.exit_code = str(blocked), exits.ERROR
                break
            if transition is None:
                break
            start = derive_state(world)
            try:
                calls = writes_for(self.workflow, transition.trigger, world, options, home)
                after = simulate(self.workflow, transition.trigger, world, options, account, home)
            except Blocked as blocked:
                result.steps.append(
                    StepResult(
                        transition.trigger,
                        self._label(start),
                        self._label(start),
                        StepStatus.BLOCKED,
                        error=str(blocked),
                    )
                )
                result.error, result.exit_code = str(blocked), exits.ERROR
                break
            first = len(aws.records)
            for call in calls:
                aws.simulate(call.service, call.operation, call.region, call.params)
            operations = aws.operations()[first:] + self._reads(transition, world)
            world = after
            result.steps.append(
                StepResult(
                    transition.trigger,
                    self._label(start),
                    self._label(derive_state(world)),
                    StepStatus.SIMULATED,
                    operations,
                )
            )
            if step:
                break
        result.final_state = self._label(derive_state(world))
        if result.exit_code == exits.OK and derive_state(world) != goal:
            result.exit_code = exits.CHANGES_PENDING
        if result.command == "plan" and result.steps and result.exit_code == exits.OK:
            result.exit_code = exits.CHANGES_PENDING
        if step:
            # The simulated world is kept apart from the real one so that the next
            # `--step --dry-run` continues where this one stopped.
            done = derive_state(world) == goal
            if done:
                self.journal.forget(account, self.workflow.role_name, "dry-run")
            else:
                self.journal.remember(
                    account, self.workflow.role_name, {"world": world.as_dict()}, "dry-run"
                )

    def _reads(self, transition: Transition, world: Observation) -> list[dict[str, Any]]:
        """The reads a transition makes besides its writes (at least one page each)."""
        binding = self.workflow.binding(transition.trigger)
        reads = []
        for op in binding.operations:
            if op.writes or transition.trigger == "drain":
                continue  # drain acts on the scan it starts from
            regions = (
                (world.scanned_regions or self.regions())
                if op.regional
                else (self.config.home_region,)
            )
            reads += [CallRecord(op.service, op.name, r, {}, outcome="simulated").as_dict()
                      for r in regions]  # fmt: skip
        return reads

    def _converge(self, aws: Aws, world: Observation, options: Options,
                  result: RunResult) -> Observation:  # fmt: skip
        """The role's description is the one attribute AWS lets you edit: make it the one
        asked for on a role that exists (a role still to create gets it at creation)."""
        role = world.role
        if role is None or not options.description or role.description == options.description:
            return world
        here = self._label(derive_state(world))
        step = StepResult(
            None, here, here, StepStatus.SUCCEEDED, detail={"converged": "description"}
        )
        first = len(aws.records)
        params = {"RoleName": role.name, "Description": options.description}
        if aws.dry_run:
            aws.simulate("iam", "UpdateRole", self.config.home_region, params)
            step.status = StepStatus.SIMULATED
        else:
            try:
                aws.call("iam", "UpdateRole", self.config.home_region, params,
                         policy=self.workflow.binding("create").retry)  # fmt: skip
            except AwsError as error:
                step.status, step.error = StepStatus.FAILED, str(error)
                result.error, result.exit_code = str(error), exits.ERROR
        step.operations = aws.operations()[first:]
        result.steps.append(step)
        return replace(world, role=replace(role, description=options.description))

    def _walk(
        self,
        aws: Aws,
        world: Observation,
        goal: str,
        options: Options,
        result: RunResult,
        *,
        step: bool,
    ) -> None:
        log = get_logger()
        world = self._converge(aws, world, options, result)
        if result.exit_code != exits.OK:
            return
        while True:
            try:
                transition = next_transition(self.workflow, world, goal, options)
            except Blocked as blocked:
                result.error, result.exit_code = str(blocked), exits.ERROR
                break
            if transition is None:
                if not result.steps:
                    here = self._label(derive_state(world))
                    result.steps.append(StepResult(None, here, here, StepStatus.NOOP))
                break
            outcome, world = self._step(aws, transition, world, options, result)
            result.steps.append(outcome)
            if _rejected(outcome, world):
                continue
            if outcome.status not in (StepStatus.SUCCEEDED,):
                result.error = outcome.error
                result.exit_code = exits.ERROR
                if outcome.status is StepStatus.RETRIABLE:
                    result.exit_code = exits.CHANGES_PENDING
                break
            if transition.trigger == "reject":
                if world.rejects >= self.workflow.max_deletion_attempts:
                    result.error = (
                        f"role still in use after {world.rejects} deletion "
                        f"attempts: {outcome.detail.get('usage')}"
                    )
                    result.exit_code = exits.IN_USE
                    break
                wait = self.config.reject_wait_seconds
                wait = self.workflow.reject_wait_seconds if wait is None else wait
                log.info("delete.wait_before_retry", seconds=wait, attempt=world.rejects)
                self.progress(f"deletion failed: role still used; retrying in {wait:g}s")
                self._sleep(min(wait, max(aws.deadline.remaining(), 0)))
                world = self.observe(aws, result.account)
            if step:
                break
        result.final_state = self._label(derive_state(world))
        if result.exit_code == exits.OK and step and derive_state(world) != goal:
            result.exit_code = exits.CHANGES_PENDING

    def _step(
        self,
        aws: Aws,
        transition: Transition,
        world: Observation,
        options: Options,
        result: RunResult,
    ) -> tuple[StepResult, Observation]:
        trigger = transition.trigger
        start = derive_state(world)
        log = get_logger().bind(transition=trigger)
        structlog.contextvars.bind_contextvars(transition=trigger)
        self._step_id = self.journal.start_step(result.run_id, transition=trigger, from_state=start)
        first_call = len(aws.records)
        step = StepResult(trigger, self._label(start), self._label(start), StepStatus.SUCCEEDED)
        log.info("step.start", state=self._label(start))
        try:
            after = self._act(aws, trigger, world, options, result.account, step)
            machine = build(self.workflow.definition, initial=start)
            if (
                trigger == "delete"
                and after.deletion_task
                and after.deletion_task.status in RUNNING
            ):
                step.status = StepStatus.RETRIABLE
                step.error = "deletion task still running; run apply again to keep polling"
            elif not machine.fire(trigger, after, world):
                rejected = (
                    after.deletion_task is not None and after.deletion_task.status == "FAILED"
                )
                # A failed deletion task is an answer, not an error: reject comes next.
                step.status = StepStatus.FAILED if rejected else StepStatus.BLOCKED
                step.error = self._guard_failure(trigger, after)
                if rejected:
                    self._remember(result.account, after, merge=True)
            else:
                self._remember(result.account, after)
            step.to_state = self._label(machine.state)
            world = after
        except (AwsError, Blocked) as error:
            step.status, step.error = StepStatus.FAILED, str(error)
            log.error("step.failed", error=str(error))
        finally:
            structlog.contextvars.unbind_contextvars("transition")
        step.operations = aws.operations()[first_call:]
        self.journal.finish_step(
            self._step_id,
            status=str(step.status),
            to_state=self.workflow.definition.state(step.to_state).id,
            error=step.error,
        )
        log.info("step.end", status=str(step.status), to=step.to_state)
        return step, world

    def _guard_failure(self, trigger: str, world: Observation) -> str:
        if trigger == "verify":
            if world.unscanned_regions:
                return "verify needs every region scanned; not scanned: " + ", ".join(
                    f"{r} ({why})" for r, why in sorted(world.unscanned_regions.items())
                )
            return "still active: " + ", ".join(f"{d.region}/{d.name}" for d in world.active)
        if trigger == "delete" and world.deletion_task:
            return f"deletion task {world.deletion_task.status}: {world.deletion_task.reason}"
        return f"guard of {trigger} does not hold"

    def _remember(self, account: str, world: Observation, *, merge: bool = False) -> None:
        memory = _world_to_memory(world)
        if merge:
            # Before a write, only add to what is known: a crash then loses nothing.
            old = self.journal.memory(account, self.workflow.role_name)
            old_drained = old.get("drained", [])
            keys = {(d["region"], d["kind"], d["name"]) for d in old_drained}
            memory["drained"] = old_drained + [
                d for d in memory["drained"] if (d["region"], d["kind"], d["name"]) not in keys
            ]
            # Only what the coming write may leave behind is added; findings the world no
            # longer supports (a verify before logging came back) are not carried over.
            memory["draining"] = bool(memory.get("draining") or old.get("draining"))
            memory["task_id"] = memory.get("task_id") or old.get("task_id")
        self.journal.remember(account, self.workflow.role_name, memory)

    # -- act: the only place that sends writes -----------------------------------------------

    def _act(
        self,
        aws: Aws,
        trigger: str,
        world: Observation,
        options: Options,
        account: str,
        step: StepResult,
    ) -> Observation:
        home = self.config.home_region
        policy = self.workflow.binding(trigger).retry
        calls = writes_for(self.workflow, trigger, world, options, home)
        intended = simulate(self.workflow, trigger, world, options, account, home)
        if trigger in ("drain", "delete"):
            self._remember(
                account,
                intended if trigger == "drain" else replace(world, deletion_requested=True),
                merge=True,
            )
        if trigger == "create":
            return self._create(aws, calls, intended, policy)
        if trigger == "verify":
            fresh = self.observe(aws, account)
            fresh = replace(
                fresh, draining=world.draining, drained=world.drained, rejects=world.rejects
            )
            step.detail["active"] = [f"{d.region}/{d.name}" for d in fresh.active]
            return replace(fresh, decommission_intended=True) if not fresh.active else fresh
        if trigger == "delete":
            return self._delete(aws, calls, world, intended, step, account)
        if trigger == "reject":
            task = world.deletion_task
            usage = _usage(task)
            step.detail["usage"] = usage
            get_logger().warning(
                "delete.rejected", reason=task.reason if task else None, role_usage=usage
            )
            return intended
        self._send_all(aws, calls, policy, trigger)
        step.detail["dependents"] = len(calls)
        return intended

    def _send(self, aws: Aws, call: Call, policy: Any) -> dict[str, Any]:
        return aws.call(call.service, call.operation, call.region, call.params, policy=policy)

    def _send_all(self, aws: Aws, calls: list[Call], policy: Any, trigger: str) -> None:
        done = [0]

        def send(call: Call) -> None:
            self._send(aws, call, policy)
            done[0] += 1
            self.progress(f"{trigger}: {done[0]}/{len(calls)} dependents")

        aws.map(send, calls)

    def _create(
        self, aws: Aws, calls: list[Call], intended: Observation, policy: Any
    ) -> Observation:
        log = get_logger()
        for call in calls:
            try:
                self._send(aws, call, policy)
            except AwsError as error:
                # Another actor created it between our look and our call: adopt it.
                if call.operation == "CreateServiceLinkedRole" and "has been taken" in (
                    error.aws_message
                ):
                    log.info("role.adopted", reason="created concurrently")
                    continue
                raise
        # IAM is eventually consistent: GetRole may say NoSuchEntity for a while.
        found = aws.call(
            "iam",
            "GetRole",
            self.config.home_region,
            {"RoleName": self.workflow.role_name},
            policy=policy,
            eventual_not_found=True,
        )["Role"]
        return replace(intended, role=_role(found))

    def _delete(
        self,
        aws: Aws,
        calls: list[Call],
        world: Observation,
        intended: Observation,
        step: StepResult,
        account: str,
    ) -> Observation:
        log = get_logger()
        policy = self.workflow.binding("delete").retry
        task = world.deletion_task
        task_id = task.id if task and task.status in RUNNING else None
        for call in calls:
            if world.deletion_requested:
                log.info(
                    "delete.resubmit",
                    reason="a previous run sent it; AWS returns the running task's id",
                )
            task_id = self._send(aws, call, policy)["DeletionTaskId"]
        assert task_id is not None
        pending = DeletionTask(task_id, "NOT_STARTED")
        self._remember(
            account, replace(world, deletion_requested=True, deletion_task=pending), merge=True
        )
        step.detail["deletion_task"] = task_id
        started = time.monotonic()

        def poll() -> DeletionTask:
            found = self._deletion_status(aws, task_id, self.workflow.binding(OBSERVE).retry)
            status = found or DeletionTask(task_id, "NOT_STARTED")
            self.progress(f"deletion task {status.status} ({time.monotonic() - started:.0f}s)")
            return status

        final: DeletionTask = retrying(
            self.workflow.poll,
            retry_result=lambda t: t.status in RUNNING,
            deadline=aws.deadline,
            sleep=self._sleep,
        )(poll)
        step.detail["deletion_status"] = final.status
        log.info("delete.status", task=task_id, status=final.status)
        if final.status == "SUCCEEDED":
            return replace(intended, deletion_task=final)
        if final.status == "FAILED":
            step.detail["usage"] = _usage(final)
        return replace(world, deletion_task=final, deletion_requested=True)


def _usage(task: DeletionTask | None) -> list[dict[str, Any]]:
    """A failed deletion task's RoleUsageList, as results and logs show it."""
    return [
        {"region": u.region, "resources": list(u.resources)} for u in (task.usage if task else ())
    ]


def _rejected(step: StepResult, world: Observation) -> bool:
    task = world.deletion_task
    return step.transition == "delete" and task is not None and task.status == "FAILED"


def _role(found: Mapping[str, Any]) -> Role:
    created = found.get("CreateDate")
    return Role(
        found["RoleName"],
        found["Arn"],
        found.get("Path", "/"),
        found.get("Description"),
        str(created) if created else None,
    )


def _world_to_memory(world: Observation) -> dict[str, Any]:
    task = world.deletion_task
    return {
        "draining": world.draining,
        "decommission_intended": world.decommission_intended,
        "drained": [asdict(d) for d in world.drained],
        "deletion_requested": world.deletion_requested,
        "deleted_by_us": world.deleted_by_us
        or (world.role is None and task is not None and task.status == "SUCCEEDED"),
        "task_id": task.id if task and task.status != "SUCCEEDED" else None,
        "rejects": world.rejects,
    }


def _memory_to_world(memory: Mapping[str, Any]) -> Observation:
    """The journal's intent as an observation that has seen nothing of AWS yet."""
    return Observation.from_dict({**memory, "role": None})


def _outcome(result: RunResult) -> str:
    if result.exit_code == exits.OK:
        return "succeeded"
    if result.exit_code == exits.CHANGES_PENDING:
        return "pending"
    return "failed"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def available_regions(service: str, session: Any = None) -> list[str]:
    """Every commercial region where AWS offers ``service`` (from botocore's endpoint data, as
    ``session`` holds it when given)."""
    if session is None:
        import boto3

        session = boto3.session.Session()
    return sorted(session.get_available_regions(service))


__all__ += ["DELETED", "available_regions"]
