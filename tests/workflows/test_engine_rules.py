"""The engine's promises, held for every registered workflow on its own demo account (the
account ``slr demo --workflow W`` seeds): a decommission never creates, a dry run writes
nothing, a decommission ends with the role gone, and a second one writes nothing."""

from __future__ import annotations

import pytest

from lifecycle.errors import NeedsPerson
from lifecycle.model.outcome import Outcome
from lifecycle.model.results import RunResult
from lifecycle.registry import get, workflows
from localaws import LocalAWS
from localaws.seed import Account
from tests import recorder
from tests.recorder import is_write
from tests.workflows.conftest import RunnerOf

WITH_DEMO = [name for name, workflow in workflows().items() if workflow.demo is not None]


def fired(result: RunResult) -> list[str]:
    """The transitions a run fired (a run with nothing to do has one no-op step)."""
    return [step.transition for step in result.steps if step.transition is not None]


def writes_sent(aws: LocalAWS) -> list[str]:
    return [action for method, action, _, _ in recorder.requests(aws) if is_write(method, action)]


def demo_account(aws: LocalAWS, name: str) -> Account:
    demo = get(name).demo
    assert demo is not None
    demo.seed(aws.endpoint_url)
    account = Account(aws.endpoint_url)
    account.wait_for_role(get(name).role_name)
    return account


def cleared_by_hand(aws: LocalAWS, name: str) -> None:
    """What a person does where only a person can clear a dependent (the demo's own)."""
    demo = get(name).demo
    if demo is not None and demo.by_hand is not None:
        demo.by_hand(aws.endpoint_url)


@pytest.mark.parametrize("name", list(workflows()))
def test_a_decommission_of_an_account_without_the_role_sends_no_write(
    name: str, aws: LocalAWS, runner_of: RunnerOf
) -> None:
    recorder.start(aws)
    result = runner_of(name).apply("deleted")
    assert (result.outcome, result.start_state, fired(result)) == (Outcome.DONE, "absent", [])
    assert writes_sent(aws) == []


@pytest.mark.parametrize("name", WITH_DEMO)
def test_a_plan_of_the_decommission_writes_nothing(
    name: str, aws: LocalAWS, runner_of: RunnerOf
) -> None:
    demo_account(aws, name)
    recorder.start(aws)
    try:
        result = runner_of(name).plan("deleted")
    except NeedsPerson:
        assert any(kind.person_only for kind in get(name).kinds)
    else:
        assert (result.outcome, result.final_state) == (Outcome.PENDING, "deleted")
        assert "create" not in fired(result)
    assert writes_sent(aws) == []


@pytest.mark.parametrize("name", WITH_DEMO)
def test_a_decommission_ends_with_the_role_gone_and_a_second_one_writes_nothing(
    name: str, aws: LocalAWS, runner_of: RunnerOf
) -> None:
    account = demo_account(aws, name)
    cleared_by_hand(aws, name)
    result = runner_of(name).apply("deleted")
    assert (result.outcome, result.final_state) == (Outcome.DONE, "deleted"), result.error
    assert "create" not in fired(result)
    account.wait_for_no_role(get(name).role_name)
    recorder.start(aws)
    again = runner_of(name).apply("deleted")
    assert (again.outcome, fired(again)) == (Outcome.DONE, [])
    assert writes_sent(aws) == []
