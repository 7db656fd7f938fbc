"""DynamoDB writes at the cost AWS charges for them, and its answers as partial as AWS's.

moto alone deep-copies a whole table for every action of a ``TransactWriteItems``, to roll the
table back when an action fails: a transaction costs the table's size times its actions (on a
shared journal after a drain: docs/performance.md, row 12). Here, as in AWS, a transaction
costs what it touches: the rollback keeps the touched items only (a copy where an update
changes one in place); the outcome is the same, all or nothing. A condition's text is lexed
once, not twice per action.

moto also checks an item's 400 KB limit by summing every attribute again as each one is added:
an item of n attributes costs n² size computations, a journal's call item more than the
MediaTailor write it records. Here an item is measured once, in one pass; the limit and its
error are moto's.

moto answers a Query in one page up to 1 MB, and a BatchWriteItem in full. DynamoDB stops a
page at 1 MB read and leaves a throttled batch's items unprocessed: a client must follow
``LastEvaluatedKey`` and send ``UnprocessedItems`` again. Here, with the ``dynamodb_short_pages``
setting (on by default), a Query page evaluates 1 to 4 items (drawn from a hash of the request,
so a test sees the same pages every run; a FilterExpression may leave none of them), and a
BatchWriteItem answered by an ``unprocessed`` fault writes the first half of each table's items
and answers the rest as ``UnprocessedItems``.

moto checks a write's condition, then writes, unlocked, while the server's threads serve other
requests: two version-checked updates of one item could both pass their check and both write.
In DynamoDB an item's condition and its write are one atomic step. Here every request that
reads or writes items runs under one lock (``_items``), from its check to its answer, and a
transaction's checks and writes too; a transaction then holds its items
(``dynamodb_transaction_seconds``, or at an applied ``hold`` fault's gate) outside the lock, as
in DynamoDB, where other writes of them are refused and writes of other items go on. One lock
for every table is stronger than DynamoDB's per-item isolation, and costs nothing that matters
here: each step is in memory.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.dynamodb.exceptions import DynamodbException

from localaws import settings
from localaws.gates import wait_after_effect
from localaws.pages import short_size

__all__ = ["install", "leaving_unprocessed"]

#: Held by every request that reads or writes items, for the whole request (see above).
_items = threading.RLock()
#: The requests of moto's DynamoHandler that read or write items, each atomic under ``_items``
#: (TransactWriteItems is locked in the backend, so that its hold is not: see install).
_ITEM_REQUESTS = (
    "put_item",
    "update_item",
    "delete_item",
    "get_item",
    "batch_get_item",
    "batch_write_item",
    "query",
    "scan",
    "transact_get_items",
    "execute_statement",
    "execute_transaction",
    "batch_execute_statement",
)
_transaction = threading.local()
#: ``leave`` is true while a BatchWriteItem of this thread is to leave items unprocessed.
_batch = threading.local()
#: Items a short Query page evaluates at most.
SHORT_PAGE_ITEMS = 4


class _CopyOutsideTransactions:
    """moto's ``copy`` module, except that a table is not copied inside a transaction."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if getattr(_transaction, "active", False) and isinstance(value, Table):
            return value  # the touched items are kept instead (see _touched)
        return copy.deepcopy(value, memo)


def _key_names(table: Any) -> list[str]:
    return [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])


def _targets(backend: Any, actions: list[dict[str, Any]]) -> list[tuple[str, str, Any, Any]]:
    """(kind, table name, table, key attributes) of each action of a transaction, read once
    for both its conflicts and its rollback; a malformed action is left to moto's own
    validation."""
    targets = []
    for action in actions:
        try:
            kind, op = next(iter(action.items()))
            table = backend.tables[op["TableName"]]
            attrs = op["Key"] if "Key" in op else op["Item"]
            targets.append((kind, op["TableName"], table, {n: attrs[n] for n in _key_names(table)}))
        except Exception:  # a malformed action: moto's own validation answers it
            continue
    return targets


