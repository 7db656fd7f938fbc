"""A fleet's outcomes, exit code and progress bar."""

from __future__ import annotations

import io

import pytest

from lifecycle.cli import exits
from lifecycle.fleet import AccountResult, FleetProgress, FleetResult, Outcome


def result(*outcomes: tuple[Outcome, int | None]) -> FleetResult:
    accounts = [
        AccountResult(f"{n:012d}", outcome, code, None)
        for n, (outcome, code) in enumerate(outcomes)
    ]
    return FleetResult("apply", "mediatailor", "f", accounts)


@pytest.mark.parametrize(
    ("outcomes", "code"),
    [
        ([(Outcome.SUCCEEDED, 0), (Outcome.ELSEWHERE, None)], exits.OK),
        ([(Outcome.SUCCEEDED, 0), (Outcome.PENDING, 2)], exits.CHANGES_PENDING),
        ([(Outcome.PENDING, 2), (Outcome.HELD, 3)], exits.LOCK_HELD),
        ([(Outcome.HELD, 3), (Outcome.FAILED, 4)], exits.ERROR),
        ([(Outcome.SUCCEEDED, 0), (Outcome.NOT_STARTED, None)], exits.ERROR),
        ([(Outcome.ELSEWHERE, None)], exits.OK),
    ],
)
def test_the_fleet_exit_code_is_1_on_any_failure_else_the_highest(
    outcomes: list[tuple[Outcome, int | None]], code: int
) -> None:
    assert result(*outcomes).exit_code == code


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_shows_done_total_failures_and_each_running_step() -> None:
    stream = Terminal()
    progress = FleetProgress(stream)
    progress.start(4)
    progress.begin("111111111111")
    progress.end("111111111111", AccountResult("111111111111", Outcome.FAILED, 1, None))
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
