"""One DynamoDB table as the shared journal uses it: its shape, its calls through the one retry
layer, batch writes that retry their unprocessed items, and a group commit of fenced writes.

Group commit: every journal write is a ``TransactWriteItems`` with a ``ConditionCheck`` on the
writer's lock item (its fence). Concurrent writers (a drain's pool) join the transaction in
flight's successor instead of each sending their own: fewer round trips, and no two of our own
transactions touch the lock item at once (DynamoDB would cancel one as a conflict).
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from lifecycle.aws import ErrorKind, classify, error_code
from lifecycle.journal._contract import JournalError, Lease
from lifecycle.log import get_logger
from lifecycle.retry import RetryPolicy, retrying

__all__ = [
    "ACTIONS",
    "KEY_SCHEMA",
    "GroupCommit",
    "Table",
    "expression",
    "lock_key",
    "plain",
    "role_pk",
    "value",
]

#: The table's one shape: a string partition key and a string sort key.
KEY_SCHEMA = (("pk", "HASH"), ("sk", "RANGE"))
#: The IAM actions the journal needs on its table (a transaction is authorized as its parts).
ACTIONS = (
    "BatchWriteItem",
    "ConditionCheckItem",
    "CreateTable",
    "DeleteItem",
    "DescribeTable",
    "GetItem",
    "PutItem",
    "Query",
    "UpdateItem",
)
#: Throttling and conflicts clear by themselves; sleeps are short, the lease is the limit.
POLICY = RetryPolicy(interval_seconds=0.05, backoff_rate=2.0, max_attempts=8, max_delay_seconds=2.0)
#: DynamoDB's limits on one transaction: 100 actions, 4 MB (kept well under).
MAX_ACTIONS, MAX_BYTES = 100, 3_000_000
#: Cancellation reasons that clear by themselves.
_PASSING = {"None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}


def value(v: Any) -> dict[str, Any]:
    """A DynamoDB attribute value of a Python one (numbers as text: no float rounding)."""
    if v is None:
        return {"NULL": True}
    if isinstance(v, bool):
        return {"BOOL": v}
    if isinstance(v, int | float):
        return {"N": repr(v)}
    if isinstance(v, bytes):
        return {"B": v}
    return {"S": str(v)}


def expression(*texts: str, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The names and values ``texts`` use: ``#attr`` stands for the attribute ``attr`` (many of
    ours are DynamoDB reserved words: key, role, status...), and DynamoDB refuses unused ones."""
    used = set(re.findall(r"#\w+", " ".join(texts)))
    out: dict[str, Any] = {"ExpressionAttributeNames": {n: n[1:] for n in sorted(used)}}
    if values:
        out["ExpressionAttributeValues"] = {k: value(v) for k, v in values.items()}
    return out


def plain(item: Mapping[str, Any]) -> dict[str, Any]:
    """The Python values of a DynamoDB item."""
    out: dict[str, Any] = {}
    for name, typed in item.items():
        kind, v = next(iter(typed.items()))
        if kind == "N":
            out[name] = float(v) if any(c in v for c in ".eE") else int(v)
        elif kind == "NULL":
            out[name] = None
        else:
            out[name] = v
    return out


def _retryable(error: BaseException) -> bool:
    if error_code(error) == "TransactionCanceledException":
        reasons = getattr(error, "response", {}).get("CancellationReasons", [])
        codes = {str(r.get("Code")) for r in reasons}
        return bool(codes) and codes <= _PASSING and codes != {"None"}
    return classify(error) is ErrorKind.RETRYABLE


