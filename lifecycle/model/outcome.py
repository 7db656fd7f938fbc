"""How a run ended, as the library says it: the command line alone numbers outcomes as exit
codes (:mod:`lifecycle.cli.exits`). A leaf: imports nothing of ``lifecycle``."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Outcome"]


class Outcome(StrEnum):
    """How a run (a plan, an apply, a status) ended, or what a failure means for one."""

    #: Done, or nothing to do.
    DONE = "done"
    #: An error: AWS refused, the journal is unreadable, the network failed...
    ERROR = "error"
    #: Changes are pending: a plan found steps, or ``apply --step`` has steps left.
    PENDING = "pending"
    #: Another runner holds the lock on this account and role.
    LOCK_HELD = "lock-held"
    #: The role is still in use after the allowed deletion retries.
    IN_USE = "in-use"
    #: What still uses the role only a person can clear (delete it, or point it at another
    #: role); nothing was sent toward it. Once cleared, the same command completes.
    NEEDS_PERSON = "needs-person"
    #: A saved plan no longer matches the definitions or the observed world: plan again.
    STALE_PLAN = "stale-plan"
    #: The caller asked for what cannot be: an unknown option, target, profile or plan file.
    USAGE = "usage"

    @property
    def recorded(self) -> str:
        """``succeeded``, ``pending`` or ``failed``: the run's outcome as the journal keeps it."""
        if self is Outcome.DONE:
            return "succeeded"
        if self is Outcome.PENDING:
            return "pending"
        return "failed"
