"""Reading the world: the role, its dependents in every region the account has enabled, and
how a known deletion task stands. Reads only; the journal's intent is given, never read here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lifecycle.aws.codes import DENIED, REGION_DISABLED, UNREACHABLE
from lifecycle.aws.gateway import Gateway
from lifecycle.aws.regions import is_opt_in
from lifecycle.errors import AwsError, ErrorKind
from lifecycle.log import get_logger
from lifecycle.model.calls import LIST_REGIONS
from lifecycle.model.observation import (
    DeletionTask,
    Dependent,
    Intent,
    Observation,
    Role,
    RoleUsage,
    TaskStatus,
)
from lifecycle.model.retry import RetryPolicy
from lifecycle.model.workflow import OBSERVE, Workflow

__all__ = ["Observer", "role_of"]

_NOT_FOUND = frozenset({"NoSuchEntity"})
#: The Account API's word for a region that serves calls.
_ENABLED = frozenset({"ENABLED", "ENABLED_BY_DEFAULT"})
#: A region on its way between the two (minutes to hours): its resources may still use the
#: role, and nothing can be read there, so it blocks ``verify`` rather than being skipped.
_CHANGING = frozenset({"ENABLING", "DISABLING"})


def _succeeded(task: DeletionTask | None) -> bool:
    return task is not None and task.status == TaskStatus.SUCCEEDED


def role_of(found: Mapping[str, Any]) -> Role:
    """A :class:`Role` from IAM's ``GetRole`` answer."""
    created = found.get("CreateDate")
    return Role(
        found["RoleName"],
        found["Arn"],
        found.get("Path", "/"),
        found.get("Description"),
        str(created) if created else None,
    )


