"""The exit codes of ``slr``: a stable contract that runners branch on."""

from __future__ import annotations

__all__ = [
    "CHANGES_PENDING",
    "ERROR",
    "IN_USE",
    "LOCK_HELD",
    "OK",
    "STALE_PLAN",
    "USAGE",
    "expected",
]

#: Done, or nothing to do.
OK = 0
#: An error: AWS refused, the journal is unreadable, the network failed...
ERROR = 1
#: Changes are pending: ``plan`` found steps, or ``apply --step`` has steps left.
CHANGES_PENDING = 2
#: Another runner holds the lock on this account and role.
LOCK_HELD = 3
#: The role is still in use after the allowed deletion retries.
IN_USE = 4
#: The command line is wrong: unknown option, workflow, target, region, profile or plan file.
USAGE = 64
#: A saved plan no longer matches the definitions or the observed world: plan again.
STALE_PLAN = 5


def expected(error: BaseException) -> int | None:
    """The exit code of a failure a run can meet (one line, no traceback); ``None`` for a
    failure nobody expected. One mapping for one account and for each account of a fleet."""
    from lifecycle.aws.codes import AwsError
    from lifecycle.aws.sessions import UnknownProfile
    from lifecycle.journal import JournalError, LockHeld
    from lifecycle.model.decide import Blocked, Unreachable
    from lifecycle.model.options import InvalidOption
    from lifecycle.model.plans import StalePlan

    if isinstance(error, LockHeld):
        return LOCK_HELD
    if isinstance(error, Unreachable | InvalidOption | UnknownProfile):
        return USAGE
    if isinstance(error, StalePlan):
        return STALE_PLAN
    if isinstance(error, AwsError | JournalError | Blocked):
        return ERROR
    return None
