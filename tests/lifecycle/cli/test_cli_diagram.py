"""`slr diagram` and `slr workflows` as a user runs them (in process, through main())."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lifecycle.cli import exits, main
from lifecycle.registry import workflows

WORKFLOWS = workflows()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_mermaid_prints_all_six_states_and_seven_triggers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "diagram", "--format", "mermaid")
    assert code == exits.OK
    definition = WORKFLOWS["mediatailor"].definition
    assert all(f'"{s.label}" as {s.id}' in out for s in definition.states)
    assert all(f": {t.trigger}" in out for t in definition.transitions)


def test_offline_highlight_marks_the_shortest_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "diagram", "--format", "markdown", "--state", "in-use", "--target", "deleted"
    )
    assert code == exits.OK
    assert "Planned path: drain then verify then delete." in out


def test_unreachable_target_is_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "diagram", "--state", "created", "--target", "absent")
    assert code == exits.USAGE
    assert out == ""
    assert err == "slr: error: absent cannot be reached from created: no transition leads there\n"


@pytest.mark.parametrize(
    "args",
    [
        ["--workflow", "nope", "diagram"],
        ["diagram", "--format", "gif"],
        ["diagram", "--state", "gone"],
        ["no-such-command"],
    ],
)
def test_bad_input_is_one_line_no_traceback(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code, out, err = run(capsys, *args)
    assert code == exits.USAGE
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("slr:")


def test_format_all_writes_every_committed_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "diagram", "--format", "all", "-o", str(tmp_path))
    assert code == exits.OK
    written = sorted(p.name for p in tmp_path.iterdir())
    assert {"mediatailor.dot", "mediatailor.mmd", "mediatailor.md"} <= set(written)
    assert out.splitlines() == [str(tmp_path / name) for name in out_order(written)]


def out_order(names: list[str]) -> list[str]:
    order = ["dot", "mmd", "md", "svg"]
    return sorted(names, key=lambda n: order.index(n.rsplit(".", 1)[1]))


def test_workflows_json_names_the_role(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--output", "json", "workflows")
    assert code == exits.OK
    document = json.loads(out)
    assert document["schema_version"] == 1
    roles = {row["name"]: row["role"] for row in document["workflows"]}
    assert roles["mediatailor"] == "AWSServiceRoleForMediaTailor"


def test_dot_diagram_path_does_not_import_boto3() -> None:
    probe = (
        "import sys; from lifecycle.cli import main; main(['diagram', '--format', 'dot']);"
        "sys.stderr.write(str(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('boto3', 'botocore', 'moto'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("digraph mediatailor")
    assert result.stderr == "[]"


def test_format_all_without_a_folder_is_refused_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # From the repository's root, ./diagrams/ holds the committed diagrams.
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "diagram", "--format", "all")
    assert (code, out) == (exits.USAGE, "")
    assert err == "slr: error: --format all writes several files: name their folder with -o DIR\n"
    assert list(tmp_path.iterdir()) == []


def test_a_target_without_a_state_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "diagram", "--target", "deleted")
    assert (code, out) == (exits.USAGE, "")
    assert err == (
        "slr: error: --target needs where the path starts: --state STATE, or --highlight "
        "to observe it\n"
    )


def test_run_and_highlight_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "diagram", "--run", "86ea69925446", "--highlight")
    assert (code, out) == (exits.USAGE, "")
    assert err == (
        "slr: error: --run marks the path a run took; --highlight marks the observed state: "
        "choose one\n"
    )
