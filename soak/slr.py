"""The ``slr`` command as runners use it: a subprocess with a time-out, read by its exit code,
its JSON document and its stderr, and the writes the local AWS received while it ran."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from soak.world import REGIONS, Server, Write

__all__ = ["DRY", "Command", "Ran", "Slr", "soak_environment"]

#: Commands that must send no write: they read, or simulate.
DRY = frozenset({"status", "history", "plan", "save-plan", "dry-run", "step-dry-run"})
#: A run whose log shows nothing new for this many seconds is hung: every call, retry, sleep
#: and pace a run makes is a log event, so a run that only goes slowly (a state table paced
#: down to its floor by throttling) keeps logging.
SILENT_SECONDS = 60.0
#: And one that has not ended within this many seconds, however busy its log.
TIMEOUT_SECONDS = 900.0


@dataclass(frozen=True)
class Command:
    """One ``slr`` run the soak makes: what kind, its arguments after the global options,
    and how it may be cut short."""

    #: ``status``, ``history``, ``plan``, ``save-plan``, ``dry-run``, ``step-dry-run``,
    #: ``apply``, ``step``, ``apply-plan``
    kind: str
    args: tuple[str, ...]
    #: Over the organization's members (``--accounts``), else the management account alone.
    fleet: bool = False
    target: str | None = None
    #: ``SLR_CRASH_AT``: the process kills itself at that write boundary.
    crash_at: str | None = None
    #: Seconds after which the soak sends SIGKILL, if it still runs.
    kill_after: float | None = None
    output: str = "json"
    log_format: str = "json"

    @property
    def dry(self) -> bool:
        return self.kind in DRY

    @property
    def applies(self) -> bool:
        """A real (not simulated) apply."""
        return self.kind in ("apply", "step", "apply-plan")

    def plainly(self) -> Command:
        """The same command, neither crashing nor killed: a resume, or a repeat."""
        return replace(self, crash_at=None, kill_after=None)

    def __str__(self) -> str:
        cut = f" [SLR_CRASH_AT={self.crash_at}]" if self.crash_at else ""
        cut += f" [SIGKILL after {self.kill_after:.2f}s]" if self.kill_after else ""
        return f"{'fleet ' if self.fleet else ''}{' '.join(self.args)}{cut}"


@dataclass
class Ran:
    """What one run did."""

    command: Command
    argv: list[str]
    #: What the run's environment adds to the soak's (to replay it by hand).
    extra_env: dict[str, str]
    #: The exit status; negative: killed by that signal; None: hung, killed at the time-out.
    code: int | None
    stdout: str
    stderr: str
    seconds: float
    #: The workflow's writes the local AWS received while this run (and any run beside it)
    #: ran.
    writes: list[Write] = field(default_factory=list)
    #: The soak sent SIGKILL (at ``kill_after``).
    killed: bool = False

    @property
    def document(self) -> dict[str, Any] | None:
        """The JSON document on stdout, when there is one whole."""
        if self.command.output != "json" or not self.stdout.strip():
            return None
        try:
            document = json.loads(self.stdout)
        except ValueError:
            return None
        return document if isinstance(document, dict) else None

    def replay(self) -> str:
        """A shell line that runs it again (against a local AWS at the same address)."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(self.extra_env.items()))
        return f"{env} {shlex.join(self.argv)}".strip()

    def error_line(self) -> str:
        """The one line ``slr`` said why it failed (``slr: error: ...``), or a fleet's
        accounts' errors."""
        lines = [line for line in self.stderr.splitlines() if line.startswith("slr:")]
        if lines:
            return lines[-1][:300]
        document = self.document or {}
        errors = [
            f"{a.get('account')}: {a.get('error')}"
            for a in document.get("accounts", [])
            if a.get("error")
        ]
        return "; ".join(errors)[:300] or str(document.get("error") or "")[:300]

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.stderr.splitlines()[-lines:])


