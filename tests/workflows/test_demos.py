"""`slr demo --workflow W`: each further workflow's whole lifecycle on the embedded local AWS
(MediaTailor's, `make demo`, is tested in tests/lifecycle/cli/test_cli.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lifecycle.cli import exits


def demo(name: str, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "lifecycle.cli",
            "--workflow",
            name,
            "demo",
            "--output-dir",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.parametrize("name", ["config", "cloudtrail"])
def test_the_demo_drains_and_deletes_the_role(name: str, tmp_path: Path) -> None:
    done = demo(name, tmp_path)
    assert done.returncode == exits.OK, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Path taken: drain then verify then delete." in (tmp_path / "path.md").read_text()
    assert done.stdout.rstrip().splitlines()[-1].startswith("Demo finished")


def test_the_auto_scaling_demo_stops_for_a_person_then_completes(tmp_path: Path) -> None:
    done = demo("autoscaling", tmp_path)
    assert done.returncode == exits.OK, done.stdout[-2000:] + done.stderr[-2000:]
    _, rest = done.stdout.split(f"(exit {exits.NEEDS_PERSON}: needs a person)", 1)
    assert done.stderr.count("(auto-scaling-group): delete the group") == 3
    assert "they deleted the three groups." in rest
    assert "Path taken: verify then delete." in (tmp_path / "path.md").read_text()
