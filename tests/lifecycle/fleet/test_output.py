"""A fleet's outcomes, exit code and progress bar."""

from __future__ import annotations

import io

import pytest

from lifecycle.cli import exits
from lifecycle.fleet import AccountResult, FleetProgress, FleetResult, Outcome
from lifecycle.model.outcome import Outcome as RunOutcome


def result(*outcomes: tuple[Outcome, RunOutcome | None]) -> FleetResult:
    accounts = [
        AccountResult(f"{n:012d}", outcome, run, None) for n, (outcome, run) in enumerate(outcomes)
    ]
    return FleetResult("apply", "mediatailor", "f", accounts)


DONE, PENDING, HELD = RunOutcome.DONE, RunOutcome.PENDING, RunOutcome.LOCK_HELD


@pytest.mark.parametrize(
    ("outcomes", "code"),
    [
        ([(Outcome.SUCCEEDED, DONE), (Outcome.ELSEWHERE, None)], exits.OK),
        ([(Outcome.SUCCEEDED, DONE), (Outcome.PENDING, PENDING)], exits.CHANGES_PENDING),
        ([(Outcome.PENDING, PENDING), (Outcome.HELD, HELD)], exits.LOCK_HELD),
        ([(Outcome.HELD, HELD), (Outcome.FAILED, RunOutcome.IN_USE)], exits.ERROR),
        ([(Outcome.SUCCEEDED, DONE), (Outcome.NOT_STARTED, None)], exits.ERROR),
        ([(Outcome.ELSEWHERE, None)], exits.OK),
    ],
)
def test_the_fleet_exit_code_is_1_on_any_failure_else_the_highest(
    outcomes: list[tuple[Outcome, RunOutcome | None]], code: int
) -> None:
    fleet = result(*outcomes)
    assert exits.code(fleet.outcome) == code
    assert fleet.as_dict(exits.CODES)["summary"]["exit_code"] == code


def test_each_account_says_its_own_exit_code_as_the_command_line_numbers_it() -> None:
    fleet = result((Outcome.FAILED, RunOutcome.IN_USE), (Outcome.ELSEWHERE, None))
    accounts = fleet.as_dict(exits.CODES)["accounts"]
    assert [a["exit_code"] for a in accounts] == [exits.IN_USE, None]
    assert fleet.accounts[0].record("me", exits.CODES)["exit_code"] == exits.IN_USE


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_shows_done_total_failures_and_each_running_step() -> None:
    stream = Terminal()
    progress = FleetProgress(stream)
    progress.start(4)
    progress.begin("111111111111")
    progress.end(
        "111111111111", AccountResult("111111111111", Outcome.FAILED, RunOutcome.ERROR, None)
    )
    progress.step("222222222222", "drain: 3/10 dependents")
    assert progress.line() == (
        "[######..................] 1/4 accounts, 1 failed | 222222222222: drain: 3/10 dependents"
    )
    progress.done()
    assert stream.getvalue().endswith("\r\033[K")


def test_no_progress_bar_without_a_terminal() -> None:
    stream = io.StringIO()
    progress = FleetProgress(stream)
    progress.start(2)
    progress.step("111111111111", "scan")
    progress.done()
    assert stream.getvalue() == ""