def _touched(targets: list[tuple[str, str, Any, Any]]) -> list[tuple[Any, ...]]:
    """(table, hash, range, the item as it was or None) of every item the actions touch: a
    copy where an update changes the item in place, else the item itself (a put replaces the
    item, a delete drops it, a condition check reads it)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    saved = []
    for kind, _, table, key in targets:
        try:
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            item = table.get_item(hash_key, range_key)
        except Exception:  # a malformed key: moto's own validation answers it
            continue
        saved.append(
            (table, hash_key, range_key, copy.deepcopy(item) if kind == "Update" else item)
        )
    return saved


def _restore(saved: list[tuple[Any, ...]]) -> None:
    for table, hash_key, range_key, item in reversed(saved):
        if item is None:
            if table.get_item(hash_key, range_key) is not None:
                table.delete_item(hash_key, range_key)
        elif range_key is not None:
            table.items[hash_key][range_key] = item
        else:
            table.items[hash_key] = item


def _measured_once(item: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
    """moto's ``Item.__init__``, with the 400 KB limit checked on the whole item at once (the
    same sum moto's ``LimitedSizeDict`` takes as each attribute is added: its last is largest)."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    item.hash_key, item.range_key = hash_key, range_key
    typed = {key: DynamoType(value) for key, value in attrs.items()}
    if sum(bytesize(key) + value.size() for key, value in typed.items()) > _MOTO_ITEM_LIMIT:
        raise ItemSizeTooLarge
    item.attrs = LimitedSizeDict()
    dict.update(item.attrs, typed)  # checked above; later updates are checked by moto


def _lex_once(parser_type: Any) -> None:
    """Make moto's condition lexer remember each expression's tokens (plain tuples: later
    stages build new nodes from them, and names and values are read after lexing): a fenced
    write's condition is the same text each time, and moto lexed it afresh, twice per action,
    with a regular expression per token."""
    from collections import deque
    from functools import lru_cache

    lex = parser_type._lex_condition_expression

    @lru_cache(maxsize=256)
    def tokens(expression: str) -> tuple[Any, ...]:
        return tuple(lex(parser_type(expression, None, None)))

    def lexed(parser: Any) -> Any:
        return deque(tokens(parser.condition_expression))

    parser_type._lex_condition_expression = lexed


#: moto's limit on an item's size (AWS's 400 KB, as measured by moto's authors).
_MOTO_ITEM_LIMIT = 405_000


class _Conflicts:
    """The items of the transactions in progress. As in DynamoDB, a put, update or delete of
    one of them is refused (TransactionConflictException), and another transaction with one
    of them is cancelled with the reason TransactionConflict."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: set[tuple[str, str]] = set()

    @staticmethod
    def key(table: str, key: dict[str, Any]) -> tuple[str, str]:
        return table, json.dumps(key, sort_keys=True)

    def take(self, keys: list[tuple[str, str]]) -> None:
        """Hold ``keys`` for a transaction, or cancel it naming the ones held already."""
        from moto.dynamodb.exceptions import TransactionCanceledException

        with self._lock:
            clashes = [k in self._held for k in keys]
            if any(clashes):
                raise TransactionCanceledException(
                    [(_CONFLICT, _ONGOING, None) if c else (None, None, None) for c in clashes]
                )
            self._held.update(keys)

    def give_back(self, keys: list[tuple[str, str]]) -> None:
        with self._lock:
            self._held.difference_update(keys)

    def check(self, table: str, key: dict[str, Any]) -> None:
        """Refuse a single write of an item a transaction holds."""
        with self._lock:
            if self.key(table, key) in self._held:
                raise _TransactionConflict()


_CONFLICT, _ONGOING = "TransactionConflict", "Transaction is ongoing for the item"


class _TransactionConflict(DynamodbException):
    """DynamoDB's answer to a write of an item that a transaction in progress holds."""

    def __init__(self) -> None:
        super().__init__(
            "com.amazonaws.dynamodb.v20120810#TransactionConflictException", message=_ONGOING
        )


_conflicts = _Conflicts()


