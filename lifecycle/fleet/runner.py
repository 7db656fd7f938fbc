"""A fleet run: one command over many accounts, one ``Runner`` per account, on one bounded
pool, with StackSets' knobs and the accounts split among the runners that share a journal.

Runners that share the work (``--state dynamodb://TABLE``, the same fleet command) agree on
the fleet run's id (``--fleet-run ID``, else a digest of the command) and, per account:

1. an account whose completion record says it was done in this fleet run is reported, not
   done again (``elsewhere``, with the outcome that runner recorded);
2. else the runner takes the account's claim, a lease in the journal on
   ``(account, <role>#fleet#<id>)``: one runner at a time; a claim held by another runner is
   looked at again every ``poll_seconds`` until that runner recorded the account as done, or
   its lease expired (it died) and this runner takes the account over;
3. the account's ``Runner`` does the command, and its completion record is written while the
   claim is held (fenced: a runner that lost its claim writes none).

A fleet run lasts until every account has a completion record: a runner that starts on a
finished one begins the next (a new generation of records), so the same command run again
tomorrow does the work again, while a run killed and started again resumes.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from contextvars import copy_context
from dataclasses import dataclass
from typing import Any

import structlog

from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.runner import Runner
from lifecycle.errors import LeaseLost, LifecycleError, LockHeld
from lifecycle.fleet.accounts import Sessions
from lifecycle.fleet.pool import FleetPool
from lifecycle.fleet.results import AccountResult, Codes, FleetProgress, FleetResult, Outcome
from lifecycle.journal import Journal, holder_id
from lifecycle.log import get_logger
from lifecycle.model.outcome import Outcome as RunOutcome
from lifecycle.model.workflow import Workflow

__all__ = ["FleetConfig", "FleetRunner", "Work", "fleet_run_id"]

#: One account's command: (its runner, the account) -> (how its run ended, its document).
Work = Callable[[Runner, str], tuple[RunOutcome, dict[str, Any]]]

#: The journal's account for records about a fleet run as a whole.
FLEET = "fleet"


@dataclass(frozen=True)
class FleetConfig:
    """How a fleet runs: StackSets' knobs, and the bounds of its one pool."""

    #: Accounts worked on at once (StackSets' ``MaxConcurrentCount``).
    max_concurrent_accounts: int = 8
    #: Once more than this many accounts failed, no new account is started (StackSets'
    #: ``FailureToleranceCount``); ``None``: every account is tried.
    failure_tolerance: int | None = None
    #: AWS calls in flight at once over the whole fleet (also the pool's threads).
    calls_in_flight: int = 64
    #: AWS calls in flight at once in one account and region (where AWS throttles).
    calls_per_region: int = 8
    #: The fleet run's id, shared by the runners that split it; ``None``: from the command.
    fleet_run: str | None = None
    #: How often an account another runner holds is looked at again.
    poll_seconds: float = 2.0


