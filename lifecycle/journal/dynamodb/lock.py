"""The lease lock in the shared table: one item per role, taken and renewed by conditional
writes, with a version number as the fencing token (as AWS's DynamoDB Lock Client keeps its
record version number), and the check that fences every journal write of its holder.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import botocore.exceptions

from lifecycle.aws.codes import error_code
from lifecycle.errors import LeaseLost, LockHeld
from lifecycle.journal.contract import Lease, dead_here
from lifecycle.journal.dynamodb.table import Table, expression, value

__all__ = ["FENCE", "fence_check", "give_back", "lock_key", "lost", "role_pk", "take"]


def lock_key(account: str, role: str) -> dict[str, dict[str, str]]:
    return {"pk": value(role_pk(account, role)), "sk": value("lock")}


def role_pk(account: str, role: str) -> str:
    return f"role#{account}#{role}"


#: The lock item still names this holder, at this version, and has not expired.
FENCE = "#holder = :h AND #version = :v AND #expires_at > :now"


def fence_check(table: str, lease: Lease) -> dict[str, Any]:
    """The fence: the lock item still names this holder, at this version, unexpired."""
    return {
        "ConditionCheck": {
            "TableName": table,
            "Key": lock_key(lease.account, lease.role),
            "ConditionExpression": FENCE,
            **expression(
                FENCE, values={":h": lease.holder, ":v": lease.version, ":now": time.time()}
            ),
        }
    }


def _plain_key(key: dict[str, dict[str, str]]) -> dict[str, str]:
    return {k: v["S"] for k, v in key.items()}


def lost(table: Table, lease: Lease) -> LeaseLost:
    """The LeaseLost of ``lease``, naming who holds the lock now."""
    lock = table.get(_plain_key(lock_key(lease.account, lease.role))) or {}
    return LeaseLost(
        lease.account, lease.role, lock.get("holder", ""), float(lock.get("expires_at", 0))
    )


def take(table: Table, lease: Lease, lease_seconds: float, *, renewing: bool) -> Lease:
    """Write the lease if the lock is free, expired or ``lease.holder``'s (a conditional
    write: of racing takers, one wins); else LockHeld (LeaseLost for a lost renewal). A write
    sent again after its answer was lost fails its condition on the item it wrote: finding
    the item as it wrote it, it counts as done."""
    key = lock_key(lease.account, lease.role)
    lock = table.get(_plain_key(key))
    now = time.time()
    holder = (lock or {}).get("holder", "")
    until, version = (
        float((lock or {}).get("expires_at", 0)),
        int((lock or {}).get("version", 0)),
    )
    # A renewal never steals: losing the lease means someone else may have acted.
    theirs = bool(holder) and holder != lease.holder
    live = theirs and until > now and not dead_here(holder)
    if theirs and (renewing or live):
        raise LockHeld(lease.account, lease.role, holder, until)
    if renewing:
        new = replace(lease, expires_at=now + lease_seconds)
        condition = "#holder = :h AND #version = :v"
        values: dict[str, Any] = {":h": lease.holder, ":v": lease.version}
        change = "SET #expires_at = :e"
    else:
        # Every taking is a new fencing token, even by the same holder.
        new = replace(lease, expires_at=now + lease_seconds, version=version + 1)
        condition = "attribute_not_exists(#sk)" if lock is None else "#version = :seen"
        values = {} if lock is None else {":seen": version}
        change = "SET #holder = :nh, #expires_at = :e, #version = :nv"
        values |= {":nh": new.holder, ":nv": new.version}
    values[":e"] = new.expires_at
    try:
        table.call(
            "update_item",
            TableName=table.name,
            Key=key,
            UpdateExpression=change,
            ConditionExpression=condition,
            **expression(change, condition, values=values),
        )
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise table.error(error) from None
        now_lock = table.get(_plain_key(key)) or {}
        if _written(now_lock, new):
            # A replay of our own write whose answer was lost (a 500, a dropped connection):
            # the first one took effect, and the item now fails the condition it passed.
            return new
        raise (LeaseLost if renewing else LockHeld)(
            lease.account,
            lease.role,
            now_lock.get("holder", ""),
            float(now_lock.get("expires_at", 0)),
        ) from None
    except botocore.exceptions.BotoCoreError as error:
        raise table.error(error) from None
    return new


def _written(lock: dict[str, Any], lease: Lease) -> bool:
    """Whether the lock item is exactly ``lease`` as this holder wrote it: its holder, its
    fencing token, and its expiry to the digit (no other write sets those three together)."""
    return (lock.get("holder"), lock.get("version"), lock.get("expires_at")) == (
        lease.holder,
        lease.version,
        lease.expires_at,
    )


def give_back(table: Table, lease: Lease) -> None:
    """Free the lock if it is still ``lease``'s."""
    # The item stays, with its version: the next taking's token must be greater.
    change, condition = (
        "SET #holder = :none, #expires_at = :zero",
        "#holder = :h AND #version = :v",
    )
    values = {":none": "", ":zero": 0, ":h": lease.holder, ":v": lease.version}
    try:
        table.call(
            "update_item",
            TableName=table.name,
            Key=lock_key(lease.account, lease.role),
            UpdateExpression=change,
            ConditionExpression=condition,
            **expression(change, condition, values=values),
        )
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise table.error(error) from None
