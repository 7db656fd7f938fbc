"""The journal: the contract every backend keeps (lifecycle.testing's, run here for SQLite and
DynamoDB), and what is each backend's own: the file, the shared table's faults and pages."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import sqlite3
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from lifecycle.errors import JournalError, LeaseLost, LockHeld
from lifecycle.journal import Journal, default_state_dir, holder_id, open_journal
from lifecycle.journal.dynamodb.journal import DynamoJournal
from lifecycle.journal.sqlite import SqliteJournal
from lifecycle.model.calls import Call
from lifecycle.testing import JournalContract
from lifecycle.testing.records import ACCOUNT, ROLE, Opener, a_step, big_drain, drain_intent
from localaws import Fault, LocalAWS

BACKENDS = ["sqlite", "dynamodb"]


def state_table(aws: LocalAWS) -> str:
    """A new state table on the local AWS (as `slr state init` makes it): its URL."""
    from lifecycle.journal.dynamodb.journal import connect_table, create_table

    name = f"slr-state-{uuid.uuid4().hex[:8]}"
    create_table(
        connect_table(name, region="us-east-1", profile=None, endpoint_url=aws.endpoint_url)
    )
    return f"dynamodb://{name}?region=us-east-1"


@pytest.fixture(params=BACKENDS)
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """The contract's tests run against each backend: a SQLite file, and a DynamoDB table on
    the local AWS over HTTP."""
    endpoint = None
    if request.param == "sqlite":
        url = str(tmp_path / "state")
    else:
        aws = request.getfixturevalue("aws")
        url, endpoint = state_table(aws), aws.endpoint_url
    opened: list[Journal] = []

    def open_one() -> Journal:
        opened.append(open_journal(url, endpoint_url=endpoint))
        return opened[-1]

    yield open_one
    for j in opened:
        j.close()


class TestJournalContract(JournalContract):
    """The contract, once for each backend of the ``opener`` above."""


# the file


def test_the_file_is_private_to_its_owner(tmp_path: Path) -> None:
    old = os.umask(0)  # a lax umask must not leak into the modes
    try:
        open_journal(tmp_path / "state").close()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "state" / "journal.sqlite3").stat().st_mode) == 0o600


def test_the_file_is_in_wal_mode(tmp_path: Path) -> None:
    SqliteJournal(tmp_path / "j.sqlite3").close()
    with sqlite3.connect(tmp_path / "j.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    garbage = os.urandom(4096)
    path.write_bytes(garbage)
    with pytest.raises(JournalError, match=str(path)):
        SqliteJournal(path)
    assert path.read_bytes() == garbage


def test_a_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(JournalError, match="not a slr-lifecycle journal"):
        SqliteJournal(path)


def test_a_state_dir_under_a_regular_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(JournalError, match=str(tmp_path / "file")):
        open_journal(tmp_path / "file" / "state")


def test_the_default_state_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", "/xdg")
    assert default_state_dir() == Path("/xdg/slr-lifecycle")
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_state_dir() == Path.home() / ".local/state/slr-lifecycle"


def test_the_holder_id_names_host_and_process() -> None:
    assert holder_id().endswith(f":{os.getpid()}")


# the contract's intents, for any pattern of results


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.booleans(), max_size=8))
def test_unfinished_is_exactly_the_intents_without_result(
    opener: Opener, recorded: list[bool]
) -> None:
    journal = opener()
    account = str(uuid.uuid4().int)[:12]  # the examples share the state: one account each
    step = a_step(journal, f"run-{account}", account)
    calls = [drain_intent(journal, step, key=f"k{i}") for i in range(len(recorded))]
    for call, done in zip(calls, recorded, strict=True):
        if done:
            journal.result(call, ok=True)
    pending = [c for c, done in zip(calls, recorded, strict=True) if not done]
    assert [u["call_id"] for u in journal.unfinished(account, ROLE)] == pending


# the lease lock


def test_lock_held_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(LockHeld(ACCOUNT, ROLE, "host-a:1", 0.0)))
    assert str(error) == f"lock on {ACCOUNT}/{ROLE} held by host-a:1 until 1970-01-01T00:00:00Z"


def _race(url: str, endpoint: str | None, holder: str, start: Any, won: Any) -> None:
    journal = open_journal(url, endpoint_url=endpoint)
    start.wait()
    try:
        journal.acquire(ACCOUNT, ROLE, holder=holder)
        won.put(holder)
    except LockHeld:
        won.put(None)
    except Exception as error:  # reported to the parent, which fails naming it
        won.put(f"error: {error!r}")
    finally:
        journal.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_racing_processes_exactly_one_wins(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url, endpoint = str(tmp_path), None
    if backend == "dynamodb":
        aws = request.getfixturevalue("aws")
        url, endpoint = state_table(aws), aws.endpoint_url
    open_journal(url, endpoint_url=endpoint).close()
    context = multiprocessing.get_context("fork")
    start, won = context.Barrier(4), context.Queue()
    racers = [
        context.Process(target=_race, args=(url, endpoint, f"host:{i}", start, won))
        for i in range(4)
    ]
    for racer in racers:
        racer.start()
    # Generous: four processes start boto3 on two cores that other tests may be using.
    results = [won.get(timeout=60) for _ in racers]
    for racer in racers:
        racer.join()
    assert not [r for r in results if r and r.startswith("error: ")], results
    [winner] = [r for r in results if r is not None]
    parent = open_journal(url, endpoint_url=endpoint)
    with pytest.raises(LockHeld, match=f"held by {winner}"):
        parent.acquire(ACCOUNT, ROLE, holder="parent")
    parent.close()


def test_lease_lost_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(LeaseLost(ACCOUNT, ROLE, "host-b:2", 0.0)))
    assert isinstance(error, LeaseLost)
    assert str(error).startswith(f"lease on {ACCOUNT}/{ROLE} lost")


def test_dynamodb_keeps_a_large_memory_in_items_under_400_kb(aws: LocalAWS) -> None:
    from lifecycle.journal.dynamodb.journal import DynamoJournal

    url = state_table(aws)
    journal = open_journal(url, endpoint_url=aws.endpoint_url)
    assert isinstance(journal, DynamoJournal)
    journal.remember(ACCOUNT, ROLE, big_drain(5000))
    journal.remember(ACCOUNT, ROLE, big_drain(4500))
    table = journal.table
    items = table.client.scan(TableName=table.name)["Items"]
    memory = [i for i in items if i["sk"]["S"].startswith("memory#")]
    sizes = [len(i.get("data", {}).get("B", b"")) for i in memory]
    assert len(json.dumps(big_drain(4500))) > 400_000
    assert len(memory) >= 3  # a head and its parts; the first drain's parts are gone
    assert max(sizes) < 400_000
    assert sum(sizes) == len(json.dumps(big_drain(4500), sort_keys=True).encode())


# -- the shared table meets DynamoDB's faults and partial answers ------------------------------


@pytest.fixture
def shared(aws: LocalAWS) -> Iterator[Callable[[], DynamoJournal]]:
    """Opens journals on one new state table of the local AWS."""
    url = state_table(aws)
    opened: list[DynamoJournal] = []

    def open_one() -> DynamoJournal:
        journal = open_journal(url, endpoint_url=aws.endpoint_url)
        assert isinstance(journal, DynamoJournal)
        opened.append(journal)
        return journal

    yield open_one
    for journal in opened:
        journal.close()


@pytest.fixture
def dynamo(shared: Callable[[], DynamoJournal]) -> DynamoJournal:
    return shared()


PUT = "PutPlaybackConfiguration"


def a_drain_journaled(journal: Journal, writes: int = 12) -> list[int]:
    """A run holding the lease that stored ``writes`` intents, every second one with its
    result; their call ids."""
    journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
    step = a_step(journal)
    calls = [Call("example", PUT, "us-east-1", {"Name": f"c{n}"}, f"c{n}") for n in range(writes)]
    ids = journal.intents(step, calls)
    for n, call_id in enumerate(ids[::2]):
        journal.result(call_id, ok=True, response={"Name": f"c{2 * n}"})
    return ids


def read_back(journal: Journal, ids: list[int]) -> None:
    """What ``a_drain_journaled`` stored, read back whole."""
    assert [u["call_id"] for u in journal.unfinished(ACCOUNT, ROLE)] == ids[1::2]
    assert journal.completed(ACCOUNT, ROLE, f"{PUT}:us-east-1:c0") == {"Name": "c0"}
    assert journal.completed(ACCOUNT, ROLE, f"{PUT}:us-east-1:c1") is None
    [step] = journal.steps("run-1")
    assert [c["call_id"] for c in step["calls"]] == ids
    assert [r["run_id"] for r in journal.runs()] == ["run-1"]


@pytest.mark.parametrize("kind", ["throttle", "server_error"])
def test_the_shared_journal_rides_out_dynamodbs_throttling_and_5xx(
    dynamo: DynamoJournal, aws: LocalAWS, kind: str
) -> None:
    # Every kind of call the journal makes, reads and writes, fails now and then.
    aws.set_faults([Fault(service="dynamodb", kind=kind, probability=0.3)], seed=7)  # type: ignore[arg-type]
    ids = a_drain_journaled(dynamo)
    read_back(dynamo, ids)
    [fault] = aws.armed_faults()
    assert fault["fired"] >= 5


def test_the_shared_journals_client_keeps_the_pace_dynamodbs_throttling_sets(
    dynamo: DynamoJournal, aws: LocalAWS
) -> None:
    # Throttled by count, not by a rate: a rate of 20 a second throttled nothing when each
    # write took more than 50 ms, as on a loaded machine.
    aws.set_faults(
        [Fault(service="dynamodb", operation="TransactWriteItems", kind="throttle", count=5)]
    )
    with capture_logs() as logs:
        for n in range(20):
            dynamo.remember(ACCOUNT, ROLE, {"n": n})
    assert dynamo.memory(ACCOUNT, ROLE) == {"n": 19}
    cuts = [e for e in logs if e["event"] == "aws.pace"]
    assert cuts, "the journal's client was throttled and kept no pace"
    assert {(e["table"], e["operation"]) for e in cuts} == {
        (dynamo.table.name, "transact_write_items")
    }


def test_a_memory_written_in_batches_left_partly_unprocessed_is_whole(
    dynamo: DynamoJournal, aws: LocalAWS, shared: Callable[[], DynamoJournal]
) -> None:
    aws.set_faults(
        [Fault(service="dynamodb", operation="BatchWriteItem", kind="unprocessed", count=2)]
    )
    dynamo.remember(ACCOUNT, ROLE, big_drain(5000))  # its parts: one batch, sent three times
    [fault] = aws.armed_faults()
    assert fault["fired"] == 2
    assert shared().memory(ACCOUNT, ROLE) == big_drain(5000)


def test_the_shared_journal_reads_every_page_of_a_query(dynamo: DynamoJournal) -> None:
    ids = a_drain_journaled(dynamo)
    pages: list[str] = []
    dynamo.table.client.meta.events.register(
        "after-call.dynamodb.Query", lambda **_: pages.append("page")
    )
    read_back(dynamo, ids)
    # Five reads, each of more than one page: a read of the first page only would have missed
    # items above.
    assert len(pages) > 2 * 5
