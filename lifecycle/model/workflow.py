"""A workflow binds one service-linked role to the lifecycle: the role, the kinds of resource
that use it, and the options ``activate`` takes. The engine adds the rest: the role's own IAM
operations, which operations each transition may call, and how patiently.

The engine reads a workflow and knows no service; a service's knowledge lives in
``workflows/`` (or in another package, through the ``slr_lifecycle.workflows`` entry points).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lifecycle.errors import DefinitionError, InvalidOption
from lifecycle.model.calls import LIST_REGIONS, Access, Operation
from lifecycle.model.definition import LIFECYCLE, Definition
from lifecycle.model.kinds import Kind, Option, parse_options
from lifecycle.model.retry import RetryPolicy

__all__ = [
    "IAM_WRITES",
    "OBSERVE",
    "ROLE_OPERATIONS",
    "SERVICE_CALLS",
    "Activation",
    "Binding",
    "Demo",
    "ForService",
    "Workflow",
]

#: The pseudo-trigger under which observation's reads are bound.
OBSERVE = "observe"

_R, _W = Access.READ, Access.WRITE
# IAM is global: its operations are sent once, not per region.
GET_ROLE = Operation("iam", "GetRole", _R, regional=False)
CREATE_ROLE = Operation("iam", "CreateServiceLinkedRole", _W, regional=False)
UPDATE_ROLE = Operation("iam", "UpdateRole", _W, regional=False)
DELETE_ROLE = Operation("iam", "DeleteServiceLinkedRole", _W, regional=False)
DELETION_STATUS = Operation("iam", "GetServiceLinkedRoleDeletionStatus", _R, regional=False)

#: The role's own operations, per trigger: the engine sends them for every workflow.
ROLE_OPERATIONS: Mapping[str, tuple[Operation, ...]] = {
    OBSERVE: (GET_ROLE, DELETION_STATUS, LIST_REGIONS),
    "create": (CREATE_ROLE, GET_ROLE, UPDATE_ROLE),
    "verify": (GET_ROLE, LIST_REGIONS),
    "delete": (DELETE_ROLE, DELETION_STATUS),
    "reject": (DELETION_STATUS,),
}
#: Which of the kinds' operations each trigger sends: their lists (``reads``), the writes
#: that deactivate and reactivate them, the activating kind's (``activation``).
_KIND_USES: Mapping[str, tuple[str, ...]] = {
    OBSERVE: ("reads",),
    "activate": ("activation",),
    "drain": ("reads", "deactivates"),
    "verify": ("reads",),
    "restore": ("reactivates",),
}
#: The triggers that only talk to IAM, retried with the workflow's ``role_retry``.
_ROLE_TRIGGERS = frozenset({"create", "delete", "reject"})

#: A service's own calls: its control plane throttles at a few calls a second per account
#: and region, so a throttled call waits from half a second up to ten, six times.
SERVICE_CALLS = RetryPolicy(
    interval_seconds=0.5, backoff_rate=2.0, max_attempts=6, max_delay_seconds=10.0
)
#: Writes to IAM are retried patiently: ConcurrentModification clears in seconds.
IAM_WRITES = RetryPolicy(
    interval_seconds=1.0, backoff_rate=2.0, max_attempts=5, max_delay_seconds=20.0
)


#: ``Workflow.for_service``: (name, the account's roles by name -> principal, suffix).
ForService = Callable[[str, Mapping[str, str], str | None], "Workflow"]


@dataclass(frozen=True)
class Binding:
    """What one transition (or observation) may call, and its retry policy."""

    operations: tuple[Operation, ...]
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class Activation:
    """What ``activate`` turns on: named resources per region, with the workflow's options
    (parsed, opaque to the engine)."""

    #: (region, resource name) pairs.
    targets: tuple[tuple[str, str], ...]
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Demo:
    """``slr demo``'s account for a workflow, on the local AWS at the endpoint URL each is
    given."""

    #: Seeds resources that use the role; says what it made, in a sentence.
    seed: Callable[[str], str]
    #: What a person does where only a person can clear what uses the role (deletes the
    #: groups): the demo shows the refusal, calls this, and shows the run then completing.
    #: Says what was done, in a sentence.
    by_hand: Callable[[str], str] | None = None


@dataclass(frozen=True)
class Workflow:
    """A service-linked role's declarative side: identity, regions, kinds and options."""

    #: Short name used on the command line (``example``).
    name: str
    #: The service principal that trusts the role (``example.amazonaws.com``).
    principal: str
    role_name: str
    #: boto3 client name of the service whose resources use the role; its regions (as
    #: botocore lists them) are the ones scanned unless :attr:`regions` says otherwise.
    service: str
    #: The kinds of resource that can use the role, each listed on its own.
    kinds: tuple[Kind, ...] = ()
    #: The kind ``activate`` turns on (its names are what users give), if any.
    activates: str | None = None
    #: The settings ``activate`` takes (``--set NAME=VALUE``).
    options: tuple[Option, ...] = ()
    #: How the service's own calls are retried (its throttling, its 5xx).
    retry: RetryPolicy = SERVICE_CALLS
    #: How the role's IAM writes are retried.
    role_retry: RetryPolicy = IAM_WRITES
    #: Bindings per trigger of the definition, plus :data:`OBSERVE`; derived from the kinds
    #: and the role's operations when not given.
    bindings: Mapping[str, Binding] = field(default_factory=dict)
    #: How the deletion task is polled (interval grows from about 1 s up to 10 s).
    poll: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(1.0, 1.5, 30, max_delay_seconds=10.0, jitter="NONE")
    )
    #: Regions to scan; ``None`` means every region where AWS offers :attr:`service`.
    regions: tuple[str, ...] | None = None
    definition: Definition = LIFECYCLE
    title: str = ""
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
    #: ``slr demo``'s account, if the workflow has one.
    demo: Demo | None = field(default=None, compare=False, repr=False)
    #: Whether :attr:`kinds` are every kind of resource that can use the role. ``False`` for
    #: a workflow of any service's role: plans say so, and a decommission needs the caller's
    #: word (``PlanOptions.accept_unknown_dependents``).
    dependents_known: bool = True
    #: For a workflow of any service's role: the workflow of one, from the name given at run
    #: time (a principal or a role name), the account's service-linked roles (name ->
    #: principal) and a custom suffix; :class:`~lifecycle.errors.UnknownName` when the name
    #: says too little.
    for_service: ForService | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        names = [kind.name for kind in self.kinds]
        if len(set(names)) != len(names) or not all(names):
            raise DefinitionError(f"workflow {self.name!r}: kinds need distinct names: {names}")
        for kind in self.kinds:
            declared = {*(kind.deactivates or ()), *(kind.reactivates or ())}
            if not declared <= set(kind.writes):
                raise DefinitionError(
                    f"workflow {self.name!r}, kind {kind.name!r}: what it deactivates and "
                    "reactivates with must be among its writes"
                )
        if self.activates is not None and self.activates not in names:
            raise DefinitionError(
                f"workflow {self.name!r} activates {self.activates!r}, which is not one of "
                f"its kinds ({', '.join(names)})"
            )
        if not self.bindings:
            object.__setattr__(self, "bindings", self._derived_bindings())
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

    def _derived_bindings(self) -> dict[str, Binding]:
        """The role's operations and the kinds' own, per trigger of the lifecycle."""
        drained = [k for k in self.kinds if not k.person_only]
        activating = [k for k in self.kinds if k.name == self.activates]
        uses = {
            "reads": [op for k in self.kinds for op in k.reads],
            "deactivates": [op for k in drained for op in _or_all(k.deactivates, k)],
            "reactivates": [op for k in drained for op in _or_all(k.reactivates, k)],
            "activation": [op for k in activating for op in k.writes],
        }
        triggers = [OBSERVE, *(t.trigger for t in self.definition.transitions)]
        bindings = {}
        for trigger in dict.fromkeys(triggers):
            ops = [*ROLE_OPERATIONS.get(trigger, ())]
            ops += [op for use in _KIND_USES.get(trigger, ()) for op in uses[use]]
            retry = self.role_retry if trigger in _ROLE_TRIGGERS else self.retry
            bindings[trigger] = Binding(tuple(dict.fromkeys(ops)), retry)
        return bindings

    @property
    def role_path(self) -> str:
        return f"/aws-service-role/{self.principal}/"

    def kind(self, name: str) -> Kind:
        """The kind called ``name`` (a dependent's ``kind``)."""
        for kind in self.kinds:
            if kind.name == name:
                return kind
        raise DefinitionError(f"workflow {self.name!r} has no kind {name!r}")

    @property
    def activating(self) -> Kind | None:
        """The kind ``activate`` turns on, if the workflow has one."""
        return self.kind(self.activates) if self.activates else None

    def option_values(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The workflow's options, ``given`` parsed and the rest at their defaults;
        :class:`~lifecycle.errors.InvalidOption` names what is refused."""
        if given and not self.options:
            raise InvalidOption(f"--set: workflow {self.name!r} takes no options")
        return parse_options(self.options, given, workflow=self.name)

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


def _or_all(chosen: tuple[Operation, ...] | None, kind: Kind) -> tuple[Operation, ...]:
    """The kind's writes ``chosen`` for one use, or all of them when it does not say."""
    return kind.writes if chosen is None else chosen
