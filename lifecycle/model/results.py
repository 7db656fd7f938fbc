"""What a step and a run did: the facts ``--output json`` prints and the journal keeps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lifecycle.model.observation import RoleUsage, TaskStatus
from lifecycle.model.outcome import Outcome

__all__ = [
    "SCHEMA_VERSION",
    "Outcome",
    "RunResult",
    "StepDetail",
    "StepResult",
    "StepStatus",
    "usage_as_dicts",
]

#: Version of the JSON documents ``--output json`` prints and ``plan -o`` writes.
SCHEMA_VERSION = 1


class StepStatus(StrEnum):
    """How one step ended."""

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


@dataclass(frozen=True, slots=True)
class StepDetail:
    """Facts worth showing about one step; a fact the step did not learn stays ``None`` and
    is left out of :meth:`as_dict`. The fields are in the order the steps learn them, which
    is the order of the keys in ``--output json``."""

    #: What a converge step made the one asked for (``description``).
    converged: str | None = None
    #: How many dependents a write per dependent reached (those gone excluded).
    dependents: int | None = None
    #: The dependents gone since the scan ("region/name"), when there are any.
    gone: tuple[str, ...] | None = None
    #: The dependents a rescan found active ("region/name").
    active: tuple[str, ...] | None = None
    #: The opt-in regions a rescan skipped (region: reason), when there are any.
    skipped_regions: Mapping[str, str] | None = None
    #: The deletion task followed, and how it ended.
    deletion_task: str | None = None
    deletion_status: TaskStatus | None = None
    #: IAM's usage list of a failed deletion task.
    usage: tuple[RoleUsage, ...] | None = None
    #: The patience (seconds) a deletion failing while nothing was active used up.
    patience_spent: float | None = None
    #: Throttled answers to the step's calls, when there were any.
    throttled: int | None = None
    #: What a person should know of each dependent the step turned off ("region/name": notes).
    notes: Mapping[str, tuple[str, ...]] | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form: the facts learnt, in their order."""
        notes, usage = self.notes, self.usage
        facts: dict[str, Any] = {
            "converged": self.converged,
            "dependents": self.dependents,
            "gone": None if self.gone is None else list(self.gone),
            "active": None if self.active is None else list(self.active),
            "skipped_regions": None if self.skipped_regions is None else dict(self.skipped_regions),
            "deletion_task": self.deletion_task,
            "deletion_status": None if self.deletion_status is None else str(self.deletion_status),
            "usage": None if usage is None else usage_as_dicts(usage),
            "patience_spent": self.patience_spent,
            "throttled": self.throttled,
            "notes": None if notes is None else {k: list(v) for k, v in notes.items()},
        }
        return {key: value for key, value in facts.items() if value is not None}


def usage_as_dicts(usage: tuple[RoleUsage, ...]) -> list[dict[str, Any]]:
    """IAM's usage list, as results and logs show it."""
    return [{"region": u.region, "resources": list(u.resources)} for u in usage]


@dataclass
class StepResult:
    """All run-time facts of one step."""

    #: The trigger fired (``drain``), or ``None`` when there was nothing to do.
    transition: str | None
    #: State label before the step.
    from_state: str
    #: State label after the step (unchanged when the step did not fire).
    to_state: str
    #: How the step ended.
    status: StepStatus
    #: The AWS operations sent (or, in a dry run, that would be), with their attempts.
    operations: list[dict[str, Any]] = field(default_factory=list)
    #: One line saying what went wrong, when something did.
    error: str | None = None
    #: Facts worth showing: the deletion task, the usage list, the dependents touched or gone.
    detail: StepDetail = field(default_factory=StepDetail)

    def as_dict(self) -> dict[str, Any]:
        return {
            "transition": self.transition,
            "from": self.from_state,
            "to": self.to_state,
            "status": str(self.status),
            "operations": self.operations,
            "error": self.error,
            "detail": self.detail.as_dict(),
        }


@dataclass
class RunResult:
    """What a plan or an apply did, as ``--output json`` prints it."""

    #: The run's id in the journal and in every log event.
    run_id: str
    #: ``plan`` or ``apply``.
    command: str
    workflow: str
    account: str
    role: str
    #: True when nothing was sent (plan, ``--dry-run``).
    dry_run: bool
    #: State label observed (or simulated) at the start.
    start_state: str
    #: State label asked for.
    target: str
    #: State label at the end.
    final_state: str
    steps: list[StepResult]
    #: How the run ended; the command line numbers it as the exit code.
    outcome: Outcome = Outcome.DONE
    error: str | None = None
    #: Digests a saved plan is checked against (see :mod:`lifecycle.model.plans`).
    fingerprints: dict[str, str] = field(default_factory=dict)
    #: Opt-in regions the account has not enabled, skipped (region: reason).
    skipped_regions: Mapping[str, str] = field(default_factory=dict)
    #: The dependents observed at the start, as ``status`` shows them (with their notes).
    dependents: list[dict[str, Any]] = field(default_factory=list)
    #: The regions scanned (``--regions``, else every region of the workflow).
    regions: tuple[str, ...] = ()
    #: The workflow's regions that ``--regions`` left out: nobody scanned them.
    regions_left_out: tuple[str, ...] = ()
    #: ``False`` when the workflow cannot know what uses the role (any service's role).
    dependents_known: bool = True

    def as_dict(self, codes: Mapping[Outcome, int] | None = None) -> dict[str, Any]:
        """The JSON document; with ``codes`` (the command line's numbering of outcomes) it
        says its ``exit_code``, as every document ``slr`` prints or saves does."""
        document = {
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
            "exit_code": None if codes is None else codes[self.outcome],
            "error": self.error,
            "fingerprints": self.fingerprints,
            "skipped_regions": dict(self.skipped_regions),
            "dependents": self.dependents,
            "regions": list(self.regions),
            "regions_left_out": list(self.regions_left_out),
            "dependents_known": self.dependents_known,
        }
        if codes is None:
            del document["exit_code"]
        return document
