"""One DynamoDB table as the shared journal uses it: its shape, its creation, its calls through
the one retry layer (throttling, 5xx, conflicts) at the pace DynamoDB's throttling sets, batch
writes that retry their unprocessed items, and every error as one line naming the table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import botocore.exceptions

from lifecycle.aws.codes import classify, error_code
from lifecycle.aws.gateway import CLIENT_CONFIG
from lifecycle.aws.pace import Pace
from lifecycle.aws.retry import retried, retrying
from lifecycle.aws.sessions import make_session
from lifecycle.errors import ErrorKind, JournalError, UnknownProfile, Unprocessed
from lifecycle.log import get_logger
from lifecycle.model.retry import RetryPolicy

__all__ = [
    "ACTIONS",
    "KEY_SCHEMA",
    "Table",
    "connect_table",
    "create_table",
    "describe",
    "expression",
    "plain",
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
        #: The client's send rate, learnt from DynamoDB's throttling as every client's is.
        self.pace = Pace()

    def __str__(self) -> str:
        return f"state table {self.name} in {self.region}"

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One DynamoDB call at the table's pace, retried on throttling, 5xx, conflicts and
        connection errors."""
        method = getattr(self.client, operation)
        log = self._log.bind(operation=operation)

        def before_sleep(state: Any) -> None:
            error = state.outcome.exception()
            self._log.warning(
                "state.retry",
                operation=operation,
                attempt=state.attempt_number,
                error_code=error_code(error) or type(error).__name__,
            )

        return retried(
            lambda: self.pace.call(lambda: method(**params), log=log),
            POLICY,
            retry_on=_retryable,
            before_sleep=before_sleep,
        )

    def error(self, error: BaseException) -> JournalError:
        """One line naming the table and what went wrong."""
        code = error_code(error)
        if code == "ResourceNotFoundException":
            return JournalError(f"{self} does not exist: create it with `slr state init`")
        response = getattr(error, "response", {})
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 403 or code in ("AccessDeniedException", "UnrecognizedClientException"):
            message = str(response.get("Error", {}).get("Message", ""))
            # An error answered as XML where JSON was expected (a proxy, an emulator): its
            # <Message> is the part worth a line.
            found = re.search(r"<Message>(.*?)</Message>", message, re.S)
            text = " ".join((found.group(1) if found else message).split())
            return JournalError(f"{self}: access denied: {text}")
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
                    raise Unprocessed(len(pending))

            def logged(state: Any) -> None:
                get_logger().warning(
                    "state.retry",
                    table=self.name,
                    unprocessed=int(str(state.outcome.exception())),
                    attempt=state.attempt_number,
                )

            try:
                retried(
                    attempt,
                    POLICY,
                    retry_on=lambda e: isinstance(e, Unprocessed),
                    before_sleep=logged,
                )
            except Unprocessed as error:
                raise JournalError(
                    f"state table {self.name}: {error} items left unprocessed after retries"
                ) from None


def connect_table(
    table: str, *, region: str | None, profile: str | None, endpoint_url: str | None
) -> Table:
    """The table through the runner's own credentials (never an assumed role)."""
    try:
        session = make_session(profile=profile, region=region)
    except UnknownProfile:
        raise  # the command line's mistake, not the table's
    except Exception as error:
        raise JournalError(f"state table {table}: {error}") from None
    where = region or session.region_name
    if not where:
        raise JournalError(
            f"state table {table}: no region: use dynamodb://{table}?region=R or set AWS_REGION"
        )
    client = session.client(
        "dynamodb", region_name=where, endpoint_url=endpoint_url, config=CLIENT_CONFIG
    )
    return Table(client, table, where)


def _check_shape(table: Table, description: dict[str, Any]) -> None:
    keys = tuple((k["AttributeName"], k["KeyType"]) for k in description["KeySchema"])
    types = {a["AttributeName"]: a["AttributeType"] for a in description["AttributeDefinitions"]}
    if keys != KEY_SCHEMA or any(types.get(name) != "S" for name, _ in KEY_SCHEMA):
        shape = ", ".join(f"{n} ({types.get(n, '?')}, {t})" for n, t in keys)
        raise JournalError(
            f"{table} is not a slr-lifecycle state table: its key is {shape}, "
            "not pk (S, HASH), sk (S, RANGE)"
        )


def describe(table: Table) -> dict[str, Any]:
    try:
        found: dict[str, Any] = table.call("describe_table", TableName=table.name)["Table"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        raise table.error(error) from None
    _check_shape(table, found)
    return found


def create_table(table: Table) -> bool:
    """Create the state table (on-demand, server-side encrypted) and wait until it is active;
    False when it existed already (of the right shape)."""
    try:
        table.call(
            "create_table",
            TableName=table.name,
            KeySchema=[{"AttributeName": n, "KeyType": t} for n, t in KEY_SCHEMA],
            AttributeDefinitions=[
                {"AttributeName": n, "AttributeType": "S"} for n, _ in KEY_SCHEMA
            ],
            BillingMode="PAY_PER_REQUEST",
            SSESpecification={"Enabled": True},
            Tags=[{"Key": "created-by", "Value": "slr-lifecycle"}],
        )
        created = True
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "ResourceInUseException":
            raise table.error(error) from None
        created = False
    except botocore.exceptions.BotoCoreError as error:
        raise table.error(error) from None
    poll = RetryPolicy(
        interval_seconds=0.2,
        backoff_rate=1.5,
        max_attempts=60,
        max_delay_seconds=5.0,
        jitter="NONE",
    )
    retrying(poll, retry_result=lambda t: t.get("TableStatus") != "ACTIVE")(describe, table)
    return created
