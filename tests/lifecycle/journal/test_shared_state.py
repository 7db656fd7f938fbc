"""Shared state: runners on many machines share the journal and the lease in one DynamoDB table
(`--state dynamodb://TABLE`), on the local AWS's DynamoDB over HTTP.

A "machine" is a `slr` process with a state directory of its own; deleting that directory is
losing the machine's disk.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from structlog.testing import capture_logs

from lifecycle.cli import exits
from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.runner import Runner
from lifecycle.errors import LeaseLost
from lifecycle.journal import open_journal
from lifecycle.model.outcome import Outcome
from localaws import Fault, LocalAWS
from localaws.seed import Account
from tests.handshake import until
from tests.lifecycle.cli.test_cli import (
    Slr,
    aws_region_alone,
    in_use,
    one_line_error,
    record,
    writes,
)
from tests.lifecycle.conftest import FAST, REGIONS
from tests.localaws.test_authorization import BOOTSTRAP_REQUESTS, allow

ACCOUNT, ROLE = "123456789012", "AWSServiceRoleForMediaTailor"


@pytest.fixture
def table(aws: LocalAWS) -> str:
    return f"slr-state-{uuid.uuid4().hex[:8]}"


def machine(aws: LocalAWS, tmp_path: Path, name: str, table: str) -> Slr:
    """A runner on its own machine (its own state dir) whose state is the shared table."""
    slr = Slr(aws, tmp_path / name)
    slr.env = slr.env | {"SLR_STATE": f"dynamodb://{table}?region=us-east-1"}
    return slr


@pytest.fixture
def first(aws: LocalAWS, tmp_path: Path, table: str) -> Slr:
    slr = machine(aws, tmp_path, "machine-a", table)
    assert slr("state", "init").returncode == exits.OK
    return slr


@pytest.fixture
def second(aws: LocalAWS, tmp_path: Path, table: str, first: Slr) -> Slr:
    return machine(aws, tmp_path, "machine-b", table)


def dynamodb(aws: LocalAWS) -> Any:
    return boto3.client("dynamodb", region_name="us-east-1", endpoint_url=aws.endpoint_url)


# -- slr state init, and the tables it refuses ------------------------------------------------


def test_state_init_makes_one_on_demand_encrypted_table_and_is_idempotent(
    aws: LocalAWS, tmp_path: Path, table: str
) -> None:
    slr = machine(aws, tmp_path, "machine-a", table)
    made, again = slr("state", "init"), slr("state", "init")
    assert (made.returncode, again.returncode) == (exits.OK, exits.OK)
    assert made.stdout.strip().endswith("created")
    assert again.stdout.strip().endswith("exists already")
    found = dynamodb(aws).describe_table(TableName=table)["Table"]
    assert found["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert found["SSEDescription"]["Status"] == "ENABLED"


def test_state_init_honours_output_json(aws: LocalAWS, tmp_path: Path, table: str) -> None:
    slr = machine(aws, tmp_path, "machine-a", table)
    made, again = slr.json("state", "init"), slr.json("state", "init")
    assert made[0] == again[0] == exits.OK
    assert made[1]["command"] == "state init"
    assert {k: made[1][k] for k in ("table", "region", "created")} == {
        "table": table,
        "region": "us-east-1",
        "created": True,
    }
    assert again[1]["created"] is False
    assert "schema_version" in made[1]


def test_a_missing_table_is_one_line_naming_state_init(
    aws: LocalAWS, tmp_path: Path, table: str
) -> None:
    done = machine(aws, tmp_path, "machine-a", table)("history")
    assert done.returncode == exits.ERROR
    assert f"state table {table} in us-east-1 does not exist" in one_line_error(done)
    assert "slr state init" in one_line_error(done)
    assert table not in dynamodb(aws).list_tables()["TableNames"]


def test_a_table_of_another_shape_is_one_line_and_left_alone(
    aws: LocalAWS, tmp_path: Path, table: str, account: Account
) -> None:
    in_use(account)
    dynamodb(aws).create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    slr = machine(aws, tmp_path, "machine-a", table)
    for args in (("apply", "--target", "deleted", "--yes"), ("state", "init")):
        done = slr(*args)
        assert done.returncode == exits.ERROR
        assert "is not a slr-lifecycle state table" in one_line_error(done)
    assert dynamodb(aws).scan(TableName=table)["Count"] == 0
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 100


def test_aws_region_alone_places_the_table_and_serves_runs(
    aws: LocalAWS, tmp_path: Path, table: str, account: Account
) -> None:
    in_use(account)
    slr = Slr(aws, tmp_path / "machine-a")
    slr.env = aws_region_alone(slr.env, "eu-west-1") | {"SLR_STATE": f"dynamodb://{table}"}
    made = slr("state", "init")
    assert made.returncode == exits.OK, made.stderr
    done = slr("apply", "--target", "deleted", "--yes")
    assert done.returncode == exits.OK, done.stderr[-3000:]
    west = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=aws.endpoint_url)
    assert west.scan(TableName=table)["Count"] > 0
    assert table not in dynamodb(aws).list_tables()["TableNames"]


@pytest.fixture
def local(aws: LocalAWS, tmp_path: Path) -> Slr:
    """A runner whose state is a local directory, as before shared state."""
    return Slr(aws, tmp_path / "local")


def test_a_bad_state_url_is_a_usage_error(local: Slr) -> None:
    done = local("--state", "s3://bucket/key", "history")
    assert done.returncode == exits.USAGE
    assert "dynamodb://TABLE" in one_line_error(done)


def test_the_state_policy_names_the_table_and_what_the_journal_calls(
    first: Slr, table: str
) -> None:
    done = first("policy", "--scope", "state")
    assert done.returncode == exits.OK
    [statement] = json.loads(done.stdout)["Statement"]
    assert statement["Resource"] == f"arn:aws:dynamodb:us-east-1:*:table/{table}"
    assert {
        "dynamodb:ConditionCheckItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:CreateTable",
    } <= set(statement["Action"])


@pytest.mark.parametrize("scope", ["all", "provision", "decommission"])
def test_a_runners_policy_with_shared_state_includes_the_tables_statement(
    aws: LocalAWS, tmp_path: Path, table: str, scope: str
) -> None:
    done = machine(aws, tmp_path, "machine-a", table)("policy", "--scope", scope)
    assert done.returncode == exits.OK
    statements = {s["Sid"]: s for s in json.loads(done.stdout)["Statement"]}
    assert statements["SlrStateTable"]["Resource"] == f"arn:aws:dynamodb:us-east-1:*:table/{table}"
    assert "SlrStateTable" not in {
        s["Sid"] for s in json.loads(Slr(aws, tmp_path / "local")("policy").stdout)["Statement"]
    }


# -- runners on two machines --------------------------------------------------------------------


def test_while_one_machine_holds_the_lease_another_exits_3_naming_it(
    first: Slr, second: Slr, account: Account, aws: LocalAWS, table: str
) -> None:
    in_use(account)
    # The first runner's drain waits at a gate, holding the lock, until the second is done.
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                operation="ConfigureLogsForChannel",
                kind="hold",
                gate="drain",
            )
        ]
    )
    running = first.start("apply", "--target", "deleted", "--yes")
    try:
        aws.wait_for_gate("drain")  # the first holds the lock, mid-drain
        refused = second("apply", "--target", "deleted", "--yes")
        assert refused.returncode == exits.LOCK_HELD, refused.stderr
        assert f":{running.pid} until" in one_line_error(refused)
    finally:
        aws.open_gate("drain")
        running.wait(timeout=60)
    assert running.returncode == exits.OK
    account.wait_for_no_role()


@pytest.mark.parametrize(
    "crash_at",
    ["before:ConfigureLogsForPlaybackConfiguration:2", "after:ConfigureLogsForChannel:1"],
)
def test_a_run_killed_mid_drain_is_resumed_on_another_machine_repeating_no_write(
    first: Slr, second: Slr, account: Account, aws: LocalAWS, crash_at: str
) -> None:
    in_use(account)
    record(aws)
    crashed = first(
        "apply", "--target", "deleted", "--yes", env=first.env | {"SLR_CRASH_AT": crash_at}
    )
    assert crashed.returncode == -9, crashed.stderr
    shutil.rmtree(first.state_dir, ignore_errors=True)  # the machine's disk is gone
    resumed = second("--output", "json", "apply", "--target", "deleted", "--yes")
    assert resumed.returncode == exits.OK, resumed.stdout + resumed.stderr
    assert json.loads(resumed.stdout)["final_state"] == "deleted"
    account.wait_for_no_role()
    sent = Counter(writes(aws))
    assert {write: n for write, n in sent.items() if n > 1} == {}
    assert {name for _, name in sent} >= {"east-live", "west-live", "linear"}


def test_a_drain_on_one_machine_is_restored_exactly_on_another(
    first: Slr, second: Slr, account: Account
) -> None:
    in_use(account)
    before = {r: account.configurations(r) for r in REGIONS} | {
        "channels": account.channels("us-west-2")
    }
    drained = first("apply", "--target", "deleted", "--step", "--yes")
    assert drained.returncode == exits.CHANGES_PENDING, drained.stderr
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 0
    shutil.rmtree(first.state_dir, ignore_errors=True)
    restored = second("--output", "json", "apply", "--target", "in-use", "--yes")
    assert restored.returncode == exits.OK, restored.stderr
    assert [s["transition"] for s in json.loads(restored.stdout)["steps"]] == ["restore"]
    after = {r: account.configurations(r) for r in REGIONS} | {
        "channels": account.channels("us-west-2")
    }
    assert after == before


def test_a_local_journal_migrated_into_the_table_is_restored_from_another_machine(
    local: Slr, second: Slr, account: Account
) -> None:
    in_use(account)
    before = account.configurations("eu-west-1")
    assert local("apply", "--target", "deleted", "--step", "--yes").returncode == 2
    migrated = second("state", "migrate", "--from", str(local.state_dir))
    assert migrated.returncode == exits.OK, migrated.stderr
    assert "1 runs" in migrated.stdout
    assert "1 memories" in migrated.stdout
    code, document = second.json("state", "migrate", "--from", str(local.state_dir))
    assert (code, document["command"], document["copied"]["runs"]) == (
        exits.OK,
        "state migrate",
        1,
    )
    _, history = second.json("history")
    assert [r["command"] for r in history["runs"]] == ["apply"]
    restored = second("apply", "--target", "in-use", "--yes")
    assert restored.returncode == exits.OK, restored.stderr
    assert account.configurations("eu-west-1") == before


# -- a holder whose lease expired ----------------------------------------------------------------


@pytest.fixture
def shared_runner(aws: LocalAWS, first: Slr, table: str) -> Any:
    def make(session: Any = None, **config: Any) -> Runner:
        journal = open_journal(
            f"dynamodb://{table}?region=us-east-1", endpoint_url=aws.endpoint_url
        )
        settings = RunnerConfig(
            endpoint_url=aws.endpoint_url, regions=REGIONS, reject_wait_seconds=0.0, **config
        )
        return Runner(FAST, journal, settings, session=session)

    return make


def take_over(aws: LocalAWS, table: str, holder: str) -> None:
    """What a long pause lets happen: the lease expires and another runner takes it (a new
    holder, a new version), while the paused runner's heartbeat is paused too."""
    dynamodb(aws).update_item(
        TableName=table,
        Key={"pk": {"S": f"role#{ACCOUNT}#{ROLE}"}, "sk": {"S": "lock"}},
        UpdateExpression="SET holder = :h, expires_at = :e, version = version + :one",
        ExpressionAttributeValues={
            ":h": {"S": holder},
            ":e": {"N": str(time.time() + 600)},
            ":one": {"N": "1"},
        },
    )


