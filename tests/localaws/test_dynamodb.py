"""DynamoDB transactions: all or nothing, at the cost of what they touch; and answers as partial
as DynamoDB's: short Query pages, batches left unprocessed."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws import Fault, LocalAWS
from localaws.dynamodb import SHORT_PAGE_ITEMS
from tests.conftest import ClientFactory


@pytest.fixture
def dynamodb(client: ClientFactory) -> Any:
    ddb = client("dynamodb")
    keys = [("pk", "HASH"), ("sk", "RANGE")]
    ddb.create_table(
        TableName="t",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": n, "KeyType": t} for n, t in keys],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n, _ in keys],
    )
    ddb.put_item(TableName="t", Item={"pk": {"S": "p"}, "sk": {"S": "old"}, "v": {"N": "1"}})
    return ddb


def items(ddb: Any) -> dict[str, str]:
    return {i["sk"]["S"]: i["v"]["N"] for i in ddb.scan(TableName="t")["Items"]}


def put(sk: str, v: str) -> dict[str, Any]:
    return {"Put": {"TableName": "t", "Item": {"pk": {"S": "p"}, "sk": {"S": sk}, "v": {"N": v}}}}


def test_a_cancelled_transaction_leaves_every_item_as_it_was(dynamodb: Any) -> None:
    update = {
        "Update": {
            "TableName": "t",
            "Key": {"pk": {"S": "p"}, "sk": {"S": "old"}},
            "UpdateExpression": "SET v = :two",
            "ExpressionAttributeValues": {":two": {"N": "2"}},
        }
    }
    failing = {
        "ConditionCheck": {
            "TableName": "t",
            "Key": {"pk": {"S": "p"}, "sk": {"S": "x"}},
            "ConditionExpression": "attribute_exists(sk)",
        }
    }
    with pytest.raises(ClientError, match="TransactionCanceled"):
        dynamodb.transact_write_items(TransactItems=[put("new", "5"), update, failing])
    assert items(dynamodb) == {"old": "1"}


def test_a_transaction_writes_all_its_items(dynamodb: Any) -> None:
    dynamodb.transact_write_items(TransactItems=[put("a", "1"), put("b", "2"), put("old", "3")])
    assert items(dynamodb) == {"a": "1", "b": "2", "old": "3"}


@pytest.mark.parametrize("put_it", ["put_item", "transact_write_items"])
def test_an_item_over_400_kb_is_refused_and_one_under_it_is_kept(
    dynamodb: Any, put_it: str
) -> None:
    def write(sk: str, size: int) -> None:
        # Several attributes: the limit is on their sum (names and values), not on each one.
        item = {"pk": {"S": "p"}, "sk": {"S": sk}} | {
            f"part{n}": {"S": "x" * (size // 4)} for n in range(4)
        }
        if put_it == "put_item":
            dynamodb.put_item(TableName="t", Item=item)
        else:
            dynamodb.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": item}}])

    write("small", 390_000)
    with pytest.raises(ClientError, match="Item size has exceeded the maximum allowed size"):
        write("big", 420_000)
    assert {i["sk"]["S"] for i in dynamodb.scan(TableName="t")["Items"]} == {"old", "small"}


def test_the_same_condition_is_judged_by_each_requests_own_values_and_names(
    dynamodb: Any,
) -> None:
    # The lexer's tokens are kept per expression text; what they compare is each request's.
    def check(v: str, name: str = "v") -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": "t",
                "Key": {"pk": {"S": "p"}, "sk": {"S": "old"}},
                "ConditionExpression": "#a = :v",
                "ExpressionAttributeNames": {"#a": name},
                "ExpressionAttributeValues": {":v": {"N": v}},
            }
        }

    dynamodb.transact_write_items(TransactItems=[check("1"), put("a", "1")])
    for refused in (check("2"), check("1", name="w")):
        with pytest.raises(ClientError, match="ConditionalCheckFailed"):
            dynamodb.transact_write_items(TransactItems=[refused, put("b", "2")])
    assert items(dynamodb) == {"old": "1", "a": "1"}


def test_an_item_a_transaction_holds_refuses_other_writes_until_it_ends(
    dynamodb: Any, aws: LocalAWS
) -> None:
    # The transaction, once written, waits at a gate holding its item until the test opens it.
    aws.set_faults(
        [
            Fault(
                service="dynamodb",
                operation="TransactWriteItems",
                kind="hold",
                gate="held",
                applied=True,
                count=1,
            )
        ]
    )
    update = {
        "TableName": "t",
        "Key": {"pk": {"S": "p"}, "sk": {"S": "old"}},
        "UpdateExpression": "SET v = :two",
        "ExpressionAttributeValues": {":two": {"N": "2"}},
    }
    holding = threading.Thread(
        target=dynamodb.transact_write_items, kwargs={"TransactItems": [put("old", "3")]}
    )
    holding.start()
    aws.wait_for_gate("held")  # the transaction holds the item now
    with pytest.raises(ClientError, match="TransactionConflictException") as refused:
        dynamodb.update_item(**update)
    assert "Transaction is ongoing for the item" in str(refused.value)
    with pytest.raises(ClientError, match="TransactionCanceled") as cancelled:
        dynamodb.transact_write_items(TransactItems=[put("other", "4"), put("old", "5")])
    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "TransactionConflict"]
    aws.open_gate("held")
    holding.join()
    dynamodb.update_item(**update)  # the transaction is over: its item is free again
    assert items(dynamodb) == {"old": "2"}


def query_pages(ddb: Any, **params: Any) -> list[list[str]]:
    """The sort keys of each page of a Query of partition ``p``, followed to its end."""
    params = {
        "TableName": "t",
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "p"}},
        **params,
    }
    pages = []
    while True:
        page = ddb.query(**params)
        pages.append([i["sk"]["S"] for i in page["Items"]])
        if "LastEvaluatedKey" not in page:
            return pages
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def twenty(dynamodb: Any) -> list[str]:
    """Twenty items in partition ``p`` besides ``old``: every sort key, in order."""
    for n in range(20):
        dynamodb.put_item(TableName="t", Item={"pk": {"S": "p"}, "sk": {"S": f"k{n:02d}"}})
    return sorted(["old", *(f"k{n:02d}" for n in range(20))])


def test_a_query_answers_short_pages_that_hold_every_item_once_in_order(
    dynamodb: Any, twenty: list[str]
) -> None:
    pages = query_pages(dynamodb)
    assert [key for page in pages for key in page] == twenty
    assert len(pages) >= len(twenty) / SHORT_PAGE_ITEMS
    assert all(1 <= len(page) <= SHORT_PAGE_ITEMS for page in pages)
    assert query_pages(dynamodb) == pages  # the same pages every time


def test_a_filtered_query_answers_empty_pages_while_more_remain(
    dynamodb: Any, twenty: list[str]
) -> None:
    pages = query_pages(
        dynamodb,
        FilterExpression="sk = :last",
        ExpressionAttributeValues={":p": {"S": "p"}, ":last": {"S": "old"}},
    )
    assert [key for page in pages for key in page] == ["old"]
    assert [] in pages


def test_a_query_limit_below_the_short_page_is_kept(dynamodb: Any, twenty: list[str]) -> None:
    assert {len(page) for page in query_pages(dynamodb, Limit=1)} == {1}


def test_without_short_pages_a_query_answers_in_one_page(
    dynamodb: Any, twenty: list[str], aws: LocalAWS
) -> None:
    aws.set_settings(dynamodb_short_pages=False)
    assert query_pages(dynamodb) == [twenty]


def test_an_unprocessed_fault_writes_half_a_batch_and_answers_the_rest(
    dynamodb: Any, aws: LocalAWS
) -> None:
    aws.set_faults(
        [Fault(service="dynamodb", operation="BatchWriteItem", kind="unprocessed", count=1)]
    )
    batch = [put(f"b{n}", str(n))["Put"]["Item"] for n in range(5)]
    requests = [{"PutRequest": {"Item": item}} for item in batch]
    answer = dynamodb.batch_write_item(RequestItems={"t": requests})
    assert answer["UnprocessedItems"] == {"t": requests[3:]}
    assert items(dynamodb) == {"old": "1", "b0": "0", "b1": "1", "b2": "2"}
    again = dynamodb.batch_write_item(RequestItems=answer["UnprocessedItems"])
    assert again["UnprocessedItems"] == {}
    assert set(items(dynamodb)) == {"old", *(f"b{n}" for n in range(5))}


#: Writers racing for one item, and how many times they race.
RACERS, ROUNDS = 16, 20


def race(aws: LocalAWS, write: Any) -> list[int]:
    """Winners of each round in which every racer calls ``write(ddb, racer, round)`` at once
    (each racer with its own client and connection): a count of the calls that succeeded."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"total_max_attempts": 1}, max_pool_connections=1)
    clients = [
        boto3.session.Session().client(
            "dynamodb", region_name="us-east-1", endpoint_url=aws.endpoint_url, config=config
        )
        for _ in range(RACERS)
    ]
    start = threading.Barrier(RACERS)
    wins = [[0] * RACERS for _ in range(ROUNDS)]

    def racer(n: int) -> None:
        for r in range(ROUNDS):
            start.wait()
            try:
                write(clients[n], n, r)
            except ClientError as e:
                if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
            else:
                wins[r][n] = 1
            start.wait()  # the round is over for everyone before the next begins

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [sum(w) for w in wins]


