"""Faults on demand: throttling, rate limits, server errors, other errors, latency and dropped
connections, per call.

A :class:`Fault` names the calls it applies to (service = SigV4 signing name, operation,
region; ``"*"`` matches any) and how often it fires: the first ``count`` matching calls, each
matching call with ``probability``, or, with neither, every matching call. The
:class:`FaultInjector` holds the armed faults of a running server; errors are rendered in the
service's own protocol, so clients see them exactly as they would see AWS's:

=================  ==========================================  ===================================
kind               IAM (query XML)                             MediaTailor (rest-json)
=================  ==========================================  ===================================
``throttle``       ``Throttling`` 400                          ``ThrottlingException`` 429
``rate_limit``     ``Throttling`` 400 beyond the rate          ``ThrottlingException`` 429
``server_error``   ``ServiceFailure`` 500                      ``InternalServerErrorException`` 500
``error``          ``error_code`` / ``http_status`` as given   the same
``latency``        ``latency_ms`` added before the call runs   the same
``drop``           the connection closed, nothing answered     the same
``hold``           the call waits at a gate until a test opens  the same
                   it (:mod:`localaws.gates`)
=================  ==========================================  ===================================

``unprocessed`` is DynamoDB's ``BatchWriteItem``'s (its service and operation named): the first
half of each table's items written, the rest answered as ``UnprocessedItems``, as DynamoDB
answers a batch it throttled in part.

An error fault answers in place of the service: the call never reaches it, unless the fault is
``applied``. Then the call takes effect first and its answer is lost, replaced by the fault's
(a 500, a throttling answer, a dropped connection), as AWS may answer after a write took
effect. A ``drop`` is applied unless it says ``"applied": false`` (the connection lost before
the request arrived): the client sees a connection error and cannot tell which it was.

A ``rate_limit`` fault is a token bucket (``rate_per_second``, ``burst``) per account, region and
operation among the calls it matches, as AWS limits request rates: a rule with region ``"*"``
limits each region on its own. A call without a token is throttled; the others pass.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, get_args
from xml.sax.saxutils import escape

__all__ = ["Call", "Fault", "FaultInjector", "FaultKind", "Outcome", "render_error"]

FaultKind = Literal[
    "throttle", "rate_limit", "server_error", "error", "latency", "drop", "unprocessed", "hold"
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


@dataclass(frozen=True)
class Call:
    """What a request asks for, as far as faults are concerned."""

    #: SigV4 signing name (``iam``, ``mediatailor``...), None when unsigned
    service: str | None
    #: botocore operation name (``GetRole``...), None when not recognised
    operation: str | None = None
    #: SigV4 region, None when unsigned
    region: str | None = None
    #: the service's wire protocol (``query``, ``json``, ``rest-json``, ``rest-xml``)
    protocol: str = "query"
    #: the caller's account (as moto maps the access key), None when unsigned
    account: str | None = None


@dataclass(frozen=True, kw_only=True)
class Fault:
    """One fault rule. Example: ``Fault(service="iam", operation="GetRole", kind="throttle",
    count=2)`` throttles the next two GetRole calls."""

    #: SigV4 signing name (``iam``, ``mediatailor``...) or ``"*"``
    service: str
    #: ``throttle``, ``rate_limit`` (with rate_per_second and burst), ``server_error``,
    #: ``error`` (with error_code and http_status), ``latency``, ``drop``, ``unprocessed``
    #: (DynamoDB's BatchWriteItem) or ``hold`` (with gate)
    kind: FaultKind
    #: operation name as in botocore's model (``GetRole``) or ``"*"``
    operation: str = "*"
    #: region of the SigV4 signature or ``"*"``
    region: str = "*"
    #: fire on the first N matching calls only
    count: int | None = None
    #: fire on each matching call with this probability (0..1)
    probability: float | None = None
    #: for ``latency``: milliseconds added before the call runs
    latency_ms: int = 0
    #: override (``throttle``, ``server_error``) or set (``error``) the error code
    error_code: str | None = None
    #: override (``throttle``, ``server_error``) or set (``error``) the HTTP status
    http_status: int | None = None
    #: override the error message
    message: str | None = None
    #: for ``rate_limit``: tokens added per second to each (account, region, operation) bucket
    rate_per_second: float | None = None
    #: for ``rate_limit``: the bucket's size (calls that may come at once after a pause)
    burst: int | None = None
    #: whether the call reaches the service (and takes effect) before the fault answers in its
    #: place; None: the kind's way (a drop does, the others do not). Not for ``latency``,
    #: ``rate_limit`` or ``unprocessed``. For ``hold``: whether the call waits at its gate
    #: after it took effect (and before it answers) rather than before it runs
    applied: bool | None = None
    #: for ``hold``: the gate the call waits at until a test opens it (:mod:`localaws.gates`)
    gate: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}; got {self.kind!r}")
        if self.count is not None and self.probability is not None:
            raise ValueError("give count or probability, not both")
        if self.count is not None and self.count < 1:
            raise ValueError(f"count must be >= 1; got {self.count}")
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability must be within 0..1; got {self.probability}")
        if self.kind == "latency" and self.latency_ms <= 0:
            raise ValueError("a latency fault needs latency_ms > 0")
        if self.kind == "error" and (self.error_code is None or self.http_status is None):
            raise ValueError("an error fault needs error_code and http_status")
        if self.http_status is not None and not 400 <= self.http_status <= 599:
            raise ValueError(f"http_status must be an error status; got {self.http_status}")
        if (self.kind == "hold") != (self.gate is not None):
            raise ValueError("a hold fault, and only a hold fault, names a gate")
        self._check_rate()
        self._check_applied()

    @property
    def takes_effect(self) -> bool:
        """Whether a call this fault answers reaches the service first."""
        return self.kind == "drop" if self.applied is None else self.applied

    def _check_applied(self) -> None:
        if self.applied is not None and not isinstance(self.applied, bool):
            raise ValueError(f"applied must be true or false; got {self.applied!r}")
        if self.applied is not None and self.kind in ("latency", "rate_limit", "unprocessed"):
            raise ValueError(
                f"applied belongs to an answer in the service's place, not {self.kind}"
            )
        answered = (self.error_code, self.http_status, self.message)
        if self.kind == "drop" and any(v is not None for v in answered):
            raise ValueError("a drop answers nothing: no error_code, http_status or message")
        batch = (self.service, self.operation) == ("dynamodb", "BatchWriteItem")
        if self.kind == "unprocessed" and not batch:
            raise ValueError("an unprocessed fault is for service dynamodb, BatchWriteItem")

    def _check_rate(self) -> None:
        limited = self.rate_per_second is not None or self.burst is not None
        if self.kind != "rate_limit" and limited:
            raise ValueError("rate_per_second and burst belong to a rate_limit fault")
        if self.kind == "rate_limit":
            if self.rate_per_second is None or self.burst is None:
                raise ValueError("a rate_limit fault needs rate_per_second and burst")
            if isinstance(self.rate_per_second, bool) or not self.rate_per_second > 0:
                raise ValueError(f"rate_per_second must be > 0; got {self.rate_per_second}")
            if isinstance(self.burst, bool) or not isinstance(self.burst, int) or self.burst < 1:
                raise ValueError(f"burst must be an integer >= 1; got {self.burst!r}")
            if self.count is not None or self.probability is not None:
                raise ValueError("a rate_limit fault fires by rate: no count or probability")

    def matches(self, call: Call) -> bool:
        """Signed AWS calls only: moto's own endpoints (reset, recorder) are never faulted."""
        return (
            call.service is not None
            and self.service in ("*", call.service)
            and self.operation in ("*", call.operation)
            and self.region in ("*", call.region)
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """Build from JSON; unknown keys are an error (a typo must not disarm a fault)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
        return cls(**data)


@dataclass
class _Bucket:
    """A token bucket: ``tokens`` (at most the burst) grow at the rate until taken."""

    tokens: float
    updated: float

    def take(self, rate: float, burst: int, now: float) -> bool:
        self.tokens = min(float(burst), self.tokens + (now - self.updated) * rate)
        self.updated = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


@dataclass
class _Armed:
    fault: Fault
    remaining: int | None
    fired: int = 0
    #: a rate_limit fault's buckets by (account, region, operation)
    buckets: dict[tuple[str | None, str | None, str | None], _Bucket] = field(default_factory=dict)

    def limits(self, call: Call, now: float) -> bool:
        """For a rate_limit fault: whether the call finds no token (and is throttled)."""
        rate, burst = self.fault.rate_per_second or 0.0, self.fault.burst or 0
        key = (call.account, call.region, call.operation)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = _Bucket(float(burst), now)
        return not bucket.take(rate, burst, now)

    def fire(self) -> None:
        self.fired += 1
        if self.remaining is not None:
            self.remaining -= 1


@dataclass(frozen=True)
class Outcome:
    """What the injector decided for one call."""

    delay_seconds: float = 0.0
    error: Fault | None = None
    #: the hold fault that fired, if any (the call waits at its gate)
    hold: Fault | None = None


class FaultInjector:
    """The faults armed in a running server; thread-safe."""

    def __init__(
        self,
        faults: Iterable[Fault] = (),
        seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock``: the time rate limits refill by (a simulation's own)."""
        self._clock = clock
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._armed: list[_Armed] = []
        self.replace(faults, seed)

    @property
    def active(self) -> bool:
        return bool(self._armed)

    def replace(self, faults: Iterable[Fault], seed: int | None = None) -> None:
        """Arm exactly these faults (counts start afresh)."""
        armed = [_Armed(f, f.count) for f in faults]
        with self._lock:
            self._armed = armed
            if seed is not None:
                self._random.seed(seed)

    def add(self, faults: Iterable[Fault]) -> None:
        """Arm these faults after the ones already armed."""
        armed = [_Armed(f, f.count) for f in faults]
        with self._lock:
            self._armed = [*self._armed, *armed]

    def clear(self) -> None:
        with self._lock:
            self._armed = []

    def describe(self) -> list[dict[str, Any]]:
        """The armed faults with ``fired`` and ``remaining`` (None: unlimited)."""
        with self._lock:
            return [
                {**a.fault.to_dict(), "fired": a.fired, "remaining": a.remaining}
                for a in self._armed
            ]

    def decide(self, call: Call) -> Outcome:
        """Latency of every matching latency fault, the first hold fault and the first error
        fault that fire.

        A fault is consumed only when it fires: a count fault behind an error that already
        fired keeps its count for a later call.
        """
        delay = 0.0
        error: Fault | None = None
        hold: Fault | None = None
        now = self._clock()
        with self._lock:
            for armed in self._armed:
                fault = armed.fault
                if armed.remaining == 0 or not fault.matches(call):
                    continue
                if fault.kind == "hold" and hold is not None:
                    continue
                if fault.kind not in ("latency", "hold") and error is not None:
                    continue
                if fault.probability is not None and self._random.random() >= fault.probability:
                    continue
                if fault.kind == "rate_limit" and not armed.limits(call, now):
                    continue
                armed.fire()
                if fault.kind == "latency":
                    delay += fault.latency_ms / 1000.0
                elif fault.kind == "hold":
                    hold = fault
                else:
                    error = fault
        return Outcome(delay, error, hold)


# (code, status) per service, then per protocol for services without an entry.
_SERVICE_ERRORS: dict[str, dict[str, tuple[str, int]]] = {
    "iam": {"throttle": ("Throttling", 400), "server_error": ("ServiceFailure", 500)},
    "sts": {"throttle": ("Throttling", 400), "server_error": ("InternalFailure", 500)},
    "mediatailor": {
        "throttle": ("ThrottlingException", 429),
        "server_error": ("InternalServerErrorException", 500),
    },
}
_PROTOCOL_ERRORS: dict[str, dict[str, tuple[str, int]]] = {
    "query": {"throttle": ("Throttling", 400), "server_error": ("InternalFailure", 500)},
    "json": {"throttle": ("ThrottlingException", 400), "server_error": ("InternalFailure", 500)},
    "rest-json": {
        "throttle": ("ThrottlingException", 429),
        "server_error": ("InternalServerException", 500),
    },
    "rest-xml": {"throttle": ("SlowDown", 503), "server_error": ("InternalError", 500)},
}
_MESSAGES = {"throttle": "Rate exceeded", "server_error": "Internal failure (injected)"}


def render_error(fault: Fault, call: Call) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of the fault's error, in the call's protocol."""
    defaults = _SERVICE_ERRORS.get(call.service or "") or _PROTOCOL_ERRORS.get(
        call.protocol, _PROTOCOL_ERRORS["query"]
    )
    kind = "throttle" if fault.kind == "rate_limit" else fault.kind
    code, status = defaults.get(kind, ("", 400))
    code = fault.error_code or code
    status = fault.http_status or status
    message = fault.message or _MESSAGES.get(kind, f"{code} (injected)")
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-RequestId", request_id)]
    if call.protocol in ("json", "rest-json"):
        content_type = (
            "application/json" if call.protocol == "rest-json" else "application/x-amz-json-1.1"
        )
        headers += [("Content-Type", content_type), ("x-amzn-ErrorType", code)]
        body = json.dumps({"__type": code, "message": message, "Message": message})
        return status, headers, body.encode()
    fault_type = "Sender" if status < 500 else "Receiver"
    if call.protocol == "rest-xml":
        xml = f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
    else:
        xml = (
            "<ErrorResponse><Error>"
            f"<Type>{fault_type}</Type><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    headers.append(("Content-Type", "text/xml"))
    return status, headers, xml.encode()
