"""The exit codes are a contract runners branch on: README's table names each one ``slr``
returns, and only those."""

from __future__ import annotations

import re
from pathlib import Path

from lifecycle.cli import exits

README = Path(__file__).parents[3] / "README.md"


def test_the_readme_names_every_exit_code_and_no_other() -> None:
    text = README.read_text()
    table = text[text.index("### Exit codes") : text.index("### JSON output")]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert documented == {*exits.CODES.values(), exits.USAGE}
