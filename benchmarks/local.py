"""The benchmarks' world: one embedded local AWS shared by every target (reset and seeded
afresh for each measurement), moto's request recorder, the process environment, timing.
"""

from __future__ import annotations

import compileall
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from localaws import LocalAWS
from localaws.control import use_fake_credentials
from localaws.recorder import Recorder, operation_of
from localaws.seed import Account, seed

__all__ = [
    "Bench",
    "LogSink",
    "compile_bytecode",
    "isolate_environment",
    "median_seconds",
    "memory_mb",
    "slr_argv",
]


def memory_mb(field: str, pid: int | str = "self") -> float:
    """``VmHWM`` (peak) or ``VmRSS`` (now) of a process (this one by default), in MB; for
    this process getrusage where there is no ``/proc``, for another 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    if pid != "self":
        return 0.0
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: Where the local AWS writes moto's recording (its MOTO_RECORDER_FILEPATH).
_RECORDING = "moto_recording.jsonl"


def isolate_environment() -> None:
    """Fake credentials and no AWS configuration for this process and every child, so that no
    benchmark can reach real AWS or read the user's profiles (as the tests do)."""
    use_fake_credentials()
    for name in (
        "SLR_CRASH_AT",
        # A user's `slr` reads cached bytecode; without it every process would
        # compile the project's modules again (see compile_bytecode).
        "PYTHONDONTWRITEBYTECODE",
    ):
        os.environ.pop(name, None)


def compile_bytecode() -> None:
    """Compile the project's modules, as pip does when it installs a wheel, so that no
    measured process pays for compiling them."""
    root = Path(__file__).resolve().parents[1]
    for package in ("lifecycle", "workflows", "benchmarks"):
        compileall.compile_dir(root / package, quiet=1)


class LogSink(io.StringIO):
    """A log stream that keeps nothing but the count of ``aws.call`` events (the calls a run
    made, one per call, its retries in it); not a terminal, so a runner renders JSON lines as
    ``slr`` does in a pipeline (rendering is part of what a call costs)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def write(self, text: str, /) -> int:
        if '"event": "aws.call"' in text:
            self.calls += 1
        return len(text)


def slr_argv() -> list[str]:
    """The ``slr`` a user runs: the console script next to this interpreter."""
    script = Path(sys.executable).with_name("slr")
    return [str(script)] if script.exists() else [sys.executable, "-m", "lifecycle.cli"]


def in_child(module: str, *args: str, timeout: float) -> dict[str, Any]:
    """Run ``python -m module ARGS...`` (a measurement whose peak RSS is its own process's)
    and return the JSON document it prints; :func:`child_main` is its side."""
    argv = [sys.executable, "-m", module, *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {module} child exited {done.returncode}: {done.stderr[-2000:]}")
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def child_main(measure: Callable[..., Mapping[str, Any]]) -> int:
    """A child's ``__main__`` (see :func:`in_child`): ``measure(*sys.argv[1:])``, printed as
    one JSON document."""
    print(json.dumps(measure(*sys.argv[1:])))
    return 0


def median_seconds(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    """The median wall time of ``runs`` calls of ``fn``, and every time measured."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


class Bench:
    """The local AWS of one ``make bench`` run, with moto's recorder on hand."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="slr-bench-"))
        self.local = LocalAWS(
            port=0,
            deletion_seconds=0.0,
            # The benchmarks measure the engine, not AWS's waits: regions enable at once, a
            # deletion task shows at once, and IAM forgets a user as soon as it stops.
            region_change_seconds=0.0,
            task_visibility_seconds=0.0,
            usage_lag_seconds=0.0,
            env={"MOTO_RECORDER_FILEPATH": str(self.workdir / _RECORDING)},
        )

    @property
    def endpoint_url(self) -> str:
        return self.local.endpoint_url

    def __enter__(self) -> Self:
        self.local.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.local.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def state_dir(self, name: str) -> Path:
        """A journal directory no other measurement has used."""
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.workdir))

    def fresh(
        self,
        *,
        deletion_seconds: float = 0.0,
        configurations: Mapping[str, Mapping[str, int]] | None = None,
        channels: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    ) -> Account:
        """An empty local AWS (no state, no faults), its account with every MediaTailor
        region enabled (the opt-in ones start disabled, as in AWS), then seeded."""
        from lifecycle.aws.gateway import available_regions
        from lifecycle.aws.regions import opt_in_regions

        self.local.reset()
        self.local.set_deletion_seconds(deletion_seconds)
        regions = Account(self.endpoint_url)
        for region in sorted(opt_in_regions() & set(available_regions("mediatailor"))):
            regions.enable_region(region)
        account = seed(self.endpoint_url, configurations=configurations, channels=channels)
        logging = any(p for c in (configurations or {}).values() for p in c.values())
        if logging or any(t for c in (channels or {}).values() for t in c.values()):
            account.wait_for_role()  # MediaTailor made it; IAM shows it after a moment
        return account

    # -- moto's request recorder: what reached the server ------------------------------------

    def record(self) -> None:
        """Start recording afresh."""
        Recorder(self.endpoint_url).start()

    def recorded(self) -> Counter[str]:
        """Stop recording; ``service:Operation`` -> requests the server received."""
        recorder = Recorder(self.endpoint_url)
        recorder.stop()
        return Counter(operation_of(entry) for entry in recorder.entries())
