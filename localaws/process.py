""":class:`LocalAWS`: the local AWS as a child process, driven from tests and tools.

A child process, because moto reads settings such as ``INITIAL_NO_AUTH_ACTION_COUNT`` from its
environment at import, and because stopping it must leave nothing running: the child exits on
:meth:`LocalAWS.stop`, at interpreter exit, and by itself when its parent is gone.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from localaws.control import CONTROL_PREFIX, ENDPOINT_LINE_PREFIX
from localaws.faults import Fault
from localaws.settings import Settings

__all__ = ["LocalAWS", "LocalAWSError"]

# Settings that would make the child's botocore read real configuration.
_DROPPED_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    # A test suite measuring its coverage measures its own processes, not the local AWS.
    "COVERAGE_PROCESS_CONFIG",
    "COVERAGE_PROCESS_START",
)


class LocalAWSError(RuntimeError):
    """The local AWS did not start, or a control call failed."""


class LocalAWS:
    """moto's server with the slr-lifecycle plug-ins, in a child process.

    >>> with LocalAWS(port=0, deletion_seconds=0.5, short_pages=False) as aws:  # doctest: +SKIP
    ...     iam = aws.client("iam")
    ...     aws.set_faults([Fault(service="iam", operation="GetRole", kind="throttle", count=2)])
    """

    def __init__(
        self,
        port: int = 0,
        deletion_seconds: float | None = None,
        *,
        host: str = "127.0.0.1",
        faults: Iterable[Fault] = (),
        env: Mapping[str, str] | None = None,
        iam_enforcement_after: int | None = None,
        startup_timeout: float = 30.0,
        **settings: Any,
    ) -> None:
        """``port=0`` picks a free port; ``settings`` are any of
        :class:`~localaws.settings.Settings`' fields (``short_pages=False``...) over its
        defaults, which are as harsh as AWS (a bad one is a ValueError here); ``env`` is added
        to the child's environment; ``iam_enforcement_after=N`` makes moto check IAM
        permissions after the first N requests (its ``INITIAL_NO_AUTH_ACTION_COUNT``)."""
        self.host = host
        self.requested_port = port
        if deletion_seconds is not None:
            settings["deletion_seconds"] = deletion_seconds
        #: the settings the server starts with, and returns to on reset()
        self.start_settings = Settings().changed(settings)
        self.deletion_seconds = self.start_settings.deletion_seconds
        self.faults = tuple(faults)
        self.env = dict(env or {})
        if iam_enforcement_after is not None:
            self.env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(iam_enforcement_after)
        self.startup_timeout = startup_timeout
        #: seconds from starting the child until it answered
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[str] | None = None
        self._endpoint_url: str | None = None
        self._output: collections.deque[str] = collections.deque(maxlen=200)

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._endpoint_url is None:
            raise LocalAWSError("the local AWS is not running; call start() or use `with`")
        return self._endpoint_url

    @property
    def port(self) -> int:
        return int(self.endpoint_url.rsplit(":", 1)[1])

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        """Start the child process and wait until it answers."""
        if self.running:
            return self
        started = time.monotonic()
        command = [
            sys.executable,
            "-m",
            "localaws",
            "--host",
            self.host,
            "--port",
            str(self.requested_port),
            *self.start_settings.command_line(),
            "--faults",
            json.dumps([fault.to_dict() for fault in self.faults]),
            "--quiet",
            "--parent-pid",
            str(os.getpid()),
        ]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self._child_env(),
            text=True,
        )
        atexit.register(self.stop)
        lines: queue.Queue[str] = queue.Queue()
        assert self._process.stdout is not None
        threading.Thread(
            target=self._drain, args=(self._process.stdout, lines), daemon=True
        ).start()
        self._endpoint_url = self._wait_for_endpoint(lines, started + self.startup_timeout)
        self._call("GET", "health")
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        """Stop the child process (idempotent)."""
        process, self._process = self._process, None
        self._endpoint_url = None
        if process is None:
            return
        atexit.unregister(self.stop)
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Empty moto's state (``/moto-api/reset``), clear the faults, restore the settings."""
        self._call("POST", "reset")

    def set_faults(self, faults: Iterable[Fault], *, seed: int | None = None) -> None:
        """Arm exactly these faults (``seed`` makes probabilities reproducible)."""
        body: dict[str, Any] = {"faults": [fault.to_dict() for fault in faults]}
        if seed is not None:
            body["seed"] = seed
        self._call("PUT", "faults", body)

    def add_faults(self, faults: Iterable[Fault]) -> None:
        """Arm these faults next to those already armed."""
        self._call("POST", "faults", {"faults": [fault.to_dict() for fault in faults]})

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def armed_faults(self) -> list[dict[str, Any]]:
        """The armed faults, each with ``fired`` and ``remaining``."""
        faults: list[dict[str, Any]] = self._call("GET", "faults")["faults"]
        return faults

    def wait_for_gate(self, gate: str, calls: int = 1, timeout: float = 20.0) -> None:
        """Until ``calls`` calls have arrived at ``gate`` (held there by a ``hold`` fault until
        :meth:`open_gate`); LocalAWSError if they have not within ``timeout`` seconds."""
        arrived = self._call("GET", f"gates/{gate}?calls={calls}&timeout={timeout}")["arrived"]
        if arrived < calls:
            raise LocalAWSError(f"{arrived} of {calls} calls arrived at gate {gate!r}")

    def open_gate(self, gate: str) -> None:
        """Let the calls waiting at ``gate`` go on, and later ones pass, until reset()."""
        self._call("POST", f"gates/{gate}/open")

    def advance_clock(self, seconds: float) -> None:
        """Move the clock AWS's delays run on ``seconds`` forward (:mod:`localaws.clock`)."""
        self._call("POST", "clock", {"advance": seconds})

    def set_deletion_seconds(self, seconds: float) -> None:
        """How long deletion tasks started from now on run."""
        self.set_settings(deletion_seconds=seconds)

    def set_settings(self, **changes: Any) -> dict[str, Any]:
        """Change these settings (``short_pages=False``...) until reset(); returns them all.

        An unknown name or a bad value changes nothing (LocalAWSError)."""
        settings: dict[str, Any] = self._call("PUT", "settings", changes)
        return settings

    def settings(self) -> dict[str, Any]:
        """The settings in force."""
        settings: dict[str, Any] = self._call("GET", "settings")
        return settings

    def set_role_last_used(
        self,
        role_name: str,
        last_used: datetime | None,
        region: str | None = None,
        *,
        created: datetime | None = None,
        account_id: str = "123456789012",
    ) -> dict[str, Any]:
        """Make IAM show ``role_name`` as last used at ``last_used`` in ``region`` (``None``:
        never), and created at ``created`` when given; returns its ``RoleLastUsed`` as IAM
        shows it (empty when older than the 400 days IAM tracks)."""
        body: dict[str, Any] = {
            "role_name": role_name,
            "account_id": account_id,
            "last_used": last_used.isoformat() if last_used else None,
            "region": region,
        }
        if created is not None:
            body["created"] = created.isoformat()
        shown: dict[str, Any] = self._call("PUT", "role-last-used", body)
        return shown

    def client(self, service_name: str, region_name: str = "us-east-1", **kwargs: Any) -> Any:
        """A boto3 client for this endpoint with fake credentials."""
        import boto3

        kwargs.setdefault("aws_access_key_id", "testing")
        kwargs.setdefault("aws_secret_access_key", "testing")
        return boto3.client(
            service_name, region_name=region_name, endpoint_url=self.endpoint_url, **kwargs
        )

    def _child_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        # The child imports this package; make sure it finds the same one.
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        env.update(self.env)
        return env

    def _drain(self, stream: IO[str], lines: queue.Queue[str]) -> None:
        # Keep reading so that the child never blocks on a full pipe; keep a tail for errors.
        for line in stream:
            self._output.append(line.rstrip("\n"))
            lines.put(line)

    def _wait_for_endpoint(self, lines: queue.Queue[str], deadline: float) -> str:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise LocalAWSError(self._failure("did not start in time"))
            try:
                line = lines.get(timeout=min(remaining, 0.1))
            except queue.Empty:
                if self._process is not None and self._process.poll() is not None:
                    time.sleep(0.1)  # let the drain thread collect the last words
                    code = self._process.returncode
                    self.stop()
                    raise LocalAWSError(self._failure(f"exited with {code}")) from None
                continue
            if line.startswith(ENDPOINT_LINE_PREFIX):
                return line[len(ENDPOINT_LINE_PREFIX) :].strip()

    def _failure(self, what: str) -> str:
        tail = "\n".join(self._output)
        return f"the local AWS {what}; its output:\n{tail}"

    def _call(self, method: str, endpoint: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.endpoint_url}{CONTROL_PREFIX}{endpoint}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            raise LocalAWSError(f"{method} {endpoint}: HTTP {error.code}: {detail}") from error
