"""A workflow binds one service-linked role to the lifecycle: which AWS operations each
transition may call, read or write, and how patiently they are retried.

The engine reads these bindings and knows no service; a service's knowledge lives in
``workflows/``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from lifecycle.errors import DefinitionError
from lifecycle.model.definition import LIFECYCLE, Definition
from lifecycle.model.observation import Dependent
from lifecycle.model.retry import RetryPolicy

__all__ = [
    "LIST_REGIONS",
    "OBSERVE",
    "Access",
    "Activation",
    "Binding",
    "Call",
    "CallRecord",
    "Dependents",
    "Operation",
    "Reads",
    "Workflow",
]

#: The pseudo-trigger under which a workflow declares the reads that observation makes.
OBSERVE = "observe"


class Access(StrEnum):
    """Whether an operation only reads or may change something (dry run refuses writes)."""

    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, order=True)
class Operation:
    """One AWS API operation, as botocore's service model names it."""

    #: The boto3 client name (``iam``, ``mediatailor``).
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
class Binding:
    """What one transition (or observation) may call, and its retry policy."""

    operations: tuple[Operation, ...]
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class Call:
    """One AWS call as it will be sent: a write decided purely, then sent (or, in a dry run,
    shown) and journaled under its :attr:`key`; or a read, as a :class:`CallRecord` holds it."""

    service: str
    operation: str
    region: str
    params: Mapping[str, Any]

    @property
    def key(self) -> str:
        """What the call does to what (``operation:region:name``, the name the value of the
        first parameter ending in ``Name``): the journal's key, how a later run finds it."""
        name = next((str(v) for k, v in self.params.items() if k.endswith("Name")), "")
        return f"{self.operation}:{self.region}:{name}"


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
            "access": str(self.access),
            "attempts": self.attempts,
            "outcome": self.outcome,
            "error_code": self.error_code,
        }


@dataclass(frozen=True)
class Activation:
    """What ``activate`` turns on: named resources per region, at a level (a percentage for
    MediaTailor's session logs)."""

    #: (region, resource name) pairs.
    targets: tuple[tuple[str, str], ...]
    level: int = 100


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


class Dependents(Protocol):
    """A service's knowledge of what uses its role: how to list, deactivate and restore it.

    Only :meth:`scan` talks to AWS (reads); the others decide the writes, purely.
    """

    #: The kinds of resource that can use the role; each is listed on its own.
    kinds: tuple[str, ...]

    def scan(self, aws: Reads, region: str, kind: str, policy: RetryPolicy) -> list[Dependent]:
        """Every resource of ``kind`` in ``region`` that can use the role, active or not."""
        ...

    def deactivate(self, dependent: Dependent) -> Call:
        """The write that stops ``dependent`` from using the role."""
        ...

    def reactivate(self, dependent: Dependent) -> Call:
        """The write that puts ``dependent.settings`` back (a drain's undo)."""
        ...

    #: The kind of dependent that ``activate`` turns on (its names are what users give).
    activates: str

    def activate(self, dependent: Dependent, level: int) -> Call:
        """The write that makes ``dependent`` use the role at ``level``, its other settings
        as scanned (a write that sets a whole configuration must carry what it keeps)."""
        ...

    #: Error codes that say a dependent no longer exists (deleted since it was scanned).
    vanished: frozenset[str]

    def settings_of(self, call: Call) -> Mapping[str, Any]:
        """The settings a dependent has once ``call`` (one of the writes above) took effect."""
        ...

    def deactivation_notes(self, dependent: Dependent) -> tuple[str, ...]:
        """What deactivating ``dependent`` also stops, beyond its use of the role, for a
        reviewer to know before a drain (empty when nothing else stops)."""
        ...


@dataclass(frozen=True)
class Workflow:
    """A service-linked role's declarative side: identity, regions, and per-transition bindings."""

    #: Short name used on the command line (``mediatailor``).
    name: str
    #: The service principal that trusts the role (``mediatailor.amazonaws.com``).
    principal: str
    role_name: str
    #: boto3 client name of the service whose resources use the role.
    service: str
    #: Bindings per trigger of the definition, plus :data:`OBSERVE`.
    bindings: Mapping[str, Binding]
    #: How the deletion task is polled (interval grows from about 1 s up to 10 s).
    poll: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(1.0, 1.5, 30, max_delay_seconds=10.0, jitter="NONE")
    )
    #: Regions to scan; ``None`` means every region where AWS offers :attr:`service`.
    regions: tuple[str, ...] | None = None
    definition: Definition = LIFECYCLE
    title: str = ""
    #: The service's behaviour; ``None`` for a workflow that is only drawn.
    dependents: Dependents | None = None
    #: Deletion attempts (each a drain, verify, delete) before giving up as "still in use".
    max_deletion_attempts: int = 3
    #: Seconds to wait after a failed deletion task before draining again (AWS: "wait a few
    #: minutes and try again").
    reject_wait_seconds: float = 60.0
    #: Seconds a deletion that fails while a rescan finds nothing active is tried again (the
    #: service still reports what it stopped using a moment ago) before "still in use".
    deletion_patience_seconds: float = 600.0
    #: Seconds a deletion task we started may stay unknown to IAM's status call before it
    #: counts as lost and is started again: IAM shows a new task late (ekristen/aws-nuke#639).
    task_visibility_seconds: float = 30.0

    def __post_init__(self) -> None:
        triggers = {t.trigger for t in self.definition.transitions}
        for trigger in self.bindings:
            if trigger != OBSERVE and trigger not in triggers:
                raise DefinitionError(
                    f"workflow {self.name!r} binds unknown transition {trigger!r}"
                )
        for trigger in (*sorted(triggers), OBSERVE):
            if trigger not in self.bindings:
                raise DefinitionError(
                    f"workflow {self.name!r}: transition {trigger!r} has no binding"
                )

    @property
    def role_path(self) -> str:
        return f"/aws-service-role/{self.principal}/"

    def binding(self, trigger: str) -> Binding:
        return self.bindings[trigger]

    def operations(self, *triggers: str) -> tuple[Operation, ...]:
        """The distinct operations the given triggers (all when none given) may call, sorted."""
        chosen = triggers or tuple(self.bindings)
        return tuple(sorted({op for t in chosen for op in self.bindings[t].operations}))

    def read_only_operations(self) -> frozenset[tuple[str, str]]:
        """(service, operation) pairs a dry run may send."""
        return frozenset((op.service, op.name) for op in self.operations() if not op.writes)

    def all_operations(self) -> Iterator[tuple[str, Operation]]:
        """Every (trigger, operation) pair, in binding order."""
        for trigger, binding in self.bindings.items():
            for op in binding.operations:
                yield trigger, op

    def check_operations(self, known: Mapping[str, frozenset[str]]) -> None:
        """Fail when an operation is not in its service's model (``known``: service -> names)."""
        for trigger, op in self.all_operations():
            if op.name not in known.get(op.service, frozenset()):
                raise DefinitionError(
                    f"workflow {self.name!r}, transition {trigger!r}: {op.action} is not an "
                    f"operation of the {op.service} service model"
                )
