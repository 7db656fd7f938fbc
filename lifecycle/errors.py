"""Every exception slr-lifecycle raises, in one tree: ``except LifecycleError`` catches
anything it raised on purpose. A caller branches on the few subclasses below the root:

- :class:`UsageError`: the caller asked for what cannot be (an option, a profile, a name,
  a target, a plan file, an account selection);
- :class:`Blocked`: the next transition cannot be decided or sent (:class:`NeedsPerson`:
  only a person can clear what still uses the role);
- :class:`StalePlan`: a saved plan no longer holds;
- :class:`LockHeld`: another runner holds the role (:class:`LeaseLost`: this one lost it);
- :class:`AwsError`: an AWS call failed for good (:class:`Refused`: it was not allowed);
- :class:`JournalError`: the journal cannot be opened, read or written.

Each class says what it means for a run as an :class:`~lifecycle.model.outcome.Outcome`
(``None``: a failure no run is expected to meet); the command line alone numbers outcomes as
exit codes. Messages are one line. Imports nothing of ``lifecycle`` but the outcome (a leaf).
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any

from lifecycle.model.outcome import Outcome

__all__ = [
    "AwsError",
    "Blocked",
    "DeadlinePassed",
    "DefinitionError",
    "ErrorKind",
    "Failure",
    "GraphvizMissing",
    "InvalidOption",
    "JournalError",
    "LeaseLost",
    "LifecycleError",
    "LockHeld",
    "NeedsPerson",
    "PlanFileError",
    "Refused",
    "SelectionError",
    "StalePlan",
    "StateUrlError",
    "UnknownDependents",
    "UnknownName",
    "UnknownProfile",
    "Unprocessed",
    "Unreachable",
    "UsageError",
]


class LifecycleError(Exception):
    """The root of every exception slr-lifecycle raises."""

    #: What the failure means for a run; ``None``: none is expected to meet it.
    outcome: Outcome | None = None


# -- the caller's mistakes -------------------------------------------------------------------


class UsageError(LifecycleError):
    """The caller asked for what cannot be: the message names it (one line)."""

    outcome = Outcome.USAGE


class InvalidOption(UsageError, ValueError):
    """An option AWS would refuse once a run has begun: the message names it and why."""


class UnknownProfile(UsageError, ValueError):
    """``--profile`` (or ``AWS_PROFILE``) names a profile no AWS config file has: a usage
    error, one line naming it."""

    def __init__(self, profile: str) -> None:
        super().__init__(
            f"AWS profile {profile!r} not found in the AWS config or credentials files "
            "(--profile, AWS_PROFILE)"
        )
        self.profile = profile


class PlanFileError(UsageError, ValueError):
    """A plan file cannot be read or was not made by ``slr plan -o`` (one line)."""


class SelectionError(UsageError, ValueError):
    """An ``--accounts`` or role option that names no fleet (one line, a usage error)."""


class UnknownName(UsageError, KeyError):
    """No state, transition, workflow or scope has this name: the message names the known
    ones (``args[0]``; a ``KeyError`` for the callers that catch one)."""


class DefinitionError(LifecycleError, ValueError):
    """A definition breaks a rule; the message names the state or transition at fault."""


# -- a run that cannot go on -----------------------------------------------------------------


class Blocked(LifecycleError):
    """The next transition cannot be decided or sent: the message says why, in one line."""

    outcome = Outcome.ERROR


class Unreachable(Blocked, UsageError):
    """The target cannot be reached from the observed state by any allowed way."""

    outcome = Outcome.USAGE


class UnknownDependents(Blocked, UsageError):
    """A decommission of a role whose dependents nobody knows (a workflow of any service's
    role), not accepted by the caller (``accept_unknown_dependents``): refused before any
    write."""

    outcome = Outcome.USAGE


class NeedsPerson(Blocked):
    """Only a person can clear what still uses the role (delete it, or point it at another
    role): refused before any write; the message lists each, one line with what to do."""

    outcome = Outcome.NEEDS_PERSON


class StalePlan(LifecycleError):
    """A saved plan no longer matches the definitions or the observed world."""

    outcome = Outcome.STALE_PLAN


# -- the journal -----------------------------------------------------------------------------


class JournalError(LifecycleError):
    """The journal cannot be opened, read or written; the message names where it lives."""

    outcome = Outcome.ERROR


class StateUrlError(JournalError):
    """A state URL that names no journal: the caller's mistake."""


class LockHeld(LifecycleError):
    """Another runner holds the lease on this account and role."""

    outcome = Outcome.LOCK_HELD

    def __init__(self, account: str, role: str, holder: str, expires_at: float) -> None:
        super().__init__(f"lock on {account}/{role} held by {holder} until {_utc(expires_at)}")
        self.account, self.role, self.holder, self.expires_at = account, role, holder, expires_at

    def __reduce__(self) -> tuple[Any, ...]:
        # The constructor does not take the message, so pickling (multiprocessing) needs help.
        return (type(self), (self.account, self.role, self.holder, self.expires_at))


class LeaseLost(LockHeld):
    """This runner's lease expired or was taken over: its journal writes are refused."""

    def __init__(self, account: str, role: str, holder: str, expires_at: float) -> None:
        super().__init__(account, role, holder, expires_at)
        live = holder and expires_at > time.time()
        now = f"held by {holder} until {_utc(expires_at)}" if live else "it expired"
        Exception.__init__(self, f"lease on {account}/{role} lost, nothing more written: {now}")


def _utc(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class Unprocessed(LifecycleError):
    """BatchWriteItem left some items for later (throttled): send them again. The message is
    their number; never leaves the journal (it becomes a :class:`JournalError`)."""


# -- AWS -------------------------------------------------------------------------------------


class ErrorKind(StrEnum):
    """How the one retry layer treats an error."""

    RETRYABLE = "retryable"
    #: IAM's ``NoSuchEntity`` right after a create: IAM is eventually consistent.
    EVENTUAL = "eventual"
    FATAL = "fatal"


class AwsError(LifecycleError):
    """An AWS call that failed for good: the message is one line naming the operation,
    the region and AWS's own words."""

    outcome = Outcome.ERROR

    def __init__(
        self,
        service: str,
        operation: str,
        region: str,
        code: str,
        message: str,
        attempts: int,
        *,
        kind: ErrorKind = ErrorKind.FATAL,
    ) -> None:
        self.service, self.operation, self.region = service, operation, region
        self.code, self.aws_message, self.attempts = code, message, attempts
        #: How the retry layer sorts the error: ``RETRYABLE`` means it gave up on an error
        #: that might have cleared (5xx, throttling, a connection), not that AWS refused.
        self.kind = kind
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        # One line, whatever AWS or botocore put in the message (validation errors span lines).
        text = " ".join(f"{code}: {message}".split())
        super().__init__(f"{service}:{operation} in {region} failed{tries}: {text}")


class Refused(AwsError):
    """A write (or an undeclared operation) was attempted where it is not allowed."""


class DeadlinePassed(LifecycleError):
    """A wait was given up: it would have ended past the run's deadline. Not retried: the
    call it was for fails as a retry stopped by the deadline fails."""


# -- the rest --------------------------------------------------------------------------------


class GraphvizMissing(LifecycleError, RuntimeError):
    """SVG or PNG was asked for and Graphviz's ``dot`` is not installed."""


class Failure(LifecycleError):
    """The command line's expected failure: one line on stderr and the exit code of its
    ``outcome`` (:mod:`lifecycle.cli.exits` numbers it)."""

    outcome: Outcome

    def __init__(self, message: str, outcome: Outcome = Outcome.ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.outcome = outcome
