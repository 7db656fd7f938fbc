"""The two ways a step is taken: for real (acting on AWS, journaling each step and each write)
or simulated (from the same effects: the writes it would send, the world after). The runner's
one walk drives either; both fire the step's trigger on the run's machine."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import structlog

from lifecycle.aws.gateway import Gateway
from lifecycle.engine.act import ACTS, Actor, Run, converge
from lifecycle.engine.ahead import IntentsAhead
from lifecycle.errors import AwsError, Blocked
from lifecycle.journal import Journal
from lifecycle.journal.contract import Scope
from lifecycle.log import get_logger
from lifecycle.model.calls import Call, CallRecord
from lifecycle.model.decide import derive_state
from lifecycle.model.definition import Transition
from lifecycle.model.effects import EFFECTS, RUNNING, Acting
from lifecycle.model.observation import Intent, Observation, TaskStatus, replace
from lifecycle.model.results import Outcome, RunResult, StepResult, StepStatus

__all__ = ["Executor", "Real", "Run", "Simulated", "StepJournal", "failed_deletion"]


class StepJournal:
    """One step's write journal: a write's intent before it is sent (stored ahead when the
    step knows its writes in advance), its result after."""

    def __init__(self, journal: Journal, step_id: int, scope: Scope) -> None:
        self.journal, self.step_id, self.scope = journal, step_id, scope
        self._ahead: IntentsAhead | None = None

    @contextmanager
    def ahead(self, calls: Sequence[Call], window: int) -> Iterator[None]:
        """While the block runs, the intents of ``calls`` are stored ahead of their writes
        (see :mod:`lifecycle.engine.ahead`); an intent stored for a write never sent gets a result
        saying so."""

        def store(batch: list[Call]) -> list[int]:
            return self.journal.intents(self.step_id, batch)

        self._ahead = IntentsAhead(store, calls, window).start()
        try:
            yield
        finally:
            ahead, self._ahead = self._ahead, None
            for token in ahead.close():
                self.journal.result(token, ok=False, error="not sent", attempts=0)

    def before_write(self, call: Call) -> int:
        token = self._ahead.take(call) if self._ahead is not None else None
        if token is None:
            token = self.journal.intents(self.step_id, [call])[0]
        # Right before the write: a lease run out by our own clock sends nothing more.
        self.journal.still_held(self.scope)
        return token

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


class Executor(Protocol):
    """Takes one transition, for real or simulated; the walk is the same."""

    def converge(self, world: Observation, result: RunResult) -> Observation: ...

    def step(
        self, transition: Transition, world: Observation, result: RunResult
    ) -> tuple[StepResult, Observation]: ...


def failed_deletion(world: Observation) -> bool:
    task = world.deletion_task
    return task is not None and task.status == TaskStatus.FAILED


def _with_description(world: Observation, description: str | None) -> Observation:
    assert world.role is not None
    return replace(world, role=replace(world.role, description=description))


class Real:
    """Acts on AWS, journaling each step and each write."""

    def __init__(self, run: Run, aws: Gateway, world: Observation) -> None:
        self.run, self.aws = run, aws
        #: What the journal holds for the role, kept in step with it.
        self.recorded = Intent.of(world)

    def _remember(self, intent: Intent) -> None:
        run = self.run
        run.journal.remember(run.where.account, run.workflow.role_name, intent.as_dict())
        self.recorded = intent

    def _remember_first(self, world: Observation) -> None:
        # Before a write, only add to what is known: a crash then loses nothing.
        self._remember(self.recorded.merged(Intent.of(world)))

    def converge(self, world: Observation, result: RunResult) -> Observation:
        outcome = converge(Actor(self.aws, self.run, self._remember_first), world)
        if outcome is None:
            return world
        result.steps.append(outcome)
        if outcome.status is StepStatus.FAILED:
            result.error, result.outcome = outcome.error, Outcome.ERROR
            return world
        return _with_description(world, self.run.options.description)

    def step(
        self, transition: Transition, world: Observation, result: RunResult
    ) -> tuple[StepResult, Observation]:
        run, trigger = self.run, transition.trigger
        start = derive_state(world)
        log = get_logger().bind(transition=trigger)
        structlog.contextvars.bind_contextvars(transition=trigger)
        step_id = run.journal.start_step(result.run_id, transition=trigger, from_state=start)
        scope = (run.where.account, run.workflow.role_name)
        aws = self.aws.with_journal(StepJournal(run.journal, step_id, scope))
        first_call = len(aws.records)
        step = StepResult(trigger, run.label(start), run.label(start), StepStatus.SUCCEEDED)
        log.info("step.start", state=run.label(start))
        effect = EFFECTS[trigger]
        try:
            after = ACTS[effect.acting](Actor(aws, run, self._remember_first), effect, world, step)
            task = after.deletion_task
            if effect.acting is Acting.DELETE and task is not None and task.status in RUNNING:
                step.status = StepStatus.RETRIABLE
                step.error = "deletion task still running; run apply again to keep polling"
            elif not run.machine.fire(trigger, after, world):
                # A failed deletion task is an answer, not an error: reject comes next.
                failed = failed_deletion(after)
                step.status = StepStatus.FAILED if failed else StepStatus.BLOCKED
                step.error = effect.blocked(after)
                if failed:
                    self._remember_first(after)
            else:
                self._remember(Intent.of(after))
            step.to_state = run.label(run.machine.state)
            world = after
        except (AwsError, Blocked) as error:
            step.status, step.error = StepStatus.FAILED, str(error)
            log.error("step.failed", error=str(error))
        finally:
            structlog.contextvars.unbind_contextvars("transition")
        step.operations = aws.operations()[first_call:]
        throttled = aws.throttled_since(first_call)
        if throttled:
            step.detail = replace(step.detail, throttled=throttled)
        run.journal.finish_step(
            step_id,
            status=str(step.status),
            error=step.error,
            to_state=run.workflow.definition.state(step.to_state).id,
        )
        log.info("step.end", status=str(step.status), to=step.to_state)
        return step, world


class Simulated:
    """Simulates each step from the same effects: the writes it would send, the world after."""

    def __init__(self, run: Run, aws: Gateway) -> None:
        self.run, self.aws = run, aws

    def converge(self, world: Observation, result: RunResult) -> Observation:
        outcome = converge(Actor(self.aws, self.run, lambda _world: None), world)
        if outcome is None:
            return world
        result.steps.append(outcome)
        return _with_description(world, self.run.options.description)

    def step(
        self, transition: Transition, world: Observation, result: RunResult
    ) -> tuple[StepResult, Observation]:
        run, trigger = self.run, transition.trigger
        effect = EFFECTS[trigger]
        here = run.label(derive_state(world))
        try:
            calls = effect.writes(run.workflow, world, run.options, run.where)
            after = effect.simulate(run.workflow, world, run.options, run.where)
        except Blocked as blocked:
            refused = StepResult(trigger, here, here, StepStatus.BLOCKED, error=str(blocked))
            return self._journaled(result, refused), world
        first = len(self.aws.records)
        for call in calls:
            self.aws.simulate(call)
        operations = self.aws.operations()[first:] + self._reads(transition, effect.acting, world)
        if not run.machine.fire(trigger, after, world):
            blocked_step = StepResult(
                trigger, here, here, StepStatus.BLOCKED, operations, error=effect.blocked(after)
            )
            return self._journaled(result, blocked_step), world
        there = run.label(derive_state(after))
        simulated = StepResult(trigger, here, there, StepStatus.SIMULATED, operations)
        return self._journaled(result, simulated), after

    def _journaled(self, result: RunResult, step: StepResult) -> StepResult:
        """``step`` kept in the journal as a real one is (no call: nothing was sent)."""
        journal, state = self.run.journal, self.run.workflow.definition.state
        step_id = journal.start_step(
            result.run_id, transition=step.transition or "", from_state=state(step.from_state).id
        )
        journal.finish_step(
            step_id, status=str(step.status), to_state=state(step.to_state).id, error=step.error
        )
        return step

    def _reads(
        self, transition: Transition, acting: Acting, world: Observation
    ) -> list[dict[str, Any]]:
        """The reads a transition makes besides its writes (at least one page each); a
        transition that sends one write per dependent acts on the scan it starts from."""
        if acting is Acting.SEND:
            return []
        run, reads = self.run, []
        for op in run.workflow.binding(transition.trigger).operations:
            if op.writes or op.conditional:
                continue
            regional = world.scanned_regions or run.observer.regions
            regions = regional if op.regional else (run.where.home,)
            reads += [
                CallRecord(Call(op.service, op.name, r, {}), outcome="simulated").as_dict()
                for r in regions
            ]
        return reads
