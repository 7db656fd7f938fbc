"""One soak: the world set up from the seed, then steps until the time or the commands run
out (or a violation is found). Each step draws, from its own seeded generator, whether a
person changes something first, which ``slr`` command runs over which scope (the management
account alone, or the organization's members with shared state in DynamoDB), which faults
the local AWS arms meanwhile, and how the run may be cut short (``SLR_CRASH_AT``, SIGKILL);
then every invariant that applies is judged.

Step ``n`` draws from ``Random(f"{seed}:{n}")`` alone, so a seed replays the same choices in
the same order (what AWS's timing makes of them may differ: kills and latencies are timed).
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from soak import invariants as check
from soak.faults import Menu
from soak.invariants import Ledger
from soak.slr import Command, Ran, Slr, soak_environment
from soak.world import (
    CHANNEL,
    CONFIGURATION,
    OPT_IN_REGION,
    REGIONS,
    Server,
    Tracked,
    active,
    harsh_settings,
    management,
    organization,
)

__all__ = ["Options", "Soak"]

#: Targets, and how often each is drawn.
TARGETS = {"deleted": 3.0, "in-use": 3.0, "deletable": 1.5, "created": 0.5}
#: Command kinds, and how often each is drawn.
KINDS = {
    "status": 0.7,
    "history": 0.2,
    "plan": 1.2,
    "dry-run": 1.0,
    "step-dry-run": 1.0,
    "apply": 3.0,
    "step": 1.5,
    "crash": 1.0,
    "kill": 1.5,
    "saved-plan": 0.6,
    "side-by-side": 0.5,
}
#: Where ``SLR_CRASH_AT`` may stop a run.
CRASH_POINTS = (
    "ConfigureLogsForPlaybackConfiguration",
    "ConfigureLogsForChannel",
    "DeleteServiceLinkedRole",
    "CreateServiceLinkedRole",
    "UpdateRole",
)
ALL_REGIONS = (*REGIONS, OPT_IN_REGION)


@dataclass(frozen=True)
class Options:
    seed: int
    #: Start no step after this many seconds.
    seconds: float = 60.0
    #: Start no step once this many commands ran.
    max_commands: int = 500
    #: Stop after this step (to replay up to a failure); None: no limit.
    steps: int | None = None
    #: Members of the organization the fleet commands work on.
    members: int = 3
    #: Go on after a violation (the summary lists them all).
    keep_going: bool = False
    #: Known issues (:data:`soak.invariants.KNOWN`) fail the soak too.
    strict: bool = False


@dataclass
class Tally:
    """What the soak did, for the summary."""

    commands: Counter[str] = field(default_factory=Counter)
    exits: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    outside: Counter[str] = field(default_factory=Counter)
    steps: int = 0
    seconds: float = 0.0


class Soak:
    def __init__(self, options: Options, say: Callable[[str], None] = print) -> None:
        self.options, self.say = options, say
        self.ledger = Ledger(strict=options.strict)
        self.tally = Tally()
        self.menu = Menu()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"slr-soak-{options.seed}-"))
        setup = random.Random(f"{options.seed}:setup")
        self.settings = harsh_settings(setup)
        self.server = Server(self.workdir, self.settings)
        self._setup = setup
        #: A command cut short, per scope, that the next step may resume.
        self.pending: dict[bool, Ran] = {}

    # -- the world -------------------------------------------------------------------------

    def _build(self) -> None:
        rng = self._setup
        self.server.start()
        endpoint = self.server.endpoint_url
        self.single = management(endpoint)
        self.ou, self.members = organization(endpoint, self.options.members)
        for account in (self.single, *self.members):
            if rng.random() < 0.4:
                account.enable_opt_in_region()
        self.single.seed(rng, configurations=rng.randint(2, 5), channels=rng.randint(0, 2))
        for member in self.members:
            # Most members use the role; now and then one does not (nothing to decommission).
            member.seed(rng, configurations=rng.randint(1, 3), channels=rng.randint(0, 1))
            if rng.random() < 0.8 and not any(active(*d) for d in member.intended.items()):
                member.add(rng, CONFIGURATION, on=True)
        wait = self.settings.get("iam_consistency_seconds", 1.0) + 2.0
        for account in (self.single, *self.members):
            if any(active(k, v) for k, v in account.intended.items()):
                account.settle_role(True, wait)  # MediaTailor made it; IAM shows it late
        table = f"slr-soak-{self.options.seed}"
        shared = f"dynamodb://{table}?region=us-east-1"
        single_state = shared if rng.random() < 0.3 else str(self.workdir / "state")
        accounts = ",".join(m.id for m in self.members)
        if rng.random() < 0.5:
            accounts = f"org:{self.ou}"
        self.slr = Slr(
            self.server,
            self.workdir,
            single_state=single_state,
            fleet_state=shared,
            accounts=accounts,
            env=soak_environment(
                reject_wait=round(rng.uniform(0.0, 0.3), 2), deletion_patience=20.0
            ),
        )
        self.slr.max_concurrent_accounts = rng.randint(1, 3)
        init = self.slr.run(Command("state-init", ("state", "init"), fleet=True))[0]
        if init.code != 0:
            raise RuntimeError(f"slr state init exited {init.code}:\n{init.tail()}")

    def describe(self) -> list[str]:
        settings = ", ".join(f"{k}={v}" for k, v in sorted(self.settings.items()))
        accounts = [
            f"{a.id} ({len(a.intended)} dependents, "
            f"{sum(active(k, v) for k, v in a.intended.items())} active, "
            f"regions {','.join(a.regions)})"
            for a in (self.single, *self.members)
        ]
        return [
            f"local AWS: {settings}",
            f"single account: {accounts[0]}; state {self.slr.single_state}",
            f"fleet: --accounts {self.slr.accounts}, --max-concurrent-accounts "
            f"{self.slr.max_concurrent_accounts}; state {self.slr.fleet_state}; "
            + "; ".join(accounts[1:]),
            f"runs: SLR_REJECT_WAIT_SECONDS={self.slr.env['SLR_REJECT_WAIT_SECONDS']} "
            f"SLR_DELETION_PATIENCE={self.slr.env['SLR_DELETION_PATIENCE']}",
        ]

    # -- the walk --------------------------------------------------------------------------

    def run(self) -> bool:
        """Set up, walk, stop the local AWS; True when no invariant was violated."""
        started = time.monotonic()
        try:
            self._build()
            for line in self.describe():
                self.say(f"soak: {line}")
            step = 0
            while not self._over(started, step):
                step += 1
                self.tally.steps = step
                self._step(step, random.Random(f"{self.options.seed}:{step}"))
                if self.ledger.failing and not self.options.keep_going:
                    break
        finally:
            self.tally.seconds = time.monotonic() - started
            self.server.stop()
        if not self.ledger.violations:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return not self.ledger.failing

    def _over(self, started: float, step: int) -> bool:
        if self.options.steps is not None:
            return step >= self.options.steps
        elapsed = time.monotonic() - started
        return elapsed >= self.options.seconds or sum(self.tally.commands.values()) >= (
            self.options.max_commands
        )

    def _step(self, step: int, rng: random.Random) -> None:
        try:
            self._walk(step, rng)
        finally:
            for account in (self.single, *self.members):
                account.hasty = False

    def _walk(self, step: int, rng: random.Random) -> None:
        fleet = rng.random() < 0.35
        accounts = self.members if fleet else [self.single]
        changed = rng.random() < 0.25 and self._outside(rng, rng.choice(accounts), step)
        cut = self.pending.pop(fleet, None)
        kind = rng.choices(list(KINDS), list(KINDS.values()))[0]
        target = rng.choices(list(TARGETS), list(TARGETS.values()))[0]
        if cut is not None and rng.random() < 0.7:
            resumed = self._one(step, rng, [cut.command.plainly()], accounts)[0]
            if not changed and resumed.code is not None and resumed.code >= 0:
                problem = check.resume_problem(cut, resumed)
                self.ledger.judge(step, "resume-repeats-nothing", problem, resumed)
        elif kind == "saved-plan":
            self._saved_plan(step, rng, fleet, target, accounts)
        elif kind == "side-by-side" and fleet:
            apply = Command("apply", ("apply", "--target", target, "--yes"), True, target)
            self._one(step, rng, [apply, apply], accounts)
        else:
            self._one(step, rng, [self._command(rng, kind, fleet, target)], accounts)

    def _command(self, rng: random.Random, kind: str, fleet: bool, target: str) -> Command:
        output = "json" if rng.random() < 0.85 else "text"
        log_format = "json" if rng.random() < 0.8 else "console"
        if kind in ("status", "history"):
            return Command(kind, (kind,), fleet, None, output=output, log_format=log_format)
        apply: tuple[str, ...] = ("apply", "--target", target)
        if target in ("in-use", "created") and rng.random() < 0.15:
            apply += ("--description", f"soak {rng.randint(1, 3)}")
        if kind == "plan":
            args: tuple[str, ...] = ("plan", *apply[1:])
            return Command(kind, args, fleet, target, output=output, log_format=log_format)
        if kind == "dry-run":
            return Command(kind, (*apply, "--dry-run"), fleet, target, output=output)
        if kind == "step-dry-run":
            return Command(kind, (*apply, "--step", "--dry-run"), fleet, target, output=output)
        # A real apply: its JSON is read for what it did.
        yes = (*apply, "--yes")
        if kind == "step":
            return Command("step", (*yes, "--step"), fleet, target, log_format=log_format)
        if kind == "crash":
            when = rng.choice(("before", "after"))
            point = f"{when}:{rng.choice(CRASH_POINTS)}:{rng.randint(1, 3)}"
            return Command("apply", yes, fleet, target, crash_at=point)
        if kind == "kill":
            return Command("apply", yes, fleet, target, kill_after=round(rng.uniform(0.3, 4), 2))
        return Command("apply", yes, fleet, target, log_format=log_format)

    def _saved_plan(
        self, step: int, rng: random.Random, fleet: bool, target: str, accounts: list[Tracked]
    ) -> None:
        path = self.workdir / f"plan-{step}.json"
        plan = Command("save-plan", ("plan", "--target", target, "-o", str(path)), fleet, target)
        saved = self._one(step, rng, [plan], accounts)
        if not saved or saved[0].code not in (0, 2) or not path.exists():
            return
        if rng.random() < 0.3:
            self._outside(rng, rng.choice(accounts), step)
        apply = Command("apply-plan", ("apply", str(path), "--yes"), fleet, target)
        self._one(step, rng, [apply], accounts)

    # -- a person --------------------------------------------------------------------------

    def _outside(self, rng: random.Random, account: Tracked, step: int) -> bool:
        """A person changes a dependent; whether there was anything to change."""
        change = rng.choices(["reenable", "delete", "add"], [3.0, 1.0, 1.0])[0]
        if change == "reenable":
            key = account.reenable(rng)
        elif change == "delete":
            key = account.delete(rng)
        else:
            key = account.add(rng, rng.choice([CONFIGURATION, CHANNEL]), on=rng.random() < 0.7)
        if key is None:
            return False
        self.tally.outside[change] += 1
        self.say(f"soak: step {step}: a person: {change} {account.id} {'/'.join(key)}")
        logging_on = change == "reenable" or (
            change == "add" and active(key, account.intended[key])
        )
        if logging_on and account.role() is None:
            # Logging on made MediaTailor create the role, and IAM shows it late. A person's
            # change usually comes well before the next run, by when IAM shows it; now and
            # then a pipeline runs at once.
            if rng.random() < 0.2:
                account.hasty = True
                self.say(f"soak: step {step}: ... and a run follows before IAM shows the role")
            else:
                account.settle_role(True, self.settings.get("iam_consistency_seconds", 1.0) + 2.0)
        return True

    # -- one command, judged ---------------------------------------------------------------

    def _one(
        self, step: int, rng: random.Random, commands: list[Command], accounts: list[Tracked]
    ) -> list[Ran]:
        self.server.arm(self.menu.draw(rng), seed=rng.randrange(2**31))
        try:
            done = self.slr.run(*commands, regions=ALL_REGIONS)
        finally:
            self.tally.faults.update(self.server.disarm())
        beside = len(done) > 1
        for ran in done:
            self._count(ran)
            why = f": {ran.error_line()}" if ran.code not in (0, 2, -9) else ""
            self.say(
                f"soak: step {step}: {ran.command} -> {self._exit(ran)}{why} ({ran.seconds:.1f}s)"
            )
            self._judge_alone(step, ran, beside)
            if ran.code == -9 and ran.command.applies:
                self.pending[ran.command.fleet] = ran
        for ran in done:
            # A fleet's accounts each have their own exit code: one that exited 0 is judged
            # whatever the others did.
            ended = ran.code == 0 or (ran.command.fleet and ran.code in (1, 2))
            if ended and ran.command.applies and not self.ledger.failing:
                self._judge_after(step, ran, accounts, repeat=ran.code == 0 and not beside)
        return done

    def _count(self, ran: Ran) -> None:
        self.tally.commands[("fleet " if ran.command.fleet else "") + ran.command.kind] += 1
        self.tally.exits[self._exit(ran)] += 1

    @staticmethod
    def _exit(ran: Ran) -> str:
        if ran.code is None:
            return "hung"
        if ran.code == -9:
            return "-9 (killed)" if ran.killed else "-9 (crash point)"
        return str(ran.code)

    def _judge_alone(self, step: int, ran: Ran, beside: bool) -> None:
        judge = self.ledger.judge
        judge(step, "exit-code", check.exit_code_problem(ran, beside_another=beside), ran)
        judge(step, "no-traceback", check.traceback_problem(ran), ran)
        if ran.command.dry:
            judge(step, "dry-run-writes-nothing", check.dry_run_problem(ran), ran)
        if ran.command.target in ("deletable", "deleted") and not ran.command.dry:
            judge(step, "decommission-never-creates", check.creation_problem(ran), ran)

    def _judge_after(self, step: int, ran: Ran, accounts: list[Tracked], repeat: bool) -> None:
        """An apply that exited 0: the target holds, a restore is exact, a repeat is idle."""
        target = ran.command.target
        assert target is not None
        document = ran.document or {}
        per_account = (
            {a["account"]: a for a in document.get("accounts", [])}
            if ran.command.fleet
            else {self.single.id: document}
        )
        states = self._states(step, ran.command.fleet)
        consistency = self.settings.get("iam_consistency_seconds", 1.0)
        held = True
        hidden = check.hidden_failures(document) if ran.code == 0 and repeat else []
        if hidden:
            # Sequential runs: the runner that recorded these is dead (killed before).
            hides = f"the fleet exited 0, yet in this fleet run {', '.join(hidden)}"
            held = self.ledger.judge(
                step, "exit-0-holds", hides, ran, known="fleet-resume-hides-failure"
            )
        for account in accounts:
            mine = per_account.get(account.id)
            if mine is None or not check.done(mine):
                continue  # failed or pending: its own exit code says so
            problem = check.holds_problem(target, states.get(account.id), account, consistency)
            held &= self.ledger.judge(step, "exit-0-holds", problem, ran)
            if target == "in-use" and check.restored(mine):
                self.ledger.judge(step, "restore-exact", check.restore_problem(account), ran)
        # A repeat where the target did not hold would rightly do what was left.
        if repeat and held and not self.ledger.failing:
            again = self.slr.run(self._repeat(ran.command), regions=ALL_REGIONS)[0]
            self._count(again)
            self.say(f"soak: step {step}: repeat {again.command} -> {self._exit(again)}")
            self._judge_alone(step, again, False)
            self.ledger.judge(step, "repeat-writes-nothing", check.repeat_problem(again), again)

    @staticmethod
    def _repeat(command: Command) -> Command:
        if command.kind == "apply-plan":
            target = command.target or ""
            args = ("apply", "--target", target, "--yes")
            return Command("apply", args, command.fleet, target)
        return command.plainly()

    def _states(self, step: int, fleet: bool) -> dict[str, str | None]:
        """Each account's state, as ``slr status --output json`` says."""
        ran = self.slr.run(Command("status", ("status",), fleet), regions=ALL_REGIONS)[0]
        self._count(ran)
        self._judge_alone(step, ran, False)
        document = ran.document or {}
        if fleet:
            return {a["account"]: a.get("state") for a in document.get("accounts", [])}
        return {self.single.id: document.get("state")}