class Slr:
    """Runs ``python -m lifecycle.cli`` against the soak's local AWS."""

    def __init__(
        self,
        server: Server,
        workdir: Path,
        *,
        single_state: str,
        fleet_state: str,
        accounts: str,
        env: Mapping[str, str],
    ) -> None:
        self.server, self.workdir = server, workdir
        self.single_state, self.fleet_state, self.accounts = single_state, fleet_state, accounts
        self.env = dict(env)
        self.max_concurrent_accounts = 2

    def argv(self, command: Command, regions: Sequence[str]) -> list[str]:
        scope = (
            [
                "--state",
                self.fleet_state,
                "--accounts",
                self.accounts,
                "--max-concurrent-accounts",
                str(self.max_concurrent_accounts),
            ]
            if command.fleet
            else ["--state", self.single_state]
        )
        return [
            sys.executable,
            "-m",
            "lifecycle.cli",
            "--endpoint-url",
            self.server.endpoint_url,
            "--regions",
            ",".join(regions),
            "--output",
            command.output,
            "--log-format",
            command.log_format,
            *scope,
            *command.args,
        ]

    def run(self, *commands: Command, regions: Sequence[str] = REGIONS) -> list[Ran]:
        """Run the commands side by side (one, usually); each gets the writes the server
        received while they ran."""
        self.server.record()
        started = time.monotonic()
        running = [self._start(n, command, regions) for n, command in enumerate(commands)]
        done = [self._wait(started, *each) for each in running]
        writes = self.server.writes()
        for ran in done:
            ran.writes = writes
        return done

    def _start(
        self, slot: int, command: Command, regions: Sequence[str]
    ) -> tuple[Command, list[str], dict[str, str], subprocess.Popen[bytes], Path]:
        argv = self.argv(command, regions)
        extra = {"SLR_CRASH_AT": command.crash_at} if command.crash_at else {}
        base = self.workdir / f"run-{slot}"
        # Files, not pipes: a full pipe would stall a runner another runner waits for.
        with open(f"{base}.out", "wb") as out, open(f"{base}.err", "wb") as err:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env={**self.env, **extra},
                cwd=Path(__file__).resolve().parents[1],
            )
        return command, argv, extra, process, base

    def _wait(
        self,
        started: float,
        command: Command,
        argv: list[str],
        extra: dict[str, str],
        process: subprocess.Popen[bytes],
        base: Path,
    ) -> Ran:
        killed = hung = False
        if command.kill_after is not None:
            try:
                process.wait(timeout=max(command.kill_after - (time.monotonic() - started), 0))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                killed = True
        hung = not _ends_or_logs(process, Path(f"{base}.err"), started)
        if hung:
            process.send_signal(signal.SIGKILL)
        process.wait()
        return Ran(
            command,
            argv,
            extra,
            None if hung else process.returncode,
            Path(f"{base}.out").read_text(errors="replace"),
            Path(f"{base}.err").read_text(errors="replace"),
            time.monotonic() - started,
            killed=killed,
        )


def soak_environment(reject_wait: float, deletion_patience: float) -> dict[str, str]:
    """The runs' environment: fake credentials (set by the caller), short waits, and none of
    the ``SLR_*`` settings of whoever started the soak."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLR_")}
    env.update(
        {
            "SLR_REJECT_WAIT_SECONDS": f"{reject_wait:g}",
            "SLR_DELETION_PATIENCE": f"{deletion_patience:g}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _ends_or_logs(process: subprocess.Popen[bytes], log: Path, started: float) -> bool:
    """Wait for ``process`` to end; False when its ``log`` stayed silent for
    :data:`SILENT_SECONDS`, or it ran past :data:`TIMEOUT_SECONDS`."""
    size, last_news = -1, time.monotonic()
    while time.monotonic() - started < TIMEOUT_SECONDS:
        try:
            process.wait(timeout=1.0)
            return True
        except subprocess.TimeoutExpired:
            pass
        now_size = log.stat().st_size if log.exists() else 0
        if now_size != size:
            size, last_news = now_size, time.monotonic()
        elif time.monotonic() - last_news > SILENT_SECONDS:
            return False
    return process.poll() is not None