class Table:
    """A DynamoDB table through the one retry layer; its errors become one-line JournalErrors."""

    def __init__(self, client: Any, name: str, region: str) -> None:
        self.client, self.name, self.region = client, name, region
        self._log = get_logger().bind(table=name)

    def __str__(self) -> str:
        return f"state table {self.name} in {self.region}"

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One DynamoDB call, retried on throttling, 5xx, conflicts and connection errors."""
        method = getattr(self.client, operation)

        def before_sleep(state: Any) -> None:
            error = state.outcome.exception()
            self._log.warning(
                "state.retry",
                operation=operation,
                attempt=state.attempt_number,
                error_code=error_code(error) or type(error).__name__,
            )

        result: dict[str, Any] = retrying(POLICY, retry_on=_retryable, before_sleep=before_sleep)(
            method, **params
        )
        return result

    def error(self, error: BaseException) -> JournalError:
        """One line naming the table and what went wrong."""
        code = error_code(error)
        if code == "ResourceNotFoundException":
            return JournalError(f"{self} does not exist: create it with `slr state init`")
        if code in ("AccessDeniedException", "AccessDenied", "UnrecognizedClientException"):
            message = getattr(error, "response", {}).get("Error", {}).get("Message", "")
            return JournalError(f"{self}: access denied: {' '.join(str(message).split())}")
        text = " ".join(str(error).split())
        return JournalError(f"{self}: {text}")

    def get(self, key: Mapping[str, str]) -> dict[str, Any] | None:
        """One item, strongly consistent (locks and memory are read after others wrote)."""
        found = self.call(
            "get_item",
            TableName=self.name,
            ConsistentRead=True,
            Key={k: value(v) for k, v in key.items()},
        )
        return plain(found["Item"]) if "Item" in found else None

    def query(
        self,
        pk: str,
        condition: str,
        values: Mapping[str, Any],
        *,
        newest_first: bool = False,
        where: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """The items of partition ``pk`` whose sort key meets ``condition`` (on ``#sk``), in
        sort-key order, every page, strongly consistent; at most ``limit`` of them."""
        params: dict[str, Any] = {
            "TableName": self.name,
            "ConsistentRead": True,
            "KeyConditionExpression": f"pk = :pk AND {condition}",
            "ScanIndexForward": not newest_first,
            **expression(condition, where or "", values={**values, ":pk": pk}),
        }
        if where:
            params["FilterExpression"] = where
        items: list[dict[str, Any]] = []
        while True:
            page = self.call("query", **params)
            items += [plain(item) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page or (limit is not None and len(items) >= limit):
                return items[:limit]
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def batch_put(self, items: list[dict[str, Any]]) -> None:
        """Put ``items`` (unfenced: used for items nothing refers to yet, and migrations),
        25 a request, retrying what DynamoDB leaves unprocessed."""
        for start in range(0, len(items), 25):
            pending = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]

            def attempt() -> None:
                nonlocal pending
                out = self.call("batch_write_item", RequestItems={self.name: pending})
                pending = out.get("UnprocessedItems", {}).get(self.name, [])
                if pending:
                    raise _Unprocessed(len(pending))

            retrying(POLICY, retry_on=lambda e: isinstance(e, _Unprocessed))(attempt)


class _Unprocessed(Exception):
    """BatchWriteItem left some items for later (throttled): send them again."""


@dataclass
class Write:
    """One journal write: the actions of one atomic transaction, fenced by ``fence``."""

    actions: list[dict[str, Any]]
    fence: Lease | None
    #: Set when committed or failed for good.
    done: bool = False
    error: BaseException | None = None
    keys: set[tuple[str, str]] = field(default_factory=set)
    size: int = 0

    def __post_init__(self) -> None:
        for action in self.actions:
            body = next(iter(action.values()))
            item = body.get("Key") or body["Item"]
            self.keys.add((item["pk"]["S"], item["sk"]["S"]))
            self.size += _size(body)


def _size(v: Any) -> int:
    """About the bytes ``v`` takes in a request (names and values)."""
    if isinstance(v, dict):
        return sum(len(k) + _size(x) for k, x in v.items())
    if isinstance(v, list):
        return sum(_size(x) for x in v)
    return len(v) if isinstance(v, str | bytes) else 8


class GroupCommit:
    """Writes from many threads, committed in as few transactions as the limits allow: the
    first waiting writer commits everything queued, its own write and others'."""

    def __init__(self, table: Table, lost: Callable[[Lease], BaseException]) -> None:
        self._table, self._lost = table, lost
        self._queue: deque[Write] = deque()
        self._busy = False
        self._cond = threading.Condition()

    def write(self, actions: list[dict[str, Any]], fence: Lease | None) -> None:
        """Commit ``actions`` atomically (and durably) before returning; LeaseLost if
        ``fence`` is no longer its holder's."""
        mine = Write(actions, fence)
        with self._cond:
            self._queue.append(mine)
        while True:
            with self._cond:
                while not mine.done and self._busy:
                    self._cond.wait()
                if mine.done:
                    break
                self._busy = True
                batch = self._take()
            try:
                self._commit(batch)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
        if mine.error is not None:
            raise mine.error

    def _take(self) -> list[Write]:
        """The queue's head, as many as fit one transaction (an item only once in it)."""
        batch: list[Write] = []
        keys: set[tuple[str, str]] = set()
        fences: set[tuple[str, str]] = set()
        actions = size = 0
        while self._queue:
            head = self._queue[0]
            scope = {(head.fence.account, head.fence.role)} if head.fence else set()
            more = len(head.actions) + len(scope - fences)
            full = actions + more > MAX_ACTIONS or size + head.size > MAX_BYTES
            if batch and (full or keys & head.keys):
                break
            batch.append(self._queue.popleft())
            keys |= head.keys
            fences |= scope
            actions, size = actions + more, size + head.size
        return batch

    def _commit(self, batch: list[Write]) -> None:
        fences = {(w.fence.account, w.fence.role): w.fence for w in batch if w.fence}
        checks = [_check(self._table.name, lease) for lease in fences.values()]
        actions = [a for w in batch for a in w.actions]
        try:
            self._table.call("transact_write_items", TransactItems=checks + actions)
        except botocore.exceptions.ClientError as error:
            self._cancelled(batch, list(fences.values()), error)
            return
        except Exception as error:
            for w in batch:
                w.done, w.error = True, self._table.error(error)
            return
        for w in batch:
            w.done = True

    def _cancelled(
        self, batch: list[Write], fences: list[Lease], error: botocore.exceptions.ClientError
    ) -> None:
        """Writes behind a failed fence lose their lease; the others are tried again."""
        reasons = error.response.get("CancellationReasons") or []
        failed = [str(r.get("Code")) == "ConditionalCheckFailed" for r in reasons]
        lost = {(f.account, f.role) for f, bad in zip(fences, failed, strict=False) if bad}
        if error_code(error) != "TransactionCanceledException" or not lost:
            for w in batch:
                w.done, w.error = True, self._table.error(error)
            return
        retry = []
        for w in batch:
            if w.fence and (w.fence.account, w.fence.role) in lost:
                w.done, w.error = True, self._lost(w.fence)
            else:
                retry.append(w)
        with self._cond:
            self._queue.extendleft(reversed(retry))


def lock_key(account: str, role: str) -> dict[str, dict[str, str]]:
    return {"pk": value(role_pk(account, role)), "sk": value("lock")}


def role_pk(account: str, role: str) -> str:
    return f"role#{account}#{role}"


#: The lock item still names this holder, at this version, and has not expired.
FENCE = "#holder = :h AND #version = :v AND #expires_at > :now"


def _check(table: str, lease: Lease) -> dict[str, Any]:
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
