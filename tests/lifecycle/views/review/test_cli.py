"""`slr plan --format markdown` and `slr history --format html` as a user runs them (in process,
through main(), against the local AWS)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import structlog

from lifecycle.cli import exits, main
from localaws import LocalAWS
from localaws.seed import Account

Slr = Callable[..., tuple[int, str, str]]


@pytest.fixture
def slr(aws: LocalAWS, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Slr]:
    """``slr(*args)`` -> (exit code, stdout, stderr)."""
    base = [
        "--endpoint-url",
        aws.endpoint_url,
        "--state-dir",
        str(tmp_path / "state"),
        "--regions",
        "us-east-1,eu-west-1,us-west-2",
        "--log-level",
        "error",
    ]

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*base, *args])
        out, err = capsys.readouterr()
        return code, out, err

    # main() points structlog at this test's captured stderr: later tests must not log there.
    saved = structlog.get_config()
    yield run
    structlog.configure(**saved)


@pytest.fixture
def in_use(account: Account) -> Account:
    account.configuration("us-east-1", "east-live", 100)
    account.channel("us-west-2", "linear", ["AS_RUN"])
    return account


@pytest.mark.usefixtures("in_use")
def test_plan_format_markdown_prints_the_comment_with_current_settings(slr: Slr) -> None:
    code, out, _ = slr("plan", "--target", "deleted", "--format", "markdown")
    assert code == exits.CHANGES_PENDING
    assert out.startswith("# slr plan: AWSServiceRoleForMediaTailor → deleted\n")
    dependents = out.split("### Dependents this plan changes")[1]
    assert "| `us-east-1` | playback-configuration | `east-live` |" in dependents
    assert "PercentEnabled=100" in dependents  # the current setting, from the observation
    assert "| `us-west-2` | channel | `linear` | `LogTypes=AS_RUN` | `LogTypes=-` |" in dependents


@pytest.mark.usefixtures("in_use")
def test_plan_o_md_writes_markdown_and_prints_the_text_plan(slr: Slr, tmp_path: Path) -> None:
    code, out, _ = slr("plan", "--target", "deleted", "-o", str(tmp_path / "plan.md"))
    assert code == exits.CHANGES_PENDING
    assert out.startswith("plan: in-use -> deleted")
    assert "```mermaid" in (tmp_path / "plan.md").read_text()


@pytest.mark.usefixtures("in_use")
@pytest.mark.parametrize("args", [["-o", "plan.json"], ["--format", "json", "-o", "plan.txt"]])
def test_a_json_plan_is_still_saved_and_applied(slr: Slr, tmp_path: Path, args: list[str]) -> None:
    saved = tmp_path / args[-1]
    args[-1] = str(saved)
    assert slr("plan", "--target", "deleted", *args)[0] == exits.CHANGES_PENDING
    assert json.loads(saved.read_text())["options"]["settings"] == {}  # nothing to activate
    code, out, err = slr("apply", str(saved), "--yes")
    assert code == exits.OK, err
    assert "final state: deleted" in out


@pytest.mark.usefixtures("in_use")
def test_history_html_writes_the_run_page(slr: Slr, tmp_path: Path) -> None:
    assert slr("apply", "--target", "deleted", "--yes")[0] == exits.OK
    run_id = json.loads(slr("--output", "json", "history")[1])["runs"][0]["run_id"]
    page = tmp_path / "run.html"
    code, out, _ = slr("history", "--run", run_id, "--format", "html", "-o", str(page))
    assert (code, out) == (exits.OK, "")
    html = page.read_text()
    assert '<span class="outcome succeeded" id="outcome">succeeded</span>' in html
    for step in ("1. drain", "2. verify", "3. delete"):
        assert step in html
    assert "east-live" in html.split('id="dependents"')[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["history", "--format", "html"], "slr: error: --format html and -o need --run RUN_ID\n"),
        (
            ["history", "--run", "nope", "--format", "html"],
            "slr: error: no run 'nope' in the journal\n",
        ),
        (["plan", "--target", "deleted", "--format", "html"], None),
    ],
)
def test_bad_review_requests_are_one_line_usage_errors(
    slr: Slr, args: list[str], message: str | None
) -> None:
    code, out, err = slr(*args)
    assert code == exits.USAGE
    assert out == ""
    assert err.count("\n") == 1
    assert message is None or err == message