#: The paused runner's lease: short, so that a real pause can outlast it.
SHORT_LEASE = 1.5


def test_a_holder_whose_lease_expired_sends_no_further_write_and_the_new_holder_finishes(
    shared_runner: Any, account: Account, aws: LocalAWS, session: Any, table: str
) -> None:
    for i in range(6):
        account.configuration("us-east-1", f"config-{i}", 100)
    sent = [0]

    def pause_then_lose_the_lease(**_: Any) -> None:
        sent[0] += 1
        if sent[0] == 2:
            # The pause: past the lease, during which another runner takes the lock over
            # (and this runner's heartbeat, refused by the new holder's lock, stops).
            take_over(aws, table, "elsewhere:1")
            time.sleep(SHORT_LEASE)

    session.events.register(
        "before-call.mediatailor.ConfigureLogsForPlaybackConfiguration", pause_then_lose_the_lease
    )
    paused = shared_runner(session, concurrency=1, lease_seconds=SHORT_LEASE)
    record(aws)
    with pytest.raises(LeaseLost, match="held by elsewhere:1"):
        paused.apply("deleted")
    # The write under way when the pause began was sent (its intent was stored before); its
    # result was refused, and no write after it was sent, though the next one's intent may
    # have been stored ahead while the lease held: the runner's own clock says it ran out.
    assert len(writes(aws)) == 2
    take_over(aws, table, "")  # the other runner is done and gone
    result = shared_runner().apply("deleted")
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted")
    account.wait_for_no_role()
    assert all(c["PercentEnabled"] == 0 for c in account.configurations("us-east-1").values())


