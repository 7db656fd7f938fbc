"""The two ways a step is taken (lifecycle/engine/executors.py): for real, journaling each
step and each write, and simulated, from the same effects with nothing sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecycle.engine.executors import StepJournal, failed_deletion
from lifecycle.errors import LeaseLost
from lifecycle.journal import Journal, open_journal
from lifecycle.model.calls import Call
from lifecycle.model.observation import Intent
from localaws import Fault, LocalAWS
from localaws.seed import Account
from tests.lifecycle.conftest import RunnerFactory
from tests.lifecycle.engine.deletion import task_of

ROLE = "AWSServiceRoleForMediaTailor"
SCOPE = ("123456789012", ROLE)
CONFIGURE = "ConfigureLogsForPlaybackConfiguration"


def in_use(account: Account) -> None:
    account.configuration("us-east-1", "east-live", 100)
    account.configuration("eu-west-1", "west-live", 25)


def a_step(tmp_path: Path) -> tuple[Journal, StepJournal]:
    journal = open_journal(tmp_path / "journal")
    journal.start_run(
        "run-1",
        workflow="mediatailor",
        account=SCOPE[0],
        role=ROLE,
        command="apply",
        target="deleted",
        dry_run=False,
    )
    step_id = journal.start_step("run-1", transition="drain", from_state="IN_USE")
    return journal, StepJournal(journal, step_id, SCOPE)


def calls_of(journal: Journal) -> list[dict[str, object]]:
    (step,) = journal.steps("run-1")
    return list(step["calls"])


def test_a_write_is_journaled_with_its_key_before_it_is_sent_and_its_result_after(
    tmp_path: Path,
) -> None:
    journal, step = a_step(tmp_path)
    params = {"PlaybackConfigurationName": "west-live", "PercentEnabled": 0}
    token = step.before_write(Call("mediatailor", CONFIGURE, "eu-west-1", params, "west-live"))
    (before,) = calls_of(journal)
    assert before["key"] == f"{CONFIGURE}:eu-west-1:west-live"
    assert before["ok"] is None  # sent and not answered yet: what a crash leaves
    step.after_write(token, ok=True, response={"PercentEnabled": 0}, error=None, attempts=2)
    (after,) = calls_of(journal)
    assert (after["ok"], after["response"], after["attempts"]) == (True, {"PercentEnabled": 0}, 2)


def test_intents_stored_ahead_and_never_sent_get_a_result_saying_so(tmp_path: Path) -> None:
    journal, step = a_step(tmp_path)
    planned = [
        Call("mediatailor", CONFIGURE, region, {"PlaybackConfigurationName": name}, name)
        for region, name in (("us-east-1", "east-live"), ("eu-west-1", "west-live"))
    ]
    with step.ahead(planned, window=len(planned)):
        token = step.before_write(planned[0])
        step.after_write(token, ok=True, response=None, error=None, attempts=1)
    # Both intents were stored; the second write was never sent, and the journal says so.
    outcome = {c["key"]: (c["ok"], c["error"]) for c in calls_of(journal)}
    assert outcome == {
        f"{CONFIGURE}:us-east-1:east-live": (True, None),
        f"{CONFIGURE}:eu-west-1:west-live": (False, "not sent"),
    }


def test_no_write_goes_out_once_the_lease_can_no_longer_be_counted_on(tmp_path: Path) -> None:
    journal, step = a_step(tmp_path)
    # A lease of no length: by this machine's own clock it cannot be counted on already.
    journal.acquire(*SCOPE, holder="me", lease_seconds=0.0)
    with pytest.raises(LeaseLost):
        step.before_write(
            Call("mediatailor", CONFIGURE, "eu-west-1", {"PlaybackConfigurationName": "x"})
        )


def test_a_real_run_journals_each_step_and_each_write_it_sent(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    runner = make_runner()
    result = runner.apply("deleted")
    assert result.final_state == "deleted", result.error
    steps = runner.journal.steps(result.run_id)
    assert [(s["transition"], s["status"]) for s in steps] == [
        ("drain", "succeeded"),
        ("verify", "succeeded"),
        ("delete", "succeeded"),
    ]
    written = {(c["operation"], c["region"], c["ok"]) for step in steps for c in step["calls"]}
    reported = {
        (op["operation"], op["region"], op["outcome"] == "ok")
        for step in result.as_dict()["steps"]
        for op in step["operations"]
        if op["access"] == "write"
    }
    assert written == reported
    assert (CONFIGURE, "eu-west-1", True) in written
    assert ("DeleteServiceLinkedRole", "us-east-1", True) in written


def test_a_real_step_counts_the_throttled_answers_it_got(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    aws.set_faults([Fault(service="mediatailor", operation=CONFIGURE, kind="throttle", count=2)])
    result = make_runner().apply("deleted", step=True)
    (drain,) = result.as_dict()["steps"]
    assert (drain["transition"], drain["status"]) == ("drain", "succeeded")
    assert drain["detail"]["throttled"] == 2


def test_a_simulated_walk_sends_no_write_and_journals_its_run_as_a_dry_run(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    runner = make_runner()
    result = runner.apply("deleted", dry_run=True)
    steps = result.as_dict()["steps"]
    assert [(s["transition"], s["status"]) for s in steps] == [
        ("drain", "simulated"),
        ("verify", "simulated"),
        ("delete", "simulated"),
    ]
    writes = [op for s in steps for op in s["operations"] if op["access"] == "write"]
    assert {op["operation"] for op in writes} == {CONFIGURE, "DeleteServiceLinkedRole"}
    assert {op["outcome"] for op in writes} == {"simulated"}
    [run] = runner.journal.runs()
    assert (run["run_id"], run["dry_run"], run["final_state"]) == (result.run_id, True, "deleted")
    journaled = runner.journal.steps(result.run_id)
    assert [(s["transition"], s["status"]) for s in journaled] == [
        ("drain", "simulated"),
        ("verify", "simulated"),
        ("delete", "simulated"),
    ]
    assert [c for s in journaled for c in s["calls"]] == []
    assert account.configurations("eu-west-1")["west-live"]["PercentEnabled"] == 25


def test_a_simulated_verify_shows_the_reads_it_would_make_in_every_scanned_region(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    result = make_runner().apply("deleted", dry_run=True)
    verify = next(s for s in result.as_dict()["steps"] if s["transition"] == "verify")
    lists = {
        op["region"]
        for op in verify["operations"]
        if op["operation"] == "ListPlaybackConfigurations"
    }
    assert lists == set(result.regions)
    assert {op["outcome"] for op in verify["operations"]} == {"simulated"}


def test_failed_deletion_is_true_of_a_world_whose_deletion_task_failed_only(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    aws.set_settings(task_retention_seconds=60.0)
    account.create_role()
    account.configuration("eu-west-1", "west-live", 25)
    runner = make_runner()
    observer, gateway = runner.observer(), runner.aws(dry_run=True)
    assert not failed_deletion(observer.observe(gateway, Intent()))
    task_id = task_of(account, "FAILED")
    assert failed_deletion(observer.observe(gateway, Intent(task_id=task_id)))
