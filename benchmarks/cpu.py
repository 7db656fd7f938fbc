"""The runner's own CPU: user + system time of the process that makes the calls, per AWS call.

On AWS the servers' CPU is AWS's, so what decides how many accounts one runner serves is its
own CPU per call (docs/DESIGN.md, section 6). Here the local AWS runs in a process of its own
on the same cores: its CPU is measured apart (from ``/proc``) and reported beside, never
counted as the runner's.

- a child process (``slr``, a script): ``wait4``'s resource usage, its own user + system time
  (unlike ``ru_maxrss``, which Linux carries across ``exec`` from the parent);
- work in this process (a scan, a floor's writes): ``getrusage(RUSAGE_SELF)`` before and after,
  with nothing else running in it meanwhile;
- botocore's tight loop (one client, one operation, one thread): the floor of one call.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from benchmarks.local import memory_mb

__all__ = [
    "Cpu",
    "Measured",
    "cpu_of",
    "local_aws_pid",
    "ms",
    "process_cpu",
    "run_measured",
    "self_cpu",
    "tight_loop",
]

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Cpu:
    """CPU seconds of a process, user and system."""

    user: float = 0.0
    system: float = 0.0

    @property
    def total(self) -> float:
        return self.user + self.system

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(self.user - other.user, self.system - other.system)


def self_cpu() -> Cpu:
    """This process's CPU so far (every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return Cpu(usage.ru_utime, usage.ru_stime)


def process_cpu(pid: int) -> Cpu:
    """Another running process's CPU so far (``/proc/PID/stat``); zero once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return Cpu()
    # The command name (field 2) may hold spaces: fields are counted after its ")".
    fields = text.rsplit(")", 1)[1].split()
    return Cpu(int(fields[11]) / _TICKS, int(fields[12]) / _TICKS)


def local_aws_pid() -> int:
    """The pid of the local AWS this process started (its child running ``localaws``)."""
    for task in Path("/proc/self/task").iterdir():
        for child in (task / "children").read_text().split():
            argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            if b"localaws" in argv:
                return int(child)
    raise RuntimeError("no local AWS process among this process's children")


def cpu_of(fn: Callable[[], Any]) -> tuple[Any, Cpu]:
    """``fn()``'s result and the CPU this process spent on it."""
    before = self_cpu()
    result = fn()
    return result, self_cpu() - before


@dataclass(frozen=True)
class Measured:
    """One child process, measured."""

    wall: float
    #: Its own CPU (``wait4``).
    cpu: Cpu
    #: Its peak RSS (``VmHWM``, read while it runs), MB.
    peak_mb: float
    returncode: int


def run_measured(
    argv: list[str], *, env: Mapping[str, str], stdout: IO[Any], stderr: IO[Any] | int
) -> Measured:
    """Run ``argv`` to its end: wall time, its own CPU and its peak RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=stdout, stderr=stderr, env=dict(env))
    peak = 0.0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        # A high-water mark: the last reading before the exit is the peak, but for the last
        # tenth of a second.
        peak = max(peak, memory_mb("VmHWM", process.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(wall, Cpu(usage.ru_utime, usage.ru_stime), peak, process.returncode)


def tight_loop(client: Any, calls: int) -> float:
    """botocore's floor of one call: CPU seconds per call of ``calls``
    ``ListPlaybackConfigurations`` from one client in one thread (made and connected first)."""
    client.list_playback_configurations(MaxResults=100)
    before = self_cpu()
    for _ in range(calls):
        client.list_playback_configurations(MaxResults=100)
    return (self_cpu() - before).total / calls


def ms(seconds: float, calls: int) -> str:
    """CPU seconds per call (or per account) in milliseconds, as the table shows it."""
    return f"{seconds * 1000 / max(calls, 1):.2f}"