def _single_write_checked(method: Any, key_of: Any) -> Any:
    """``method`` (a put, update or delete), refused while a transaction holds its item."""

    def checked(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        if not getattr(_transaction, "active", False):  # a transaction's own parts pass
            table = self.tables.get(table_name)
            if table is not None:
                _conflicts.check(table_name, key_of(table, args, kwargs))
        return method(self, table_name, *args, **kwargs)

    return checked


def _key_of_item(table: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    item = args[0] if args else kwargs["item_attrs"]
    return {n: item.get(n) for n in _key_names(table)}


def _key_given(table: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    return dict(args[0] if args else kwargs["key"])


@contextmanager
def leaving_unprocessed() -> Iterator[None]:
    """BatchWriteItem calls served by this thread in the block write the first half of each
    table's items (rounded up) and answer the rest as ``UnprocessedItems``."""
    _batch.leave = True
    try:
        yield
    finally:
        _batch.leave = False


def _partly_processed(batch_write_item: Any) -> Any:
    def batch_write(self: Any) -> Any:
        if not getattr(_batch, "leave", False):
            return batch_write_item(self)
        kept, left = {}, {}
        for table, requests in self.body["RequestItems"].items():
            cut = (len(requests) + 1) // 2
            kept[table] = requests[:cut]
            if requests[cut:]:
                left[table] = requests[cut:]
        self.body["RequestItems"] = kept
        answer = batch_write_item(self)
        answer.result["UnprocessedItems"] = left
        return answer

    return batch_write


def _short_pages(query: Any) -> Any:
    def short(self: Any, table_name: str, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        if not settings.current().dynamodb_short_pages:
            return query(self, table_name, hash_key, *args, **kwargs)
        # moto's positional order: range comparison and values, limit, exclusive start key.
        comparison, values, limit, start, *rest = args
        request = json.dumps([table_name, hash_key, comparison, values, start], sort_keys=True)
        size = short_size(request, SHORT_PAGE_ITEMS, after_empty=True)
        limit = size if limit is None else min(int(limit), size)
        return query(self, table_name, hash_key, comparison, values, limit, start, *rest, **kwargs)

    return short


def _atomic(request: Any) -> Any:
    """``request`` (a handler's method), served under ``_items`` from its check to its answer."""

    def atomic(self: Any) -> Any:
        with _items:
            return request(self)

    return atomic


def install() -> None:
    """Make moto's item requests atomic, its ``TransactWriteItems`` keep copies of the touched
    items only, its items measured once, its Query pages short and its batches partial on
    demand (idempotent)."""
    import moto.dynamodb.models as models
    from moto.dynamodb import comparisons
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.responses import DynamoHandler

    if isinstance(models.copy, _CopyOutsideTransactions):  # type: ignore[attr-defined]
        return
    Item.__init__ = _measured_once  # type: ignore[method-assign,assignment]
    _lex_once(comparisons.ConditionExpressionParser)
    whole_table_copies = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        targets = _targets(self, transact_items)
        keys = [_conflicts.key(name, key) for _, name, _, key in targets]
        _conflicts.take(keys)
        try:
            with _items:
                saved = _touched(targets)
                _transaction.active = True
                try:
                    whole_table_copies(self, transact_items)
                except Exception:
                    _restore(saved)
                    raise
                finally:
                    _transaction.active = False
            # AWS's transaction takes its time, or a test holds it: its items stay held.
            wait_after_effect()
            hold = settings.current().dynamodb_transaction_seconds
            if hold:
                time.sleep(hold)
        finally:
            _conflicts.give_back(keys)

    # moto's module calls copy.deepcopy(table) once per action; this copy skips tables.
    models.copy = _CopyOutsideTransactions()  # type: ignore[attr-defined,assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    backend = models.DynamoDBBackend
    backend.put_item = _single_write_checked(backend.put_item, _key_of_item)  # type: ignore[method-assign]
    backend.update_item = _single_write_checked(backend.update_item, _key_given)  # type: ignore[method-assign]
    backend.delete_item = _single_write_checked(backend.delete_item, _key_given)  # type: ignore[method-assign]
    backend.query = _short_pages(backend.query)  # type: ignore[method-assign]
    DynamoHandler.batch_write_item = _partly_processed(DynamoHandler.batch_write_item)  # type: ignore[method-assign]
    for name in _ITEM_REQUESTS:
        setattr(DynamoHandler, name, _atomic(getattr(DynamoHandler, name)))
