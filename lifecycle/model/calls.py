"""One AWS API operation as a workflow declares it, one call as it is sent, and the reads a
workflow's kinds may make: the vocabulary of the gateway and the journal."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from lifecycle.model.retry import RetryPolicy

__all__ = ["LIST_REGIONS", "Access", "Call", "CallRecord", "Operation", "Reads"]


class Access(StrEnum):
    """Whether an operation only reads or may change something (dry run refuses writes)."""

    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, order=True)
class Operation:
    """One AWS API operation, as botocore's service model names it."""

    #: The boto3 client name (``iam``, ``example``).
    service: str
    #: The operation's name in the service model (``CreateServiceLinkedRole``).
    name: str
    access: Access = Access.READ
    #: Global services (IAM) are called once; regional ones in every region of the workflow.
    regional: bool = True
    #: ARN pattern the IAM policy grants it on; IAM's role operations get the role's own.
    resource: str = "*"
    #: Called only when an answer leaves out what decides (a list item without its settings),
    #: so a plan does not count it among the reads it expects.
    conditional: bool = False

    @property
    def action(self) -> str:
        """The IAM action that authorises the call (``iam:CreateServiceLinkedRole``)."""
        return f"{self.service}:{self.name}"

    @property
    def writes(self) -> bool:
        return self.access is Access.WRITE


#: The Account API's list of regions and their opt-in status: a workflow that declares it in
#: its observation learns in one call which regions the account has enabled.
LIST_REGIONS = Operation("account", "ListRegions", Access.READ, regional=False)


@dataclass(frozen=True)
class Call:
    """One AWS call as it will be sent: a write decided purely, then sent (or, in a dry run,
    shown) and journaled under its :attr:`key`; or a read, as a :class:`CallRecord` holds it."""

    service: str
    operation: str
    region: str
    params: Mapping[str, Any]
    #: What a write acts on, named by whoever decided it (a dependent's name, the role's, the
    #: service principal for a create): the journal's key, so resume never guesses it.
    target: str = ""

    @property
    def key(self) -> str:
        """What the call does to what (``operation:region:target``): the journal's key, how
        a later run finds it."""
        return f"{self.operation}:{self.region}:{self.target}"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Call:
        """A call from a document's or the journal's form of it (``parameters`` or
        ``params``; ``target``, or the journal's ``key``)."""
        target = data.get("target")
        if target is None:
            parts = str(data.get("key") or "").split(":", 2)
            target = parts[2] if len(parts) == 3 else ""
        params = data.get("parameters", data.get("params")) or {}
        return cls(data["service"], data["operation"], data["region"], params, target)


@dataclass
class CallRecord:
    """One call as a step's result reports it: the call sent (a read, or a write) and how
    it went, kept up to date by the gateway while it is tried."""

    call: Call
    #: HTTP attempts, the first included.
    attempts: int = 0
    #: ``ok``, ``error``, ``answered`` (an expected error code), ``refused`` or ``simulated``
    #: (a dry run's stand-in for a write).
    outcome: str = "ok"
    error_code: str | None = None
    latency_ms: float = 0.0
    #: As the workflow declares the operation.
    access: Access = Access.READ
    #: Attempts AWS answered with throttling (any 429 included).
    throttled: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The call as a step's ``operations`` list holds it."""
        return {
            "service": self.call.service,
            "operation": self.call.operation,
            "region": self.call.region,
            "parameters": dict(self.call.params),
            "target": self.call.target,
            "access": str(self.access),
            "attempts": self.attempts,
            "outcome": self.outcome,
            "error_code": self.error_code,
        }


class Reads(Protocol):
    """What a workflow's :meth:`Dependents.scan` may do with AWS: retried reads, one call or
    every item of a paginated list (:class:`lifecycle.aws.gateway.Gateway` keeps it)."""

    def call(
        self,
        service: str,
        operation: str,
        region: str,
        params: Mapping[str, Any],
        *,
        policy: RetryPolicy,
        eventual_not_found: bool = False,
        expect: frozenset[str] = frozenset(),
    ) -> dict[str, Any]: ...

    def paginate(
        self,
        service: str,
        operation: str,
        region: str,
        params: Mapping[str, Any],
        *,
        items: str,
        policy: RetryPolicy,
    ) -> Iterator[dict[str, Any]]: ...