# -- access: the runner's own, least privilege -------------------------------------------------


@pytest.fixture(scope="module")
def enforcing() -> Iterator[LocalAWS]:
    """A local AWS that checks every request after the first few against IAM policies."""
    with LocalAWS(iam_enforcement_after=BOOTSTRAP_REQUESTS) as server:
        yield server


def runner_allowed(
    enforcing: LocalAWS, tmp_path: Path, table: str, *statements: dict[str, Any]
) -> Slr:
    """`slr` as an IAM user holding only ``statements``, on the table ``table``."""
    enforcing.reset()
    iam = enforcing.client("iam")
    iam.create_user(UserName="runner")
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    iam.put_user_policy(UserName="runner", PolicyName="p", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName="runner")["AccessKey"]
    slr = machine(enforcing, tmp_path, "machine-a", table)
    slr.env |= {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }
    return slr


def test_denied_access_to_the_table_is_one_line(
    enforcing: LocalAWS, tmp_path: Path, table: str
) -> None:
    slr = runner_allowed(enforcing, tmp_path, table, allow("sts:GetCallerIdentity"))
    for args in (("history",), ("state", "init")):
        done = slr(*args)
        assert done.returncode == exits.ERROR
        assert f"state table {table} in us-east-1: access denied" in one_line_error(done)


