"""The journal: durable intents and results, per-role memory, history, and the lease lock."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from lifecycle.journal import (
    CallIntent,
    Journal,
    JournalError,
    Lease,
    LeaseLost,
    LockHeld,
    default_state_dir,
    holder_id,
    open_journal,
)
from lifecycle.journal.dynamodb.journal import DynamoJournal
from lifecycle.journal.sqlite import SqliteJournal
from localaws import Fault, LocalAWS

ACCOUNT, ROLE = "123456789012", "AWSServiceRoleForMediaTailor"
BACKENDS = ["sqlite", "dynamodb"]

#: Opens one more journal on the same state (another runner, another machine).
Opener = Callable[[], Journal]


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


@pytest.fixture
def journal(opener: Opener) -> Journal:
    return opener()


def a_step(journal: Journal, run_id: str = "run-1", account: str = ACCOUNT) -> int:
    journal.start_run(
        run_id,
        workflow="mediatailor",
        account=account,
        role=ROLE,
        command="apply",
        target="absent",
        dry_run=False,
    )
    return journal.start_step(run_id, transition="drain", from_state="in-use")


def drain_intent(journal: Journal, step_id: int, key: str = "drain:us-east-1:config-a") -> int:
    return journal.intent(
        step_id,
        service="mediatailor",
        operation="PutPlaybackConfiguration",
        region="us-east-1",
        params={"Name": "config-a"},
        key=key,
    )


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


def test_reopening_keeps_the_data(opener: Opener) -> None:
    first = opener()
    first.remember(ACCOUNT, ROLE, {"drain": ["config-a"]})
    first.close()
    assert opener().memory(ACCOUNT, ROLE) == {"drain": ["config-a"]}


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


# write calls


def test_a_recorded_result_is_completed(journal: Journal) -> None:
    call = drain_intent(journal, a_step(journal))
    journal.result(call, ok=True, response={"Name": "config-a"}, attempts=2)
    assert journal.completed(ACCOUNT, ROLE, "drain:us-east-1:config-a") == {"Name": "config-a"}
    assert journal.unfinished(ACCOUNT, ROLE) == []


def test_an_intent_without_result_is_unfinished_not_completed(journal: Journal) -> None:
    call = drain_intent(journal, a_step(journal))
    assert journal.completed(ACCOUNT, ROLE, "drain:us-east-1:config-a") is None
    [pending] = journal.unfinished(ACCOUNT, ROLE)
    assert pending["call_id"] == call
    assert pending["run_id"] == "run-1"
    assert pending["params"] == {"Name": "config-a"}
    assert pending["key"] == "drain:us-east-1:config-a"


def test_a_failed_call_is_not_completed(journal: Journal) -> None:
    call = drain_intent(journal, a_step(journal))
    journal.result(call, ok=False, error="ThrottlingException")
    assert journal.completed(ACCOUNT, ROLE, "drain:us-east-1:config-a") is None


def test_completed_since_a_run_ignores_earlier_runs(journal: Journal) -> None:
    journal.result(drain_intent(journal, a_step(journal, "run-1")), ok=True, response={})
    a_step(journal, "run-2")
    assert journal.completed(ACCOUNT, ROLE, "drain:us-east-1:config-a", since_run="run-1") == {}
    assert journal.completed(ACCOUNT, ROLE, "drain:us-east-1:config-a", since_run="run-2") is None


def test_a_result_for_an_unknown_call_is_an_error(journal: Journal) -> None:
    with pytest.raises(JournalError, match="no call 42"):
        journal.result(42, ok=True)


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


# memory


def test_memory_of_the_real_and_the_dry_run_world_is_kept_apart(journal: Journal) -> None:
    journal.remember(ACCOUNT, ROLE, {"drain": "real"})
    journal.remember(ACCOUNT, ROLE, {"drain": "simulated"}, world="dry-run")
    assert journal.memory(ACCOUNT, ROLE) == {"drain": "real"}
    assert journal.memory(ACCOUNT, ROLE, "dry-run") == {"drain": "simulated"}


def test_forget_drops_only_that_world(journal: Journal) -> None:
    journal.remember(ACCOUNT, ROLE, {"a": 1})
    journal.remember(ACCOUNT, ROLE, {"b": 2}, world="dry-run")
    journal.forget(ACCOUNT, ROLE, world="dry-run")
    assert journal.memory(ACCOUNT, ROLE, "dry-run") == {}
    assert journal.memory(ACCOUNT, ROLE) == {"a": 1}


def test_remember_replaces_the_whole_memory(journal: Journal) -> None:
    journal.remember(ACCOUNT, ROLE, {"a": 1})
    journal.remember(ACCOUNT, ROLE, {"b": 2})
    assert journal.memory(ACCOUNT, ROLE) == {"b": 2}


# history


def test_runs_steps_and_calls_round_trip_newest_run_first(journal: Journal) -> None:
    step = a_step(journal, "run-1")
    journal.result(drain_intent(journal, step), ok=True, response={"ok": 1}, attempts=3)
    journal.finish_step(step, status="done", to_state="draining")
    journal.finish_run("run-1", outcome="done", final_state="draining")
    a_step(journal, "run-2")

    runs = journal.runs()
    assert [r["run_id"] for r in runs] == ["run-2", "run-1"]
    assert runs[1]["outcome"] == "done"
    assert runs[1]["final_state"] == "draining"
    assert runs[1]["dry_run"] is False
    assert runs[1]["finished_at"] >= runs[1]["started_at"]
    assert runs[0]["finished_at"] is None
    [recorded] = journal.steps("run-1")
    assert recorded["step_id"] == step
    assert (recorded["transition"], recorded["from_state"]) == ("drain", "in-use")
    assert (recorded["to_state"], recorded["status"]) == ("draining", "done")
    [call] = recorded["calls"]
    assert call["operation"] == "PutPlaybackConfiguration"
    assert call["params"] == {"Name": "config-a"}
    assert (call["ok"], call["attempts"], call["error"]) == (True, 3, None)


def test_runs_filter_by_role_and_limit(journal: Journal) -> None:
    a_step(journal, "run-1")
    a_step(journal, "run-2")
    assert len(journal.runs(limit=1)) == 1
    assert journal.runs(role="OtherRole") == []
    assert len(journal.runs(account=ACCOUNT, role=ROLE)) == 2


# the lease lock


def test_a_second_holder_is_refused_with_the_first_named(journal: Journal) -> None:
    journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
    with pytest.raises(LockHeld, match=f"lock on {ACCOUNT}/{ROLE} held by host-a:1 until") as e:
        journal.acquire(ACCOUNT, ROLE, holder="host-b:2")
    assert e.value.holder == "host-a:1"
    assert e.value.expires_at > time.time()


def test_the_same_holder_reacquires(journal: Journal) -> None:
    first = journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
    again = journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
    assert again.expires_at >= first.expires_at


def test_an_expired_lease_is_taken_over(journal: Journal) -> None:
    journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.05)
    time.sleep(0.06)
    assert journal.acquire(ACCOUNT, ROLE, holder="host-b:2").holder == "host-b:2"


def test_release_lets_another_take_it(journal: Journal) -> None:
    journal.release(journal.acquire(ACCOUNT, ROLE, holder="host-a:1"))
    assert journal.acquire(ACCOUNT, ROLE, holder="host-b:2").holder == "host-b:2"


def test_release_by_a_former_holder_does_nothing(journal: Journal) -> None:
    lost = journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.05)
    time.sleep(0.06)
    journal.acquire(ACCOUNT, ROLE, holder="host-b:2")
    journal.release(lost)
    with pytest.raises(LockHeld):
        journal.acquire(ACCOUNT, ROLE, holder="host-c:3")


def test_renew_by_a_holder_who_lost_the_lease_raises(journal: Journal) -> None:
    lost = journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.05)
    time.sleep(0.06)
    journal.acquire(ACCOUNT, ROLE, holder="host-b:2")
    with pytest.raises(LockHeld, match="held by host-b:2"):
        journal.renew(lost)


def test_renew_extends_the_lease(journal: Journal) -> None:
    lease = journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.05)
    assert journal.renew(lease, 60).expires_at > lease.expires_at + 50


def test_locks_are_per_role(journal: Journal) -> None:
    journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
    assert journal.acquire(ACCOUNT, "OtherRole", holder="host-b:2").holder == "host-b:2"


def test_a_held_lease_is_renewed_in_the_background_and_released_after(
    journal: Journal,
) -> None:
    with journal.lease(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.09) as lease:
        assert isinstance(lease, Lease)
        time.sleep(0.2)  # two lease lengths: only the renewals keep it
        with pytest.raises(LockHeld):
            journal.acquire(ACCOUNT, ROLE, holder="host-b:2")
    assert journal.acquire(ACCOUNT, ROLE, holder="host-b:2").holder == "host-b:2"


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


def test_a_lease_of_a_dead_process_on_this_host_is_taken_at_once(journal: Journal) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a pid that existed on this host and is gone now
    dead = f"{socket.gethostname()}:{child.pid}"
    journal.acquire("111122223333", "Role", holder=dead, lease_seconds=600)
    taken = journal.acquire("111122223333", "Role", holder=holder_id(), lease_seconds=60)
    assert taken.holder == holder_id()


def test_a_live_holder_on_this_host_keeps_its_lease(journal: Journal) -> None:
    alive = f"{socket.gethostname()}:{os.getpid()}"
    journal.acquire("111122223333", "Role", holder=alive, lease_seconds=600)
    with pytest.raises(LockHeld, match=alive):
        journal.acquire("111122223333", "Role", holder="elsewhere:1", lease_seconds=60)


# fencing: the writes of a holder whose lease is gone


def test_a_holder_whose_lease_was_taken_over_cannot_write(opener: Opener) -> None:
    paused, other = opener(), opener()
    step = a_step(paused)
    paused.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.05)
    time.sleep(0.06)  # the pause: its lease expires, another runner takes it
    other.acquire(ACCOUNT, ROLE, holder="host-b:2")
    with pytest.raises(LeaseLost, match="held by host-b:2") as lost:
        drain_intent(paused, step)
    assert isinstance(lost.value, LockHeld)  # the CLI's exit 3
    with pytest.raises(LeaseLost):
        paused.remember(ACCOUNT, ROLE, {"drained": ["stale"]})
    other.remember(ACCOUNT, ROLE, {"drained": ["fresh"]})
    assert other.unfinished(ACCOUNT, ROLE) == []
    assert paused.memory(ACCOUNT, ROLE) == {"drained": ["fresh"]}


def test_a_holder_whose_lease_expired_cannot_write_even_before_a_takeover(
    journal: Journal,
) -> None:
    journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.05)
    time.sleep(0.06)
    with pytest.raises(LeaseLost, match="expired"):
        journal.remember(ACCOUNT, ROLE, {"a": 1})
    assert journal.memory(ACCOUNT, ROLE) == {}


def test_a_holder_writes_while_its_lease_holds_and_unfenced_after_release(
    journal: Journal,
) -> None:
    lease = journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
    journal.remember(ACCOUNT, ROLE, {"a": 1})
    journal.release(lease)
    journal.remember(ACCOUNT, ROLE, {"a": 2})
    assert journal.memory(ACCOUNT, ROLE) == {"a": 2}


def test_a_holder_counts_on_two_thirds_of_its_lease_by_its_own_clock(journal: Journal) -> None:
    lease = journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.6)
    journal.still_held((ACCOUNT, ROLE))  # just taken
    time.sleep(0.3)
    journal.renew(lease, 0.6)  # a heartbeat: counted on afresh
    time.sleep(0.2)  # past two thirds of the first taking, not of the heartbeat
    journal.still_held((ACCOUNT, ROLE))
    time.sleep(0.25)  # past two thirds of a lease since the heartbeat
    with pytest.raises(LeaseLost, match=f"lease on {ACCOUNT}/{ROLE} lost"):
        journal.still_held((ACCOUNT, ROLE))
    journal.still_held((ACCOUNT, "OtherRole"))  # no lease held there: nothing to lose


def test_a_lease_given_back_is_no_longer_counted_on(journal: Journal) -> None:
    journal.release(journal.acquire(ACCOUNT, ROLE, holder="host-a:1", lease_seconds=0.05))
    time.sleep(0.06)
    journal.still_held((ACCOUNT, ROLE))  # unfenced again: nothing to lose


def test_intents_stored_together_are_each_a_call_of_their_own(journal: Journal) -> None:
    step = a_step(journal)
    journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
    calls = [
        CallIntent("mediatailor", "PutPlaybackConfiguration", "us-east-1", {"Name": n}, f"k:{n}")
        for n in ("a", "b", "c")
    ]
    ids = journal.intents(step, calls)
    assert len(set(ids)) == 3
    journal.result(ids[1], ok=True, response={"Name": "b"})
    unfinished = journal.unfinished(ACCOUNT, ROLE)
    assert [(c["call_id"], c["key"], c["params"]) for c in unfinished] == [
        (ids[0], "k:a", {"Name": "a"}),
        (ids[2], "k:c", {"Name": "c"}),
    ]
    assert journal.completed(ACCOUNT, ROLE, "k:b") == {"Name": "b"}


def test_lease_lost_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(LeaseLost(ACCOUNT, ROLE, "host-b:2", 0.0)))
    assert isinstance(error, LeaseLost)
    assert str(error).startswith(f"lease on {ACCOUNT}/{ROLE} lost")


# large memory: a drain of thousands of dependents


def big_drain(n: int) -> dict[str, Any]:
    settings = {"PercentEnabled": 100, "EnabledLoggingStrategies": ["VENDED_LOGS"]}
    kind = "playback-configuration"
    return {
        "drained": [
            {"region": "eu-west-1", "kind": kind, "name": f"config-{i:05d}", "settings": settings}
            for i in range(n)
        ]
    }


def test_a_memory_of_thousands_of_dependents_round_trips(opener: Opener) -> None:
    journal = opener()
    journal.remember(ACCOUNT, ROLE, big_drain(5000))
    journal.remember(ACCOUNT, ROLE, big_drain(4000))  # replaces it, parts and all
    assert opener().memory(ACCOUNT, ROLE) == big_drain(4000)
    journal.forget(ACCOUNT, ROLE)
    assert journal.memory(ACCOUNT, ROLE) == {}


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


def a_drain_journaled(journal: Journal, writes: int = 12) -> list[int]:
    """A run holding the lease that stored ``writes`` intents, every second one with its
    result; their call ids."""
    journal.acquire(ACCOUNT, ROLE, holder="host-a:1")
    step = a_step(journal)
    calls = [
        CallIntent(
            "mediatailor", "PutPlaybackConfiguration", "us-east-1", {"Name": f"c{n}"}, f"k:{n}"
        )
        for n in range(writes)
    ]
    ids = journal.intents(step, calls)
    for n, call_id in enumerate(ids[::2]):
        journal.result(call_id, ok=True, response={"Name": f"c{2 * n}"})
    return ids


def read_back(journal: Journal, ids: list[int]) -> None:
    """What ``a_drain_journaled`` stored, read back whole."""
    assert [u["call_id"] for u in journal.unfinished(ACCOUNT, ROLE)] == ids[1::2]
    assert journal.completed(ACCOUNT, ROLE, "k:0") == {"Name": "c0"}
    assert journal.completed(ACCOUNT, ROLE, "k:1") is None
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
    aws.set_faults(
        [
            Fault(
                service="dynamodb",
                operation="TransactWriteItems",
                kind="rate_limit",
                rate_per_second=20,
                burst=1,
            )
        ]
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