def fleet_run_id(command: Mapping[str, Any], accounts: list[str]) -> str:
    """The id runners started with the same fleet command agree on without talking."""
    text = json.dumps({"command": command, "accounts": sorted(accounts)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Held:
    """A claim another runner of this fleet run holds: look again later."""

    holder: str
    expires_at: float


class FleetRunner:
    """Runs one command over ``accounts``, one :class:`Runner` per account."""

    def __init__(
        self,
        workflow: Workflow,
        journal: Journal,
        config: RunnerConfig,
        fleet: FleetConfig,
        sessions: Sessions,
        *,
        codes: Codes,
        progress: FleetProgress | None = None,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.workflow, self.journal, self.config, self.fleet = workflow, journal, config, fleet
        self.sessions = sessions
        #: How the documents, records and logs of the fleet number outcomes (``exit_code``).
        self.codes = codes
        self.progress = progress or FleetProgress(live=False)
        self.sleep = sleep
        self.holder = holder_id()

    def run(
        self, command: str, accounts: list[str], work: Work, key: Mapping[str, Any]
    ) -> FleetResult:
        """``work`` in every account, each once in this fleet run; ``key``: what makes the
        command the same command (its fleet run id, unless ``--fleet-run`` gives one)."""
        fleet_id = self.fleet.fleet_run or fleet_run_id(key, accounts)
        scope = f"{self.workflow.role_name}#fleet#{fleet_id}"
        world = f"run-{self._generation(scope, accounts)}"
        log = get_logger().bind(fleet_run=fleet_id)
        log.info("fleet.start", command=command, accounts=len(accounts), runner=self.holder)
        self.progress.start(len(accounts))
        with FleetPool(
            in_flight=self.fleet.calls_in_flight, per_region=self.fleet.calls_per_region
        ) as pool:

            def one(account: str) -> AccountResult | _Held:
                structlog.contextvars.bind_contextvars(account=account, fleet_run=fleet_id)
                try:
                    return self._claimed(
                        account, scope, world, lambda: self._process(account, pool, work)
                    )
                except Exception as error:  # the journal failed around the account's work
                    outcome = _expected(error) or RunOutcome.ERROR
                    return AccountResult.failure(account, outcome, str(error))
                finally:
                    pool.forget(account)

            results = self._each(accounts, one, log)
        self.progress.done()
        fleet = FleetResult(command, self.workflow.name, fleet_id, [results[a] for a in accounts])
        log.info("fleet.end", exit_code=self.codes[fleet.outcome], **fleet.summary())
        return fleet

    def _each(
        self, accounts: list[str], one: Callable[[str], AccountResult | _Held], log: Any
    ) -> dict[str, AccountResult]:
        """``one`` over ``accounts``, ``max_concurrent_accounts`` at a time; an account another
        runner holds is tried again every ``poll_seconds``; once more than the tolerated
        accounts failed (or the deadline passed), the rest are not started."""
        results: dict[str, AccountResult] = {}
        queue, waiting = deque(accounts), dict[str, float]()
        running: dict[Future[AccountResult | _Held], str] = {}
        deadline = time.monotonic() + (self.config.deadline_seconds or float("inf"))
        why: str | None = None
        with ThreadPoolExecutor(self.fleet.max_concurrent_accounts, "account") as starter:
            while queue or running or waiting:
                now = time.monotonic()
                for account in [a for a, due in waiting.items() if due <= now]:
                    del waiting[account]
                    queue.append(account)
                if why is None and now > deadline:
                    why = "the run's deadline passed"
                if why is not None:
                    queue.extend(waiting)
                    waiting.clear()
                    if not running:
                        break
                while queue and why is None and len(running) < self.fleet.max_concurrent_accounts:
                    account = queue.popleft()
                    log.info("fleet.account.start", account=account)
                    self.progress.begin(account)
                    running[starter.submit(copy_context().run, one, account)] = account
                due = min(waiting.values(), default=now + 1.0)
                done, _ = wait(running, timeout=max(0.01, due - now), return_when=FIRST_COMPLETED)
                for future in done:
                    account, outcome = running.pop(future), future.result()
                    if isinstance(outcome, _Held):
                        log.info("fleet.account.held", account=account, holder=outcome.holder)
                        self.progress.wait(account, outcome.holder)
                        waiting[account] = time.monotonic() + self.fleet.poll_seconds
                        continue
                    results[account] = outcome
                    self.progress.end(account, outcome)
                    log.info("fleet.account.end", **outcome.summary_fields(self.codes))
                    failed = sum(r.outcome is Outcome.FAILED for r in results.values())
                    tolerance = self.fleet.failure_tolerance
                    if tolerance is not None and failed > tolerance and why is None:
                        why = "failure tolerance exceeded"
                        log.warning("fleet.stopping", failed=failed, failure_tolerance=tolerance)
        for account in queue:
            results[account] = AccountResult.not_started(account, f"not started: {why}")
        return results

    # -- one account ---------------------------------------------------------------------------

    def _generation(self, scope: str, accounts: list[str]) -> int:
        """The fleet run's current generation: the next one once every account is done."""
        generation = int(self.journal.memory(FLEET, scope).get("generation", 0))
        world = f"run-{generation}"
        if accounts and all(self.journal.memory(a, scope, world) for a in accounts):
            generation += 1
            # Runners starting together compute the same next generation: no race to lose.
            self.journal.remember(FLEET, scope, {"generation": generation, "at": time.time()})
        return generation

    def _claimed(
        self, account: str, scope: str, world: str, process: Callable[[], AccountResult]
    ) -> AccountResult | _Held:
        """``process`` under the account's claim, unless it was done in this fleet run."""
        done = self.journal.memory(account, scope, world)
        if done:
            return AccountResult.elsewhere(account, done)
        with ExitStack() as claim:
            try:
                claim.enter_context(
                    self.journal.lease(
                        account, scope, holder=self.holder, lease_seconds=self.config.lease_seconds
                    )
                )
            except LockHeld as held:
                return _Held(held.holder, held.expires_at)
            done = self.journal.memory(account, scope, world)
            if done:
                return AccountResult.elsewhere(account, done)
            result = process()
            try:
                self.journal.remember(account, scope, result.record(self.holder, self.codes), world)
            except LeaseLost as lost:
                # Another runner may do the account again: say so, the result stands.
                get_logger().warning("fleet.claim_lost", account=account, error=str(lost))
            return result
        raise AssertionError("unreachable")  # ExitStack does not swallow exceptions

    def _process(self, account: str, pool: FleetPool, work: Work) -> AccountResult:
        try:
            runner = Runner(
                self.workflow,
                self.journal,
                self.config,
                progress=lambda message: self.progress.step(account, message),
                sleep=self.sleep,
                session=self.sessions.of(account),
                pool=pool.for_account(account),
            )
            run, document = work(runner, account)
        except Exception as error:
            expected = _expected(error)
            if expected is None:
                get_logger().exception("fleet.account.crashed", account=account)
            return AccountResult.failure(account, expected or RunOutcome.ERROR, str(error))
        return AccountResult.of(account, run, document)


def _expected(error: BaseException) -> RunOutcome | None:
    """What a failure means for the account's run; ``None`` for a failure nobody expected."""
    return error.outcome if isinstance(error, LifecycleError) else None
