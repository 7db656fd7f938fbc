"""Every write replays safely: an answer lost after the write took effect (an applied 500, a
dropped connection) makes the engine send it again, and the run still ends right.

One test per write the workflow sends (from its definitions) and per journal write (from the
journal's contract), with each way of losing an answer.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import botocore.session
import pytest

from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.runner import Runner
from lifecycle.journal import Journal, open_journal
from lifecycle.model.decide import PlanOptions
from lifecycle.model.outcome import Outcome
from localaws import Fault, LocalAWS
from localaws.seed import Account
from tests import recorder
from tests.lifecycle.cli.test_cli import in_use
from tests.lifecycle.conftest import FAST, REGIONS, RunnerFactory
from tests.lifecycle.journal.test_journal import state_table

ACCOUNT, ROLE = "123456789012", "AWSServiceRoleForMediaTailor"

#: Each way an answer is lost after the write took effect.
LOST: dict[str, Callable[[str, str], Fault]] = {
    "applied-500": lambda service, operation: Fault(
        service=service, operation=operation, kind="server_error", applied=True, count=1
    ),
    "drop": lambda service, operation: Fault(
        service=service, operation=operation, kind="drop", count=1
    ),
}

#: Every write the workflow may send, from its definitions.
WRITES = sorted({(op.service, op.name) for op in FAST.operations() if op.writes})


def sent(aws: LocalAWS) -> list[tuple[str, str]]:
    """(operation, request body) of every write that reached the local AWS since
    ``recorder.start``, in order (the REST ones named by their path in botocore's model)."""
    recorder.stop(aws)
    models = botocore.session.get_session()
    paths = {
        model.operation_model(name).http["requestUri"]: name
        for service, name in WRITES
        if (model := models.get_service_model(service)).protocol != "query"
    }
    found = []
    for method, action, entry, body in recorder.requests(aws):
        if not recorder.is_write(method, action):
            continue
        operation = action if "Action=" in body else paths.get(urlsplit(entry["url"]).path)
        if operation is not None:
            found.append((operation, body))
    return found


def world(account: Account) -> dict[str, Any]:
    """Every dependent's log settings, per region."""
    return {r: (account.configurations(r), account.channels(r)) for r in REGIONS}


def the_decommission_and_its_undo(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS, fault: Fault
) -> list[tuple[str, str]]:
    """An account whose role is in use, taken to deleted and back to in-use with ``fault``
    armed, the role's description changed on the way: every write of the workflow is sent.
    Checks that both runs end right and the account is as it was; the writes that reached the
    local AWS."""
    in_use(account)
    account.wait_for_role()
    before = world(account)
    aws.set_faults([fault])
    options = PlanOptions(description="replayed")
    recorder.start(aws)
    runner = make_runner()
    decommission = runner.apply("deleted", options)
    assert (decommission.outcome, decommission.final_state) == (Outcome.DONE, "deleted"), (
        decommission.error
    )
    account.wait_for_no_role()
    undo = runner.apply("in-use", options)
    assert (undo.outcome, undo.final_state) == (Outcome.DONE, "in-use"), undo.error
    writes = sent(aws)
    assert world(account) == before
    assert account.wait_for_role()["Description"] == "replayed"
    assert runner.journal.unfinished(ACCOUNT, ROLE) == []
    return writes


@pytest.mark.parametrize("lost", sorted(LOST))
@pytest.mark.parametrize("write", WRITES, ids=[name for _, name in WRITES])
def test_a_workflow_write_whose_answer_was_lost_is_sent_again_to_the_same_end(
    make_runner: RunnerFactory,
    account: Account,
    aws: LocalAWS,
    write: tuple[str, str],
    lost: str,
) -> None:
    service, operation = write
    writes = the_decommission_and_its_undo(
        make_runner, account, aws, LOST[lost](service, operation)
    )
    [fault] = aws.armed_faults()
    assert fault["fired"] == 1, "the write was never sent: the test proves nothing"
    # The write whose answer was lost went out twice, the same both times; no other write
    # was repeated.
    [(repeated, times)] = [(w, n) for w, n in Counter(writes).items() if n > 1]
    assert (repeated[0], times) == (operation, 2)


# -- the journal's writes, in the shared table --------------------------------------------------

#: The contract's public methods that store nothing of their own: reads, the lease's block (made
#: of acquire, renew and release) and ``intent`` (stored through ``intents``). Every other one
#: is a journal write, and is tested below.
NOT_WRITES = frozenset(
    {
        "close",
        "completed",
        "fence",
        "intent",
        "lease",
        "memory",
        "open",
        "runs",
        "steps",
        "still_held",
        "unfinished",
    }
)
JOURNAL_WRITES = sorted(
    name
    for name, _ in inspect.getmembers(Journal, callable)
    if not name.startswith("_") and name not in NOT_WRITES
)
#: The lease's writes are single conditional updates of the lock item; every other journal
#: write is a fenced transaction.
LEASE_WRITES = frozenset({"acquire", "renew", "release"})
#: A lease no run outlives, however slow the machine (the renew case beats on its own).
LEASE_SECONDS = 600.0
#: A deletion task's time: it ends when the test moves the local AWS's clock past it.
LAG = 600.0


@pytest.fixture
def shared(aws: LocalAWS) -> Iterator[Callable[[], Journal]]:
    """Opens journals on one new state table of the local AWS."""
    url = state_table(aws)
    opened: list[Journal] = []

    def open_one() -> Journal:
        opened.append(open_journal(url, endpoint_url=aws.endpoint_url))
        return opened[-1]

    yield open_one
    for journal in opened:
        journal.close()


def arm_at_first(journal: Journal, write: str, aws: LocalAWS, fault: Fault) -> None:
    """Arm ``fault`` when ``journal``'s ``write`` is first called: it meets that write's own
    request (a result, written behind, meets the next transaction: the one that holds it)."""
    method = getattr(journal, write)
    armed: list[bool] = []

    def arming(*args: Any, **kwargs: Any) -> Any:
        if not armed:
            armed.append(True)
            aws.add_faults([fault])
        return method(*args, **kwargs)

    setattr(journal, write, arming)


@pytest.mark.parametrize("lost", sorted(LOST))
@pytest.mark.parametrize("write", JOURNAL_WRITES)
def test_a_journal_write_whose_answer_was_lost_is_sent_again_and_the_run_ends_right(
    shared: Callable[[], Journal], account: Account, aws: LocalAWS, write: str, lost: str
) -> None:
    in_use(account)
    account.wait_for_role()
    before = world(account)
    journal = shared()
    operation = "UpdateItem" if write in LEASE_WRITES else "TransactWriteItems"
    arm_at_first(journal, write, aws, LOST[lost]("dynamodb", operation))
    if write == "renew":
        # The run lasts past its first renewal: its deletion task ends once the heartbeat,
        # beating every 50 ms, has renewed the lease.
        aws.set_deletion_seconds(LAG)
        journal.heartbeat_pause = lambda stop, _seconds: stop.wait(0.05)
        renew = journal.renew

        def renew_then_end_the_task(*args: Any, **kwargs: Any) -> Any:
            try:
                return renew(*args, **kwargs)
            finally:
                aws.advance_clock(LAG)

        journal.renew = renew_then_end_the_task  # type: ignore[method-assign]
    settings = RunnerConfig(
        endpoint_url=aws.endpoint_url,
        regions=REGIONS,
        reject_wait_seconds=0.0,
        lease_seconds=LEASE_SECONDS,
    )
    runner = Runner(FAST, journal, settings)
    recorder.start(aws)
    if write == "forget":
        # Only a dry run's walk, step by step, forgets (its world, at the target).
        while (result := runner.apply("deleted", dry_run=True, step=True)).outcome != Outcome.DONE:
            assert result.outcome == Outcome.PENDING, result.error
        assert journal.memory(ACCOUNT, ROLE, "dry-run") == {}
        assert world(account) == before
    else:
        result = runner.apply("deleted")
        assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
        account.wait_for_no_role()
        assert journal.unfinished(ACCOUNT, ROLE) == []
        [run] = journal.runs(1)
        assert (run["outcome"], run["final_state"]) == (result.outcome.recorded, "deleted")
        # The lock is free: another runner takes it at once.
        assert shared().acquire(ACCOUNT, ROLE, holder="elsewhere:1").holder == "elsewhere:1"
    [fault] = aws.armed_faults()
    assert fault["fired"] == 1, f"{write} sent no {operation}: the test proves nothing"
    assert not [w for w, n in Counter(sent(aws)).items() if n > 1]
