"""Undo a whole decommission, and never start a way that cannot finish (issue 16)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.runner import Runner
from lifecycle.errors import Unreachable
from lifecycle.journal import open_journal
from lifecycle.model.decide import PlanOptions
from lifecycle.model.outcome import Outcome
from lifecycle.model.results import RunResult
from lifecycle.model.workflow import Activation
from localaws import LocalAWS
from localaws.seed import Account
from tests import recorder
from tests.lifecycle.conftest import FAST, REGIONS, RunnerFactory
from tests.recorder import is_write


def in_use(account: Account) -> None:
    account.configuration("us-east-1", "east-live", 100)
    account.configuration("eu-west-1", "west-live", 25)
    account.configuration("eu-west-1", "west-idle", 0)
    account.channel("us-west-2", "linear", ["AS_RUN"])


def logging_of(account: Account) -> dict[str, object]:
    return {
        "east-live": account.configurations("us-east-1")["east-live"],
        "west-live": account.configurations("eu-west-1")["west-live"],
        "west-idle": account.configurations("eu-west-1")["west-idle"],
        "linear": account.channels("us-west-2")["linear"],
    }


def triggers(result: RunResult) -> list[str | None]:
    return [step.transition for step in result.steps]


def test_a_decommission_is_undone_end_to_end(make_runner: RunnerFactory, account: Account) -> None:
    in_use(account)
    before = logging_of(account)
    assert make_runner().apply("deleted").outcome == Outcome.DONE
    account.wait_for_no_role()
    plan = make_runner().plan("in-use")
    assert triggers(plan) == ["create", "restore"]
    assert plan.outcome == Outcome.PENDING
    undone = make_runner().apply("in-use")
    assert (undone.outcome, undone.final_state) == (Outcome.DONE, "in-use"), undone.error
    assert triggers(undone) == ["create", "restore"]
    assert account.wait_for_role()
    assert logging_of(account) == before


def test_a_recorded_drain_is_restored_from_created_after_someone_recreated_the_role(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    before = logging_of(account)
    make_runner().apply("deleted")
    account.create_role()
    assert make_runner().status()[2] == "CREATED"
    result = make_runner().apply("in-use")
    assert (triggers(result), result.outcome) == (["restore"], Outcome.DONE)
    assert logging_of(account) == before


def test_in_use_without_activation_or_drain_is_refused_before_any_write(
    make_runner: RunnerFactory, account: Account
) -> None:
    with pytest.raises(Unreachable, match=r"in-use cannot be reached from absent: .*--activate"):
        make_runner().apply("in-use")
    account.wait_for_no_role()


# -- the property: refused up front with nothing sent, or the target is reached ---------------


def sent_writes(aws: LocalAWS) -> int:
    """Writes moto's recorder saw."""
    return sum(is_write(method, action) for method, action, _, _ in recorder.requests(aws))


def nothing(account: Account, make_runner: RunnerFactory) -> None:
    """absent"""


def created(account: Account, make_runner: RunnerFactory) -> None:
    account.configuration("us-east-1", "east-idle", 0)
    make_runner().apply("created")


def draining(account: Account, make_runner: RunnerFactory) -> None:
    in_use(account)
    make_runner().apply("deleted", step=True)


def deletable(account: Account, make_runner: RunnerFactory) -> None:
    in_use(account)
    make_runner().apply("deletable")


def deleted(account: Account, make_runner: RunnerFactory) -> None:
    in_use(account)
    make_runner().apply("deleted")


START = {
    "absent": nothing,
    "created": created,
    "in-use": lambda account, _runner: in_use(account),
    "draining": draining,
    "deletable": deletable,
    "deleted": deleted,
}
TARGETS = ("created", "in-use", "deletable", "deleted")
ACTIVATIONS: dict[str, PlanOptions] = {
    "none": PlanOptions(),
    "known": PlanOptions(activation=Activation((("us-east-1", "east-idle"),), {"percent": 50})),
    "unknown": PlanOptions(activation=Activation((("us-east-1", "nowhere"),), {"percent": 50})),
}


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("start", sorted(START))
def test_a_way_is_refused_with_nothing_sent_or_reaches_its_target(
    aws: LocalAWS, tmp_path: Path, start: str, target: str, activation: str
) -> None:
    # Every start, target and activation: 72 cases, each of them run.
    account = Account(aws.endpoint_url)
    journal = open_journal(tmp_path / "state")

    def make_runner() -> Runner:
        config = RunnerConfig(
            endpoint_url=aws.endpoint_url, regions=REGIONS, reject_wait_seconds=0.0
        )
        return Runner(FAST, journal, config)

    prepare: Callable[[Account, RunnerFactory], None] = START[start]
    prepare(account, make_runner)
    recorder.start(aws)
    try:
        result = make_runner().apply(target, ACTIVATIONS[activation])
    except Unreachable:
        assert sent_writes(aws) == 0
        return
    finally:
        recorder.stop(aws)
    assert result.outcome == Outcome.DONE, result.error
    assert FAST.definition.reached(result.final_state, target), result.final_state
