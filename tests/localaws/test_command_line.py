"""The local AWS's settings as options of ``python -m localaws`` and ``slr local-aws``."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from localaws.control import ENDPOINT_LINE_PREFIX
from localaws.settings import Settings


def settings_of_a_server_started_with(command: list[str]) -> dict[str, Any]:
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = next(line for line in server.stdout if line.startswith(ENDPOINT_LINE_PREFIX))
        endpoint = line.strip().removeprefix(ENDPOINT_LINE_PREFIX)
        with urllib.request.urlopen(f"{endpoint}/_localaws/settings") as answer:
            settings: dict[str, Any] = json.loads(answer.read())
            return settings
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_python_m_localaws_takes_every_setting_as_an_option() -> None:
    # Every field of Settings, each away from its default: a new setting is covered too.
    changed = {
        name: (not value) if Settings.is_flag(name) else value + 7.5
        for name, value in Settings().to_dict().items()
    }
    options = Settings().changed(changed).command_line()
    settings = settings_of_a_server_started_with(
        [sys.executable, "-m", "localaws", "--port", "0", "--quiet", *options]
    )
    assert settings == changed


def test_python_m_localaws_refuses_a_bad_value_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "localaws", "--iam-consistency-seconds", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "iam_consistency_seconds must be a finite number >= 0" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            [],
            {
                "short_pages": True,
                "opt_in_regions_disabled": True,
                "iam_consistency_seconds": 1.0,
                "region_change_seconds": 3.0,
                "credential_seconds": 3600.0,
            },
        ),
        (
            [
                "--full-pages",
                "--opt-in-regions-enabled",
                "--iam-consistency-seconds",
                "0",
                "--region-change-seconds",
                "0",
                "--credential-seconds",
                "30",
            ],
            {
                "short_pages": False,
                "opt_in_regions_disabled": False,
                "dynamodb_transaction_seconds": 0.0,
                "iam_consistency_seconds": 0.0,
                "region_change_seconds": 0.0,
                "credential_seconds": 30.0,
            },
        ),
    ],
    ids=["harsh-by-default", "kinder-on-request"],
)
def test_slr_local_aws_passes_its_options_on(options: list[str], expected: dict[str, Any]) -> None:
    settings = settings_of_a_server_started_with(
        [sys.executable, "-m", "lifecycle.cli", "local-aws", "--port", "0", *options]
    )
    assert {name: settings[name] for name in expected} == expected


def test_slr_local_aws_has_an_option_for_every_setting() -> None:
    from lifecycle.cli import local  # noqa: F401  (registers the command)
    from lifecycle.cli.base import cli

    command = cli.commands["local-aws"]
    names = {param.name for param in command.params}
    assert set(Settings.names()) <= names


# -- localaws/README.md's settings table says what the commands do ---------------------------

README = Path(__file__).parents[2] / "localaws" / "README.md"


def readme_settings() -> dict[str, list[str]]:
    """Each row of README's settings table: the setting's name -> its cells after the name."""
    section = README.read_text().split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) > 2:
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def slr_local_aws_cell(name: str) -> str:
    """What ``slr local-aws`` offers for setting ``name``: its options and the value it starts
    with, read from the click command itself."""
    from lifecycle.cli import local  # noqa: F401  (registers the command)
    from lifecycle.cli.base import cli

    param = next(p for p in cli.commands["local-aws"].params if p.name == name)
    default = Settings().to_dict()[name] if param.default is None else param.default
    if Settings.is_flag(name):
        return f"`{param.opts[0]}`/`{param.secondary_opts[0]}`, {'on' if default else 'off'}"
    return f"`{param.opts[0]} S`, {float(default)!r}"


def test_the_readme_gives_each_settings_default_and_slr_local_aws_option_as_they_are() -> None:
    # Both read from the code: Settings' defaults, and the click command's options and the
    # values it starts with (where they differ, as deletion_seconds does).
    expected = {
        name: [
            json.dumps(value) if isinstance(value, bool) else repr(value),
            slr_local_aws_cell(name),
        ]
        for name, value in Settings().to_dict().items()
    }
    assert {name: cells[:2] for name, cells in readme_settings().items()} == expected
