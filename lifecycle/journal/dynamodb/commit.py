"""The group commit of the shared journal's writes, each fenced by its writer's lease.

Every journal write is a ``TransactWriteItems`` with a ``ConditionCheck`` on the writer's lock
item (its fence). Concurrent writers (a drain's pool) join the transaction in flight's
successor instead of each sending their own: fewer round trips, and no two of our own
transactions touch the lock item at once (DynamoDB would cancel one as a conflict).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from lifecycle.aws.codes import error_code
from lifecycle.journal.contract import Lease
from lifecycle.journal.dynamodb.lock import fence_check
from lifecycle.journal.dynamodb.table import Table

__all__ = ["GroupCommit"]

#: DynamoDB's limits on one transaction: 100 actions, 4 MB (kept well under).
MAX_ACTIONS, MAX_BYTES = 100, 3_000_000


@dataclass
class Write:
    """One journal write: the actions of one atomic transaction, fenced by ``fence``."""

    actions: list[dict[str, Any]]
    fence: Lease | None
    #: Whether a writer waits for it; a failure of one nobody waits for is raised later.
    waited: bool = True
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
        #: The failure of a write nobody waited for, raised by the next write or flush.
        self._unseen: BaseException | None = None

    def write(
        self, actions: list[dict[str, Any]], fence: Lease | None, *, wait: bool = True
    ) -> None:
        """Commit ``actions`` atomically (and durably) before returning; LeaseLost if
        ``fence`` is no longer its holder's. ``wait=False`` queues them for the next
        transaction (a write-behind: for what no AWS write waits on)."""
        mine = Write(actions, fence, waited=wait)
        with self._cond:
            unseen, self._unseen = self._unseen, None
            if unseen is not None:
                raise unseen
            self._queue.append(mine)
            if not wait:
                return
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
            except BaseException as error:
                # Writes taken off the queue must end, or their writers would wait for ever.
                for w in batch:
                    if not w.done:
                        self._fail(w, error)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
        if mine.error is not None:
            raise mine.error

    def flush(self) -> None:
        """Until every queued write is committed (reads see them; FIFO: an empty write's turn
        comes after theirs)."""
        if self._queue or self._unseen is not None:
            self.write([], None)

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
        checks = [fence_check(self._table.name, lease) for lease in fences.values()]
        actions = [a for w in batch for a in w.actions]
        if not actions:
            for w in batch:
                w.done = True
            return
        try:
            self._table.call("transact_write_items", TransactItems=checks + actions)
        except botocore.exceptions.ClientError as error:
            self._cancelled(batch, list(fences.values()), error)
            return
        except Exception as error:
            for w in batch:
                self._fail(w, self._table.error(error))
            return
        for w in batch:
            w.done = True

    def _fail(self, write: Write, error: BaseException) -> None:
        write.done, write.error = True, error
        if not write.waited:
            with self._cond:
                self._unseen = self._unseen or error

    def _cancelled(
        self, batch: list[Write], fences: list[Lease], error: botocore.exceptions.ClientError
    ) -> None:
        """Writes behind a failed fence lose their lease; the others are tried again."""
        reasons = error.response.get("CancellationReasons") or []
        failed = [str(r.get("Code")) == "ConditionalCheckFailed" for r in reasons]
        lost = {(f.account, f.role) for f, bad in zip(fences, failed, strict=False) if bad}
        if error_code(error) != "TransactionCanceledException" or not lost:
            for w in batch:
                self._fail(w, self._table.error(error))
            return
        retry = []
        for w in batch:
            if w.fence and (w.fence.account, w.fence.role) in lost:
                self._fail(w, self._lost(w.fence))
            else:
                retry.append(w)
        with self._cond:
            self._queue.extendleft(reversed(retry))
