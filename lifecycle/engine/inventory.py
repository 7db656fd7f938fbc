"""Reading an inventory: every service-linked role of an account from IAM, and, with a scan,
each known role's lifecycle state as its own workflow observes it.

The engine names no service: which workflow knows a role is the caller's to say (the
registry's lookup, given as a function); a scan runs each such workflow's own observation.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lifecycle.aws.calls import CallPool
from lifecycle.aws.gateway import Gateway
from lifecycle.aws.retry import Deadline
from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.runner import Runner
from lifecycle.errors import LifecycleError
from lifecycle.model.inventory import (
    INVENTORY_OPERATIONS,
    READ_ROLES,
    Entry,
    ServiceRole,
    is_service_linked,
    with_scan,
)
from lifecycle.model.retry import RetryPolicy

__all__ = ["PAGE_SIZE", "inventory_gateway", "read_service_roles", "scan"]

#: Roles per page of GetAccountAuthorizationDetails (IAM's most).
PAGE_SIZE = 1000
#: IAM's reads: throttling clears within seconds.
_READS = RetryPolicy(interval_seconds=0.5, backoff_rate=2.0, max_attempts=6, max_delay_seconds=10)


def inventory_gateway(
    session: Any, config: RunnerConfig, *, pool: CallPool | None = None
) -> Gateway:
    """A read-only gateway that may send the inventory's operations alone."""
    declared = frozenset((op.service, op.name) for op in INVENTORY_OPERATIONS)
    return Gateway(
        session,
        declared=declared,
        read_only=declared,
        dry_run=True,
        endpoint_url=config.endpoint_url,
        deadline=Deadline(config.deadline_seconds),
        pool=pool,
    )


def read_service_roles(aws: Gateway, home: str, page_size: int = PAGE_SIZE) -> list[ServiceRole]:
    """Every service-linked role of the account, every page, each with its last use."""
    roles: list[ServiceRole] = []
    marker: str | None = None
    while True:
        params: dict[str, Any] = {"Filter": ["Role"], "MaxItems": page_size}
        if marker:
            params["Marker"] = marker
        page = aws.call(READ_ROLES.service, READ_ROLES.name, home, params, policy=_READS)
        roles += [
            ServiceRole.from_iam(r) for r in page.get("RoleDetailList", []) if is_service_linked(r)
        ]
        marker = page.get("Marker") if page.get("IsTruncated") else None
        if not marker:
            return roles


def scan(
    found: list[Entry],
    runners: Mapping[str, Runner],
    *,
    workers: int = 8,
    pool: CallPool | None = None,
) -> list[Entry]:
    """``found`` with each known role's state and active dependents, as its workflow's
    ``status`` observes them, the roles scanned concurrently; ``runners``: each workflow's
    runner in the account, by name (one missing has no observation to offer)."""

    def one(entry: Entry) -> Entry:
        if entry.workflow is None:
            return entry
        runner = runners.get(entry.workflow)
        if runner is None:
            return with_scan(entry, None, (), "its workflow knows no dependents")
        if runner.workflow.role_name != entry.role.name:
            note = f"its workflow observes {runner.workflow.role_name}, not this role"
            return with_scan(entry, None, (), note)
        try:
            _, world, state = runner.status()
        except LifecycleError as error:
            return with_scan(entry, None, (), f"not scanned: {error}")
        label = runner.workflow.definition.state(state).label
        active = [f"{d.region}/{d.kind}/{d.name}" for d in world.active]
        return with_scan(entry, label, active, None)

    if pool is not None:
        return pool.map(one, found, workers)
    if len(found) <= 1:
        return [one(entry) for entry in found]
    with ThreadPoolExecutor(max_workers=min(workers, len(found))) as threads:
        return list(threads.map(one, found))