def test_a_lease_lost_while_several_workers_write_stops_them_all_without_hanging(
    shared_runner: Any, account: Account, aws: LocalAWS, session: Any, table: str
) -> None:
    # Several writers share each transaction (group commit); when one transaction finds the
    # lease gone, every writer must get LeaseLost, none may wait for ever.
    for i in range(16):
        account.configuration("us-east-1", f"config-{i:02d}", 100)
    sent = [0]

    def lose_the_lease(**_: Any) -> None:
        sent[0] += 1
        if sent[0] == 3:
            take_over(aws, table, "elsewhere:1")

    session.events.register(
        "before-call.mediatailor.ConfigureLogsForPlaybackConfiguration", lose_the_lease
    )
    outcome: list[BaseException | None] = []

    def drain() -> None:
        try:
            shared_runner(session, concurrency=4).apply("deleted")
            outcome.append(None)
        except BaseException as error:  # reported to the test's thread
            outcome.append(error)

    worker = threading.Thread(target=drain, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the runner hung after losing its lease"
    assert isinstance(outcome[0], LeaseLost)
    # Only writes whose intents were stored while the lease held went out: at most the
    # four workers' writes under way and the window of intents stored ahead of them (one
    # per worker), never the rest of the drain.
    assert sent[0] <= 3 + 4 + 4


def test_a_heartbeat_that_meets_a_journal_transaction_is_retried_and_both_land(
    aws: LocalAWS, first: Slr, table: str
) -> None:
    # DynamoDB refuses a write of an item that a transaction in progress holds: a lease
    # renewal (an update of the lock item) meets every fenced journal write (a condition
    # check on it). The renewal waits its turn; neither is lost.
    journal = open_journal(f"dynamodb://{table}?region=us-east-1", endpoint_url=aws.endpoint_url)
    lease = journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
    # The fenced write's transaction, once written, holds its items at a gate until opened.
    aws.set_faults(
        [
            Fault(
                service="dynamodb",
                operation="TransactWriteItems",
                kind="hold",
                gate="fenced",
                applied=True,
                count=1,
            )
        ]
    )
    writing = threading.Thread(target=journal.remember, args=(ACCOUNT, ROLE, {"drained": ["a"]}))
    renewed: list[Any] = []
    renewing = threading.Thread(target=lambda: renewed.append(journal.renew(lease, 600)))
    with capture_logs() as logs:
        writing.start()
        aws.wait_for_gate("fenced")  # the fenced write's transaction holds the lock item now
        renewing.start()
        try:
            met = until(lambda: any(conflict(e) for e in list(logs)))
        finally:
            aws.open_gate("fenced")
            writing.join()
            renewing.join()
    assert met, "the renewal met no transaction: the test proves nothing"
    assert renewed[0].expires_at > time.time() + 500
    assert journal.memory(ACCOUNT, ROLE) == {"drained": ["a"]}
    journal.close()


def conflict(event: dict[str, Any]) -> bool:
    return event["event"] == "state.retry" and event["error_code"] == (
        "TransactionConflictException"
    )