def test_racing_version_checked_updates_of_one_item_have_exactly_one_winner(
    dynamodb: Any, aws: LocalAWS
) -> None:
    key = {"pk": {"S": "p"}, "sk": {"S": "old"}}  # its v is 1 before round 0
    # A record of some size, as a journal's is: the more an update writes, the longer a store
    # that checks, then writes, leaves between the two.
    fields = ", ".join(f"f{i} = :me" for i in range(40))

    def update(ddb: Any, n: int, r: int) -> None:
        ddb.update_item(
            TableName="t",
            Key=key,
            UpdateExpression=f"SET v = :next, winner = :me, {fields}",
            ConditionExpression="v = :seen",
            ExpressionAttributeValues={
                ":seen": {"N": str(r + 1)},
                ":next": {"N": str(r + 2)},
                ":me": {"N": str(n)},
            },
        )

    assert race(aws, update) == [1] * ROUNDS
    assert dynamodb.get_item(TableName="t", Key=key)["Item"]["v"] == {"N": str(ROUNDS + 1)}


def test_racing_puts_of_an_absent_item_have_exactly_one_winner(
    dynamodb: Any, aws: LocalAWS
) -> None:
    absent = " AND ".join(f"attribute_not_exists(f{i})" for i in range(40))

    def claim(ddb: Any, n: int, r: int) -> None:
        ddb.put_item(
            TableName="t",
            Item={"pk": {"S": "claims"}, "sk": {"S": f"round{r}"}}
            | {f"f{i}": {"N": str(n)} for i in range(40)},
            ConditionExpression=f"attribute_not_exists(pk) AND {absent}",
        )

    assert race(aws, claim) == [1] * ROUNDS


def test_racing_version_checked_deletes_of_one_item_have_exactly_one_winner(
    dynamodb: Any, aws: LocalAWS
) -> None:
    for r in range(ROUNDS):
        dynamodb.put_item(
            TableName="t", Item={"pk": {"S": "gone"}, "sk": {"S": f"round{r}"}, "v": {"N": "1"}}
        )

    # A condition of some length: the longer a check, the wider a store's gap between it and
    # the write that follows.
    absent = " AND ".join(f"attribute_not_exists(f{i})" for i in range(40))

    def delete(ddb: Any, n: int, r: int) -> None:
        ddb.delete_item(
            TableName="t",
            Key={"pk": {"S": "gone"}, "sk": {"S": f"round{r}"}},
            ConditionExpression=f"v = :one AND {absent}",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    assert race(aws, delete) == [1] * ROUNDS
