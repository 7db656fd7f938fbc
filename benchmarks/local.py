"""The benchmarks' world: one embedded local AWS shared by every target (reset and seeded
afresh for each measurement), moto's request recorder, the process environment, timing.
"""

from __future__ import annotations

import base64
import compileall
import io
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from localaws import LocalAWS
from localaws.control import use_fake_credentials
from localaws.seed import Account, seed

__all__ = [
    "Bench",
    "LogSink",
    "compile_bytecode",
    "isolate_environment",
    "median_seconds",
    "memory_mb",
    "operation_of",
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
    """A log stream that keeps nothing; not a terminal, so a runner renders JSON lines as
    ``slr`` does in a pipeline (rendering is part of what a call costs)."""

    def write(self, text: str, /) -> int:
        return len(text)


def slr_argv() -> list[str]:
    """The ``slr`` a user runs: the console script next to this interpreter."""
    script = Path(sys.executable).with_name("slr")
    return [str(script)] if script.exists() else [sys.executable, "-m", "lifecycle.cli"]


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
            # The benchmarks measure the engine, not AWS's waits: regions enable at once.
            region_change_seconds=0.0,
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
        from lifecycle.aws import available_regions
        from lifecycle.errors import OPT_IN_REGIONS

        self.local.reset()
        self.local.set_deletion_seconds(deletion_seconds)
        regions = Account(self.endpoint_url)
        for region in sorted(OPT_IN_REGIONS & set(available_regions("mediatailor"))):
            regions.enable_region(region)
        account = seed(self.endpoint_url, configurations=configurations, channels=channels)
        logging = any(p for c in (configurations or {}).values() for p in c.values())
        if logging or any(t for c in (channels or {}).values() for t in c.values()):
            account.wait_for_role()  # MediaTailor made it; IAM shows it after a moment
        return account

    # -- moto's request recorder: what reached the server ------------------------------------

    def _moto_api(self, method: str, path: str) -> bytes:
        request = urllib.request.Request(self.endpoint_url + path, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            body: bytes = response.read()
            return body

    def record(self) -> None:
        """Start recording afresh."""
        self._moto_api("POST", "/moto-api/recorder/reset-recording")
        self._moto_api("POST", "/moto-api/recorder/start-recording")

    def recorded(self) -> Counter[str]:
        """Stop recording; ``service:Operation`` -> requests the server received."""
        self._moto_api("POST", "/moto-api/recorder/stop-recording")
        calls: Counter[str] = Counter()
        for line in self._moto_api("GET", "/moto-api/recorder/download-recording").splitlines():
            if line.strip():
                calls[operation_of(json.loads(line))] += 1
        return calls


def operation_of(entry: Mapping[str, Any]) -> str:
    """``service:Operation`` of one recorded request: the service from its SigV4 scope, the
    operation from the ``Action`` of a query request or, for REST, botocore's model."""
    auth = str(entry.get("headers", {}).get("Authorization", ""))
    match = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", auth)
    service = match.group(1) if match else "unsigned"
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode(errors="replace")
    action = parse_qs(body).get("Action") if "Action=" in body else None
    if action:
        return f"{service}:{action[0]}"
    path = urlsplit(str(entry.get("url", ""))).path
    for method, pattern, name in _rest_routes(service):
        if method == entry.get("method") and pattern.fullmatch(path):
            return f"{service}:{name}"
    return f"{service}:{entry.get('method')} {path}"


@cache
def _rest_routes(service: str) -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path pattern, operation) of a REST service, literal paths first."""
    import botocore.session

    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # an unknown signing name: nothing to match
        return []
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = str(http.get("requestUri", "/")).split("?")[0]
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(uri))
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        literal = len(re.sub(r"\{[^}]+\}", "", uri))
        routes.append((literal, str(http.get("method")), re.compile(pattern), name))
    routes.sort(key=lambda r: -r[0])
    return [(method, pattern, name) for _, method, pattern, name in routes]
