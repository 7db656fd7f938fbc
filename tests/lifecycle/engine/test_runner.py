"""The runner (lifecycle/engine/runner.py): its one walk to a target, real or simulated, one
step at a time or whole, under the lease, from a saved plan that must still hold."""

from __future__ import annotations

import pytest

from lifecycle.engine.config import SIMULATED_WORLD
from lifecycle.engine.runner import still_in_use
from lifecycle.errors import LockHeld, StalePlan
from lifecycle.model.observation import Intent, Observation, RoleUsage
from localaws.seed import Account
from tests.lifecycle.conftest import REGIONS, RunnerFactory

ROLE = "AWSServiceRoleForMediaTailor"


def in_use(account: Account) -> None:
    account.configuration("us-east-1", "east-live", 100)
    account.configuration("eu-west-1", "west-live", 25)


def walk(document: dict[str, object]) -> list[tuple[object, object]]:
    steps = document["steps"]
    assert isinstance(steps, list)
    return [(step["transition"], step["status"]) for step in steps]


def test_a_target_already_reached_is_one_noop_step_and_nothing_sent(
    make_runner: RunnerFactory, account: Account
) -> None:
    account.create_role()
    document = make_runner().apply("created").as_dict()
    assert walk(document) == [(None, "noop")]
    assert (document["start_state"], document["final_state"]) == ("created", "created")
    assert [op for op in document["steps"][0]["operations"] if op["access"] == "write"] == []


def test_a_plan_walks_the_whole_way_simulated_and_changes_nothing(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    document = make_runner().plan("deleted").as_dict()
    assert (document["command"], document["dry_run"]) == ("plan", True)
    assert walk(document) == [
        ("drain", "simulated"),
        ("verify", "simulated"),
        ("delete", "simulated"),
    ]
    assert document["final_state"] == "deleted"
    assert account.role() is not None
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 100


def test_a_real_apply_reaches_the_target_and_the_journal_records_the_run(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    runner = make_runner()
    result = runner.apply("deleted")
    assert result.final_state == "deleted", result.error
    account.wait_for_no_role()
    (run,) = runner.journal.runs()
    assert (run["run_id"], run["outcome"], run["final_state"]) == (
        result.run_id,
        "succeeded",
        "deleted",
    )


def test_step_takes_one_transition_and_the_next_run_goes_on_from_there(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    first = make_runner().apply("deleted", step=True).as_dict()
    assert walk(first) == [("drain", "succeeded")]
    assert first["final_state"] != "deleted"
    second = make_runner().apply("deleted", step=True).as_dict()
    assert walk(second) == [("verify", "succeeded")]


def test_a_stepped_dry_run_keeps_its_simulated_world_until_the_target(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    runner = make_runner()
    first = runner.apply("deleted", dry_run=True, step=True)
    assert walk(first.as_dict()) == [("drain", "simulated")]
    kept = runner.journal.memory(first.account, ROLE, SIMULATED_WORLD)["world"]
    assert not Observation.from_dict(kept).active  # the simulated drain, not AWS's world
    assert account.configurations("eu-west-1")["west-live"]["PercentEnabled"] == 25
    assert walk(runner.apply("deleted", dry_run=True, step=True).as_dict()) == [
        ("verify", "simulated")
    ]
    assert walk(runner.apply("deleted", dry_run=True, step=True).as_dict()) == [
        ("delete", "simulated")
    ]
    # The target reached, the simulated world is forgotten: the next one starts from AWS's.
    assert runner.journal.memory(first.account, ROLE, SIMULATED_WORLD) == {}


def test_regions_narrowed_by_the_caller_report_those_left_out(
    make_runner: RunnerFactory,
) -> None:
    runner = make_runner(regions=("us-east-1",))
    document = runner.plan("created").as_dict()
    assert document["regions"] == ["us-east-1"]
    assert set(document["regions_left_out"]) == set(runner.known_regions()) - {"us-east-1"}
    assert set(REGIONS) - {"us-east-1"} <= set(document["regions_left_out"])


def test_a_saved_plan_whose_world_changed_is_refused_before_any_write(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    saved = make_runner().plan("deleted").as_dict()
    account.configuration("us-west-2", "late-live", 50)  # someone turned one more on
    with pytest.raises(StalePlan, match="the world changed since it was made"):
        make_runner().apply("deleted", plan=saved)
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 100


def test_a_real_run_refuses_to_start_while_another_holds_the_lease(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    runner = make_runner()
    account_id, _, _ = runner.status()
    runner.journal.acquire(account_id, ROLE, holder="someone-else", lease_seconds=600.0)
    with pytest.raises(LockHeld):
        runner.apply("deleted")
    assert runner.journal.runs() == []
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 100


def test_still_in_use_names_each_resource_iam_reported_one_a_line() -> None:
    usage = (RoleUsage("eu-west-1", ("arn:a", "arn:b")),)
    text = still_in_use(Observation(role=None, intent=Intent(rejects=2)), usage)
    assert text.splitlines() == [
        "role still in use after 2 deletion attempts",
        "  eu-west-1: arn:a",
        "  eu-west-1: arn:b",
        "  (IAM's list may be partial, and a region it names may be wrong)",
    ]
    assert still_in_use(Observation(role=None), ()).splitlines() == [
        "role still in use after 1 deletion attempt",
        "  (IAM named no resource)",
    ]
