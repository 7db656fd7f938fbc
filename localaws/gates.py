"""Gates that held calls wait at until a test opens them: a handshake, not a guess at timing.

A ``hold`` fault (:class:`localaws.faults.Fault`) names a gate: a call it fires on waits there,
before it runs or, ``applied``, after it took effect and before it answers (a DynamoDB
transaction waits holding its items). A test learns that calls arrived
(:meth:`Gates.wait_for`), does what must happen while they wait, then opens the gate
(:meth:`Gates.open`). A gate is closed until opened; ``reset`` closes every gate again, after
letting whoever waits go. So "the first runner is mid-drain while the second starts" holds on a
loaded machine as on an idle one, where a latency fault only made it likely.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Request

from localaws import clock

__all__ = [
    "GATE_PATIENCE_SECONDS",
    "Gates",
    "gates",
    "handshake",
    "wait_after_effect",
    "waiting_after_effect",
]

#: How long a held call waits for its gate at most: a test that never opens it fails on its
#: own assertions, and its calls then go on rather than hang the server.
GATE_PATIENCE_SECONDS = 120.0


class Gates:
    """Named gates; thread-safe."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._open: set[str] = set()
        self._arrived: Counter[str] = Counter()
        #: Counts resets: a call waiting across one goes on.
        self._resets = 0

    def pass_through(self, name: str, patience: float = GATE_PATIENCE_SECONDS) -> None:
        """Arrive at gate ``name`` and wait until it is open (or ``patience`` runs out)."""
        with self._changed:
            self._arrived[name] += 1
            self._changed.notify_all()
            resets = self._resets
            self._changed.wait_for(lambda: name in self._open or self._resets != resets, patience)

    def open(self, name: str) -> None:
        """Let every call waiting at ``name`` go on, and those arriving later pass."""
        with self._changed:
            self._open.add(name)
            self._changed.notify_all()

    def wait_for(self, name: str, calls: int, timeout: float) -> int:
        """Until ``calls`` calls have arrived at ``name`` (or ``timeout``); how many did."""
        with self._changed:
            self._changed.wait_for(lambda: self._arrived[name] >= calls, timeout)
            return self._arrived[name]

    def reset(self) -> None:
        """Let the waiting go, then close every gate and forget the arrivals."""
        with self._changed:
            self._resets += 1
            self._open.clear()
            self._arrived.clear()
            self._changed.notify_all()


#: The server's gates.
gates = Gates()
_after = threading.local()


def waiting_after_effect(name: str | None) -> None:
    """Make this thread's call wait at gate ``name`` once it took effect (None: not at all)."""
    _after.gate = name


def wait_after_effect() -> None:
    """Wait at the gate this thread's call is to wait at after taking effect, if any, once."""
    name = getattr(_after, "gate", None)
    _after.gate = None
    if name is not None:
        gates.pass_through(name)


def handshake(method: str, endpoint: str, request: Request) -> Any:
    """The control endpoints of the gates and the clock (see :mod:`localaws.app`)."""
    path = endpoint.split("/")
    if path[0] == "gates" and len(path) == 3 and path[2] == "open" and method == "POST":
        gates.open(path[1])
        return {"open": path[1]}
    if path[0] == "gates" and len(path) == 2 and path[1] and method == "GET":
        calls = int(request.args.get("calls", "1"))
        timeout = float(request.args.get("timeout", "30"))
        return {"arrived": gates.wait_for(path[1], calls, timeout)}
    if path == ["clock"] and method == "POST":
        body = json.loads(request.get_data() or b"{}")
        if not isinstance(body, dict) or set(body) != {"advance"}:
            raise ValueError('the body is {"advance": seconds}')
        return {"ahead": clock.advance(float(body["advance"]))}
    raise NotFound(f"no control endpoint {method} {request.path}")
