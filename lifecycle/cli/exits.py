"""The exit codes of ``slr``: a stable contract that runners branch on. The library says how
a run ended (an :class:`~lifecycle.model.outcome.Outcome`, and each of its errors what it
means for a run); the command line alone numbers them, here."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lifecycle.model.outcome import Outcome

__all__ = [
    "CHANGES_PENDING",
    "CODES",
    "ERROR",
    "IN_USE",
    "LOCK_HELD",
    "NEEDS_PERSON",
    "OK",
    "STALE_PLAN",
    "USAGE",
    "code",
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
#: Only a person can clear what still uses the role (one line each says what to do); no
#: write was sent toward it. Once cleared, the same command completes.
NEEDS_PERSON = 6

#: The exit code of each outcome: what ``exit_code`` says in every document.
CODES: Mapping[Outcome, int] = MappingProxyType(
    {
        Outcome.DONE: OK,
        Outcome.ERROR: ERROR,
        Outcome.PENDING: CHANGES_PENDING,
        Outcome.LOCK_HELD: LOCK_HELD,
        Outcome.IN_USE: IN_USE,
        Outcome.STALE_PLAN: STALE_PLAN,
        Outcome.NEEDS_PERSON: NEEDS_PERSON,
        Outcome.USAGE: USAGE,
    }
)


def code(outcome: Outcome) -> int:
    """The exit code of a run that ended with ``outcome``."""
    return CODES[outcome]


def expected(error: BaseException) -> int | None:
    """The exit code of a failure a run can meet (one line, no traceback); ``None`` for a
    failure nobody expected. One mapping for one account and for each account of a fleet."""
    from lifecycle.errors import LifecycleError

    if isinstance(error, LifecycleError) and error.outcome is not None:
        return CODES[error.outcome]
    return None