class Observer:
    """One workflow's reads, in the regions it scans, with IAM at ``home``."""

    def __init__(
        self,
        workflow: Workflow,
        regions: Sequence[str],
        *,
        home: str,
        scan_concurrency: int,
        known: Sequence[str] = (),
    ) -> None:
        """``regions``: the regions to scan; ``known``: every region the workflow's service
        serves (a region a failed deletion names is scanned too when it is one of them)."""
        self.workflow = workflow
        self.regions = tuple(regions)
        self.known = frozenset(known) | frozenset(regions)
        self.home = home
        self.scan_concurrency = scan_concurrency
        self.policy: RetryPolicy = workflow.binding(OBSERVE).retry

    def include(self, usage: Sequence[RoleUsage]) -> None:
        """Scan from now on the regions a failed deletion names (its entries' regions and
        its resources' ARNs) that the service serves: what IAM says still uses the role is
        looked at, and drained when found, even outside the regions asked for."""
        named = [u.region for u in usage] + [
            arn.split(":")[3] for u in usage for arn in u.resources if arn.count(":") >= 5
        ]
        more = [r for r in dict.fromkeys(named) if r in self.known and r not in self.regions]
        if more:
            get_logger().warning("regions.included", regions=more, reason="named by IAM's usage")
            self.regions += tuple(more)

    def observe(self, aws: Gateway, intent: Intent) -> Observation:
        """AWS's facts with ``intent`` (the journal's) applied; intent never overrides them."""
        # The role (IAM) and the dependents (the service, region by region) are independent:
        # looked up at once, a scan takes one round trip less.
        found: dict[str, Any] = {}

        def role_and_task() -> None:
            found["role"] = self.role(aws)
            found["task"] = self._task(aws, intent, found["role"])

        def regions_and_dependents() -> None:
            found["enabled"], found["skipped"], found["changing"] = self.enabled_regions(aws)
            found["scan"] = self._scan(aws, found["enabled"])

        aws.together(role_and_task, regions_and_dependents)
        role, task = found["role"], found["task"]
        enabled, skipped = found["enabled"], found["skipped"]
        dependents, unscanned, probed = found["scan"]
        unscanned = {**found["changing"], **unscanned}
        if role is not None and (intent.deleted_by_us or _succeeded(task)):
            if intent.deleted_role is not None and role.created == intent.deleted_role:
                # IAM is eventually consistent: the role we deleted shows for a while.
                get_logger().info("role.ghost", reason="IAM still shows the role it deleted")
                role = None
            else:  # someone created the role again since
                intent, task = intent.after_recreation(), None
        skipped = {**skipped, **probed}
        if role is None and any(d.active for d in dependents):
            # Something uses the role, so it exists: the service created it a moment ago
            # and IAM does not show it yet (eventual consistency). Wait until it does. After
            # our own deletion too: a person turned a dependent on, and the service made the
            # role again (whatever IAM shows of it, the decommission starts over).
            role = self.role(aws, eventually=True)
            if intent.deleted_by_us or _succeeded(task):
                intent, task = intent.after_recreation(), None
        return Observation(
            role=role,
            dependents=dependents,
            scanned_regions=tuple(r for r in enabled if r not in unscanned | probed.keys()),
            unscanned_regions=unscanned,
            skipped_regions=skipped,
            deletion_task=task,
            intent=intent,
        )

    def _task(self, aws: Gateway, intent: Intent, role: Role | None) -> DeletionTask | None:
        """How the deletion task the journal knows stands; a task IAM forgot is judged by
        whether the role is still there."""
        if not intent.task_id:
            return None
        task = self.deletion_status(aws, intent.task_id)
        if task is None and role is None:
            # IAM forgets a finished task (cloud-nuke#1143); the role is gone: it succeeded.
            return DeletionTask(intent.task_id, TaskStatus.SUCCEEDED)
        if task is None:
            get_logger().warning(
                "delete.task_forgotten",
                task=intent.task_id,
                reason="IAM no longer knows the task and the role is still there",
            )
        return task

    def enabled_regions(
        self, aws: Gateway
    ) -> tuple[tuple[str, ...], dict[str, str], dict[str, str]]:
        """The regions to scan, the opt-in regions skipped, and those being enabled or
        disabled (both region: reason), learnt in one call of the Account API when the
        workflow declares it; else every region, probed."""
        if LIST_REGIONS not in self.workflow.binding(OBSERVE).operations:
            return self.regions, {}, {}
        try:
            listed = {
                item["RegionName"]: item.get("RegionOptStatus", "")
                for item in aws.paginate(
                    "account",
                    LIST_REGIONS.name,
                    self.home,
                    {"MaxResults": 50},
                    items="Regions",
                    policy=self.policy,
                )
            }
        except AwsError as error:
            get_logger().warning(
                "regions.unlisted", error=str(error), fallback="probing every region"
            )
            return self.regions, {}, {}
        reasons = {
            region: f"opt-in region {listed[region].lower()} in this account"
            for region in self.regions
            if region in listed and listed[region] not in _ENABLED
        }
        changing = {r: why for r, why in reasons.items() if listed[r] in _CHANGING}
        skipped = {r: why for r, why in reasons.items() if r not in changing}
        return tuple(r for r in self.regions if r not in reasons), skipped, changing

    def _scan(
        self, aws: Gateway, regions: Sequence[str]
    ) -> tuple[tuple[Dependent, ...], dict[str, str], dict[str, str]]:
        """Every dependent of ``regions``; regions that failed (they block ``verify``); opt-in
        regions that answered as disabled ones do (skipped).

        A region fails when the retry layer gave up there (5xx, throttling, connections) or
        access to it is denied (a policy that denies regions): either is the region's, so
        the others are still reported. An operation denied wherever it was sent, answered in
        no region, is the runner's own policy lacking the action; that, and any other error
        (a request AWS finds malformed, credentials it does not know, a call the workflow did
        not declare), says our own run is wrong and stops it."""
        kinds = {kind.name: kind for kind in self.workflow.kinds}
        scanned: dict[tuple[str, str], list[Dependent]] = {}
        unscanned: dict[str, str] = {}
        skipped: dict[str, str] = {}
        denied: dict[tuple[str, str], AwsError] = {}

        def scan(where: tuple[str, str]) -> None:
            region, kind = where
            try:
                scanned[where] = kinds[kind].list(aws, region, self.policy)
            except AwsError as error:
                if error.code in REGION_DISABLED and is_opt_in(region):
                    skipped[region] = f"opt-in region not enabled in this account ({error.code})"
                elif error.code in REGION_DISABLED:
                    unscanned[region] = f"not enabled for this account ({error.code})"
                elif error.code in UNREACHABLE:
                    unscanned[region] = f"unreachable ({error.code})"
                elif error.kind is ErrorKind.RETRYABLE:
                    unscanned[region] = (
                        f"{error.service}:{error.operation} failed after {error.attempts} "
                        f"attempts: {error.code}"
                    )
                elif error.code in DENIED:
                    denied[where] = error
                else:
                    raise

        # One worker per (region, kind): each list is its own request, and each region its
        # own endpoint and throttling bucket, so the scan takes about one list's time.
        work = [(region, kind) for region in regions for kind in kinds]
        first = len(aws.records)
        aws.map(scan, work, workers=self.scan_concurrency)
        # A denial is the region's (a policy that denies regions) only when AWS answered the
        # same operation in another region; otherwise the runner's own policy lacks it.
        answered = {
            (r.call.service, r.call.operation) for r in aws.records[first:] if r.outcome == "ok"
        }
        for (region, _), error in ((where, denied[where]) for where in work if where in denied):
            action = f"{error.service}:{error.operation}"
            if (error.service, error.operation) not in answered:
                raise error
            unscanned.setdefault(region, f"{action} denied: {error.code}")
        failed = unscanned.keys() | skipped.keys()
        found = tuple(d for r, k in work if r not in failed for d in scanned[(r, k)])
        return found, unscanned, skipped

    def role(self, aws: Gateway, *, eventually: bool = False) -> Role | None:
        """The role as IAM shows it now (``eventually``: once IAM shows it, within the
        workflow's poll), or ``None``."""
        try:
            found = aws.call(
                "iam",
                "GetRole",
                self.home,
                {"RoleName": self.workflow.role_name},
                policy=self.workflow.poll if eventually else self.policy,
                eventual_not_found=eventually,
                expect=_NOT_FOUND,
            )["Role"]
        except AwsError as error:
            if error.code == "NoSuchEntity":
                return None
            raise
        return role_of(found)

    def deletion_status(self, aws: Gateway, task_id: str) -> DeletionTask | None:
        """How the deletion task stands; ``None`` when IAM does not know it (any more)."""
        try:
            answer = aws.call(
                "iam",
                "GetServiceLinkedRoleDeletionStatus",
                self.home,
                {"DeletionTaskId": task_id},
                policy=self.policy,
                expect=_NOT_FOUND,
            )
        except AwsError as error:
            if error.code == "NoSuchEntity":
                return None
            raise
        reason = answer.get("Reason") or {}
        usage = tuple(
            RoleUsage(u.get("Region", ""), tuple(u.get("Resources", [])))
            for u in reason.get("RoleUsageList", [])
        )
        return DeletionTask(task_id, TaskStatus(answer["Status"]), reason.get("Reason"), usage)
