"""What must hold of every run, whatever the faults, the kills and the people: each invariant
a name, what it means, and the checks that judge one run by what the soak saw of it (its
exit code, its streams, the writes the local AWS received) and by what AWS shows after.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from soak.slr import Ran
from soak.world import ROLE, Key, Tracked, Write, active

__all__ = ["DOCUMENTED", "HOLDS", "INVARIANTS", "KNOWN", "Ledger", "Violation"]

#: Each invariant and what it means.
INVARIANTS: Mapping[str, str] = {
    "exit-code": "only documented exit codes, for the command that exits with them; the "
    "JSON's exit_code is the process's",
    "no-traceback": "no traceback on stderr, ever",
    "dry-run-writes-nothing": "status, plan, apply --dry-run and apply --step --dry-run send "
    "no write",
    "exit-0-holds": "exit 0 means the target holds: slr status and plain boto3 say so",
    "repeat-writes-nothing": "the same apply again after exit 0 exits 0 and sends no write",
    "restore-exact": "a restore brings back exactly what the drains replaced (people's "
    "deletions and additions aside)",
    "resume-repeats-nothing": "the apply after a kill sends no write that reached AWS before "
    "the kill (README: the one exception is DeleteServiceLinkedRole)",
    "decommission-never-creates": "no CreateServiceLinkedRole in a run whose target is "
    "deletable or deleted",
}

#: README's exit code table (lifecycle/cli/exits.py): 0 done, 1 error, 2 changes pending, 3 lock
#: held, 4 still in use, 5 stale plan, 64 usage.
DOCUMENTED = frozenset({0, 1, 2, 3, 4, 5, 64})

#: The states in which a target holds (a state meets the targets that need nothing more).
HOLDS: Mapping[str, frozenset[str]] = {
    "created": frozenset({"created"}),
    "in-use": frozenset({"in-use"}),
    "deletable": frozenset({"deletable", "absent", "deleted"}),
    "deleted": frozenset({"deleted", "absent"}),
}


#: Violations found by the soak and reported, not fixed yet: each still counts and is printed
#: in full, but fails the soak only with ``SOAK_STRICT=1``, so that CI keeps failing for new
#: ones. Remove an entry with its fix.
KNOWN: Mapping[str, str] = {
    "fleet-resume-hides-failure": "a fleet run resumed after a kill exits 0 although an "
    "account failed before the kill: the failure is recorded, then reported as 'elsewhere' "
    "and never counted, and the killed runner never exited with it",
}


@dataclass(frozen=True)
class Violation:
    step: int
    invariant: str
    message: str
    ran: Ran | None = None
    #: The :data:`KNOWN` issue this is, if it is one.
    known: str | None = None


@dataclass
class Ledger:
    """Every check made, and every violation found."""

    #: Known issues fail the soak too.
    strict: bool = False
    checked: Counter[str] = field(default_factory=Counter)
    violations: list[Violation] = field(default_factory=list)

    def judge(
        self,
        step: int,
        invariant: str,
        problem: str | None,
        ran: Ran | None,
        known: str | None = None,
    ) -> bool:
        """Count the check; keep ``problem`` (when there is one) as a violation, of the
        ``known`` issue if it is one."""
        self.checked[invariant] += 1
        if problem:
            self.violations.append(Violation(step, invariant, problem, ran, known))
        return problem is None

    @property
    def failing(self) -> list[Violation]:
        """The violations that fail the soak."""
        return [v for v in self.violations if self.strict or v.known is None]


# -- judged from the run alone ---------------------------------------------------------------


def allowed_exits(ran: Ran, *, beside_another: bool) -> frozenset[int]:
    """The exit codes the README allows this command."""
    command = ran.command
    codes = {0, 1}
    if command.kind not in ("status", "history"):
        codes |= {2, 64}
    if command.kind == "apply-plan":
        codes.add(5)
    if command.applies and command.target == "deleted" and not command.fleet:
        codes.add(4)  # a fleet folds an account's 4 into its own 1
    if beside_another:
        codes.add(3)  # only another runner alive holds a lock: a dead one's is taken at once
    return frozenset(codes)


def exit_code_problem(ran: Ran, *, beside_another: bool = False) -> str | None:
    command = ran.command
    if ran.code is None:
        return "did not end within its time-out (hung); killed"
    cut_short = ran.killed or command.crash_at is not None
    if ran.code == -9 and cut_short:
        return None
    allowed = allowed_exits(ran, beside_another=beside_another)
    if ran.code not in allowed:
        return f"exit {ran.code}, not one of {sorted(allowed)} for {command.kind}"
    document = ran.document
    if document is None:
        if command.output == "json" and ran.code in (0, 2) and command.kind != "state-init":
            return f"exit {ran.code} with no JSON document on stdout: {ran.stdout[:300]!r}"
        return None
    said = document.get("summary", {}).get("exit_code") if command.fleet else None
    said = document.get("exit_code", said)
    if said is not None and said != ran.code:
        return f"its JSON says exit_code {said}, the process exited {ran.code}"
    if command.fleet:
        for account in document.get("accounts", []):
            code = account.get("exit_code")
            if code is not None and code not in DOCUMENTED:
                return f"account {account.get('account')}: exit_code {code} is not documented"
    return None


def traceback_problem(ran: Ran) -> str | None:
    for stream, text in (("stderr", ran.stderr), ("stdout", ran.stdout)):
        if "Traceback (most recent call last)" in text:
            at = text.index("Traceback (most recent call last)")
            return f"a traceback on {stream}:\n{text[at : at + 3000]}"
    return None


def dry_run_problem(ran: Ran) -> str | None:
    if ran.command.dry and ran.writes:
        return f"{ran.command.kind} sent {len(ran.writes)} write(s): {_listed(ran.writes)}"
    return None


def creation_problem(ran: Ran) -> str | None:
    if ran.command.target not in ("deletable", "deleted"):
        return None
    created = [w for w in ran.writes if w.operation == "CreateServiceLinkedRole"]
    if created:
        return f"a decommission to {ran.command.target} sent {_listed(created)}"
    return None


def repeat_problem(ran: Ran) -> str | None:
    if ran.code != 0:
        return f"the repeat exited {ran.code}, not 0:\n{ran.tail()}"
    if ran.writes:
        return f"the repeat sent {len(ran.writes)} write(s): {_listed(ran.writes)}"
    return None


def resume_problem(cut: Ran, resumed: Ran) -> str | None:
    """The run after a kill (nobody changed anything between) repeats no write that reached
    AWS before the kill; a fleet's service principal names no account, so its creations are
    left out."""
    before = set(cut.writes)
    again = [
        w
        for w in resumed.writes
        if w in before
        and w.operation != "DeleteServiceLinkedRole"
        and not (resumed.command.fleet and w.operation == "CreateServiceLinkedRole")
    ]
    if again:
        return (
            f"the run killed before ({cut.command}) had sent {_listed(cut.writes)}; "
            f"its resume sent again {_listed(again)}"
        )
    return None


# -- judged against AWS ----------------------------------------------------------------------


def holds_problem(
    target: str, state: str | None, account: Tracked, consistency_seconds: float
) -> str | None:
    """Whether ``target`` holds in ``account``: by ``slr status``'s state, then by plain
    boto3 reads (IAM given its consistency window to settle)."""
    if state not in HOLDS[target]:
        return f"account {account.id}: slr status says {state}, and {target} does not hold there"
    dependents = account.dependents()
    using = sorted(f"{k[0]}/{k[2]}" for k, v in dependents.items() if active(k, v))
    needs_role = target in ("created", "in-use")
    wait = consistency_seconds + 2.0
    if needs_role and not account.settle_role(True, wait):
        return f"account {account.id}: {target}, yet IAM shows no {ROLE}"
    if target == "deleted" and not account.settle_role(False, wait):
        return f"account {account.id}: deleted, yet IAM still shows {ROLE} after {wait:g} s"
    if target == "in-use" and not using:
        return f"account {account.id}: in-use, yet no dependent uses the role"
    if target != "in-use" and using:
        return f"account {account.id}: {target}, yet these use the role: {', '.join(using)}"
    return None


def restore_problem(account: Tracked) -> str | None:
    """After a restore: every dependent as it was before the drains (``intended``)."""
    now = account.dependents()
    differences = [
        f"{_key(key)}: {_settings(account.intended.get(key))} expected, "
        f"{_settings(now.get(key))} found"
        for key in sorted(set(now) | set(account.intended))
        if now.get(key) != account.intended.get(key)
    ]
    if differences:
        return f"account {account.id}: " + "; ".join(differences)
    return None


def done(document: Mapping[str, Any]) -> bool:
    """Whether an account's part of a fleet's document (or a run's) reached its target: done
    by this runner, or by another runner of the same fleet run, as it recorded."""
    if document.get("outcome") == "elsewhere":
        record = document.get("done_by") or {}
        return bool(record.get("outcome") == "succeeded" and record.get("exit_code") == 0)
    return document.get("exit_code") == 0 and document.get("outcome", "succeeded") == "succeeded"


def hidden_failures(document: Mapping[str, Any]) -> list[str]:
    """A fleet's accounts reported 'elsewhere' that the other runner did not finish."""
    return [
        f"{a.get('account')} ({(a.get('done_by') or {}).get('outcome')}: "
        f"{(a.get('done_by') or {}).get('error')})"
        for a in document.get("accounts", [])
        if a.get("outcome") == "elsewhere" and not done(a)
    ]


def restored(document: Mapping[str, Any]) -> bool:
    """Whether a run's steps include a restore that succeeded."""
    return any(
        step.get("transition") == "restore" and step.get("status") == "succeeded"
        for step in document.get("steps", [])
    )


def _key(key: Key) -> str:
    return f"{key[0]}/{key[1]}/{key[2]}"


def _settings(settings: Mapping[str, Any] | None) -> str:
    return "absent" if settings is None else repr(dict(settings))


def _listed(writes: Iterable[Write]) -> str:
    counted = Counter(str(w) for w in writes)
    return ", ".join(f"{w} x{n}" if n > 1 else w for w, n in sorted(counted.items()))
