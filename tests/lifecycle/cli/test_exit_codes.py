"""The exit codes are a contract runners branch on: README's table names each one ``slr``
returns, and only those."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from lifecycle.cli import exits, main

README = Path(__file__).parents[3] / "README.md"


def test_the_readme_names_every_exit_code_and_no_other() -> None:
    text = README.read_text()
    table = text[text.index("### Exit codes") : text.index("### JSON output")]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert documented == {*exits.CODES.values(), exits.USAGE}


def test_an_option_error_has_the_one_prefix_readme_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "(`slr: error: ...`)" in README.read_text()
    code = main(["plan", "--no-such-option"])
    err = capsys.readouterr().err
    assert code == exits.USAGE
    assert err.startswith("slr: error: No such option '--no-such-option'")
    assert err.count("\n") == 1


def test_declining_the_confirmation_exits_1_changing_nothing_as_readme_says(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = README.read_text()
    table = text[text.index("### Exit codes") : text.index("### JSON output")]
    assert "declining `apply`'s confirmation" in re.search(r"^\| 1 \|.*$", table, re.M)[0]  # type: ignore[index]
    answer = io.StringIO("n\n")
    answer.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", answer)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    # The prompt comes before any AWS call: no endpoint is needed to see it declined.
    state = tmp_path / "state"
    code = main(["--state", str(state), "apply", "--target", "deleted"])
    err = capsys.readouterr().err
    assert code == exits.ERROR
    assert err.startswith("Walk mediatailor to deleted in this account? [y/N]: ")
    assert err.endswith("slr: error: not confirmed; nothing changed\n")
    assert not state.exists()
