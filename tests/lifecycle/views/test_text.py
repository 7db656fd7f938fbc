"""What ``slr`` prints for people (lifecycle/views/text.py), from the documents ``--output
json`` prints: runs and plans, status, history, the progress line."""

from __future__ import annotations

import io
import re

from lifecycle.views.text import (
    Progress,
    dependents_table,
    history_text,
    run_text,
    settings_text,
    status_document,
    status_text,
)
from localaws.seed import Account
from tests.lifecycle.conftest import REGIONS, RunnerFactory

WITH_OPT_IN = (*REGIONS, "af-south-1")


def in_use(account: Account) -> None:
    account.configuration("us-east-1", "east-live", 100)
    account.configuration("eu-west-1", "west-idle", 0)


def test_settings_are_sorted_pairs_with_lists_joined_and_empty_ones_dashed() -> None:
    text = settings_text({"b": 2, "a": ["x", "y"], "c": []})
    assert text == "a=x,y b=2 c=-"


def test_a_plan_shows_each_step_its_writes_its_reads_and_the_end(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    document = make_runner().plan("deleted").as_dict()
    lines = run_text(document).splitlines()
    assert lines[0] == f"plan: in-use -> deleted (run {document['run_id']})"
    assert "  1. drain: in-use -> draining  [simulated]" in lines
    assert (
        "       mediatailor:ConfigureLogsForPlaybackConfiguration [us-east-1] "
        "EnabledLoggingStrategies=VENDED_LOGS PercentEnabled=0 PlaybackConfigurationName=east-live"
    ) in lines
    verify = lines.index("  2. verify: draining -> deletable  [simulated]")
    assert re.fullmatch(r" {7}\+ \d+ reads", lines[verify + 1])
    delete = "iam:DeleteServiceLinkedRole [us-east-1] RoleName=AWSServiceRoleForMediaTailor"
    assert f"       {delete}" in lines
    assert lines[-1] == "final state: deleted"


def test_a_run_names_the_regions_left_out_and_the_opt_in_regions_skipped(
    make_runner: RunnerFactory,
) -> None:
    runner = make_runner(regions=WITH_OPT_IN)
    document = runner.plan("created").as_dict()
    lines = run_text(document).splitlines()
    left_out = document["regions_left_out"]
    assert (
        f"regions left out by --regions, not scanned: {len(left_out)} of "
        f"{len(left_out) + len(WITH_OPT_IN)} ({', '.join(left_out)})"
    ) in lines
    assert "skipped regions: af-south-1 (opt-in region disabled in this account)" in lines


def test_a_run_with_nothing_to_do_says_so(make_runner: RunnerFactory, account: Account) -> None:
    account.create_role()
    document = make_runner().apply("created").as_dict()
    assert run_text(document).splitlines()[-2:] == [
        "  nothing to do: already created",
        "final state: created",
    ]


def test_a_failed_run_ends_with_its_error_and_a_step_with_its_own() -> None:
    step = {
        "transition": "verify",
        "from": "draining",
        "to": "draining",
        "status": "blocked",
        "operations": [],
        "error": "east-live is active again",
        "detail": {},
    }
    document = {
        "command": "apply",
        "dry_run": False,
        "run_id": "r1",
        "start_state": "draining",
        "target": "deleted",
        "final_state": "draining",
        "steps": [step],
        "error": "east-live is active again",
    }
    assert run_text(document).splitlines() == [
        "apply: draining -> deleted (run r1)",
        "  1. verify: draining -> draining  [blocked]",
        "       ! east-live is active again",
        "final state: draining",
        "error: east-live is active again",
    ]


def test_status_shows_the_role_its_dependents_as_a_table_and_the_skipped_regions(
    make_runner: RunnerFactory, account: Account
) -> None:
    account.create_role()
    in_use(account)
    runner = make_runner(regions=WITH_OPT_IN)
    account_id, world, state = runner.status()
    document = status_document(runner, account_id, world, state)
    lines = status_text(document, world).splitlines()
    assert lines[:3] == [
        "workflow    mediatailor",
        f"account     {account_id}",
        "state       in-use",
    ]
    assert lines[3] == f"role        {document['role']['arn']}"
    assert "dependents  2 found, 1 active, 3 regions scanned" in lines
    table = dependents_table(world)
    assert table[0].split() == ["REGION", "KIND", "NAME", "ACTIVE", "SETTINGS"]
    assert all(line in lines for line in table)
    # The table's columns line up: every row's NAME starts where the header's does.
    column = table[0].index("NAME")
    assert {row[column:].split()[0] for row in table[1:]} == {"east-live", "west-idle"}
    assert "skipped     af-south-1 (opt-in region disabled in this account)" in lines


def test_status_of_an_empty_account_says_the_role_is_absent_and_nothing_was_found(
    make_runner: RunnerFactory,
) -> None:
    runner = make_runner()
    account_id, world, state = runner.status()
    lines = status_text(status_document(runner, account_id, world, state), world).splitlines()
    assert "role        (absent)" in lines
    assert lines[-1] == "  (no dependents in the scanned regions)"


def test_history_lists_runs_and_a_runs_steps_with_each_calls_outcome(
    make_runner: RunnerFactory, account: Account
) -> None:
    in_use(account)
    runner = make_runner()
    assert history_text(runner.journal.runs(), None) == "(no runs yet)\n"
    result = runner.apply("deleted", step=True)
    header, row = history_text(runner.journal.runs(), None).splitlines()
    assert header.split() == ["STARTED", "RUN", "COMMAND", "TARGET", "OUTCOME", "FINAL"]
    assert row.split()[2:] == [result.run_id, "apply", "deleted", "pending", "draining"]
    step, call = history_text([], runner.journal.steps(result.run_id)).splitlines()
    assert step.endswith("drain: IN_USE -> DRAINING  [succeeded]")
    assert call == (
        "    mediatailor:ConfigureLogsForPlaybackConfiguration [us-east-1] "
        "ConfigureLogsForPlaybackConfiguration:us-east-1:east-live  ok"
    )


def test_progress_draws_one_line_on_a_terminal_and_clears_it_and_is_silent_elsewhere() -> None:
    terminal = io.StringIO()
    progress = Progress(terminal, live=True)
    progress("scanning 3 regions")
    progress.done()
    assert terminal.getvalue() == "\r\033[Kscanning 3 regions\r\033[K"
    piped = io.StringIO()  # not a terminal: isatty() is False
    silent = Progress(piped)
    silent("scanning 3 regions")
    silent.done()
    assert piped.getvalue() == ""
