"""Target 5, start-up: ``slr --help`` and ``slr diagram --format dot`` as whole processes (the
console script a user runs), median of many runs, against ``python -c pass`` from the same
interpreter (and ``aws --version`` when an AWS CLI is on the PATH), the runs interleaved.

Neither path may import boto3 (nor botocore): checked with ``-X importtime`` through
``PYTHONPROFILEIMPORTTIME``, which reaches the console script's interpreter too.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time

from benchmarks.local import Bench, slr_argv
from benchmarks.report import Row

__all__ = ["run"]

LIMIT_SECONDS = 0.15
RUNS = 15
AWS_CLI_RUNS = 5
HEAVY = ("boto3", "botocore")
COMMANDS = {"slr --help": ["--help"], "slr diagram --format dot": ["diagram", "--format", "dot"]}


def _once(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed, done.stderr


def heavy_imports(argv: list[str]) -> list[str]:
    """The boto3/botocore modules a command imports (from ``-X importtime``'s report)."""
    _, report = _once(argv, {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    found = []
    for line in report.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            module = line.rsplit("|", 1)[1].strip()
            if module.split(".")[0] in HEAVY:
                found.append(module)
    return found


def run(bench: Bench | None = None) -> list[Row]:
    """The two rows; ``bench`` is not needed (nothing here talks to AWS)."""
    slr = slr_argv()
    argvs = {"python -c pass": [sys.executable, "-c", "pass"]}
    argvs |= {name: [*slr, *args] for name, args in COMMANDS.items()}
    times: dict[str, list[float]] = {name: [] for name in argvs}
    for argv in argvs.values():
        _once(argv)  # a first run fills the OS cache and writes .pyc files
    for _ in range(RUNS):
        for name, argv in argvs.items():
            times[name].append(_once(argv)[0])
    baseline = statistics.median(times["python -c pass"])
    aws_cli = shutil.which("aws")
    aws_note = "no AWS CLI on the PATH"
    if aws_cli:
        try:
            _once([aws_cli, "--version"])
            aws = statistics.median(_once([aws_cli, "--version"])[0] for _ in range(AWS_CLI_RUNS))
            aws_note = f"`aws --version` ({aws_cli}): median {aws * 1000:.0f} ms"
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
            aws_note = f"`aws --version` did not run: {error}"
    rows = []
    for name, args in COMMANDS.items():
        median = statistics.median(times[name])
        heavy = heavy_imports([*slr, *args])
        notes = [
            f"{RUNS} runs, ms: " + ", ".join(f"{t * 1000:.0f}" for t in sorted(times[name])),
            "imports boto3/botocore: " + (", ".join(heavy[:5]) if heavy else "none"),
        ]
        if name == "slr --help":
            notes.append(f"`python -c pass`: median {baseline * 1000:.0f} ms; {aws_note}")
        rows.append(
            Row(
                f"5. start-up: {name}",
                f"python {baseline * 1000:.0f} ms",
                f"{median * 1000:.0f} ms",
                median / baseline,
                f"<= {LIMIT_SECONDS * 1000:.0f} ms, no boto3",
                median <= LIMIT_SECONDS and not heavy,
                notes,
            )
        )
    return rows
