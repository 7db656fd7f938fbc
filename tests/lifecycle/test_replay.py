"""Every write replays safely: an answer lost after the write took effect (an applied 500, a
dropped connection) makes the engine send it again, and the run still ends right.

One test per write the workflow sends (from its definitions) and per journal write (from the
journal's contract), with each way of losing an answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import botocore.session
import pytest

from lifecycle import exits
from lifecycle.decide import PlanOptions
from localaws import Fault, LocalAWS
from localaws.seed import Account
from tests import recorder
from tests.lifecycle.conftest import FAST, REGIONS, RunnerFactory
from tests.lifecycle.test_cli import in_use

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
    assert (decommission.exit_code, decommission.final_state) == (exits.OK, "deleted"), (
        decommission.error
    )
    account.wait_for_no_role()
    undo = runner.apply("in-use", options)
    assert (undo.exit_code, undo.final_state) == (exits.OK, "in-use"), undo.error
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
