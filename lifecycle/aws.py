"""Sessions and clients for one run; the one retry layer; error classification.

botocore is told never to retry (``total_max_attempts=1``): every retry, sleep and give-up is
decided here, by explicit wire error codes, and logged. Every client refuses, at botocore's
``before-call`` event, any operation the workflow did not declare, and in a dry run any
operation it did not declare read-only, whatever the code above it does.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar

import boto3
import botocore.config
import botocore.exceptions
import structlog
from botocore import xform_name

from lifecycle.log import get_logger
from lifecycle.retry import Deadline, RetryPolicy, retrying

__all__ = [
    "CLIENT_CONFIG",
    "Aws",
    "AwsError",
    "CallRecord",
    "DryRunRefused",
    "ErrorKind",
    "WriteJournal",
    "classify",
    "error_code",
    "make_session",
]

T = TypeVar("T")
R = TypeVar("R")

#: Throttling, in every spelling AWS services use.
THROTTLING = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "BandwidthLimitExceeded",
    }
)
#: Transient server-side failures and conflicts that clear by themselves.
TRANSIENT = frozenset(
    {
        "ServiceFailure",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "InternalServerErrorException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "ConcurrentModification",
        "ConcurrentModificationException",
        # DynamoDB: another transaction was writing the same item at that moment.
        "TransactionConflictException",
    }
)
#: Refusals that no retry will change: fail at once, one line.
FATAL = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "AuthFailure",
        "ValidationError",
        "ValidationException",
        "InvalidInput",
        "InvalidParameterValue",
        "BadRequestException",
        "MalformedPolicyDocument",
        "UnmodifiableEntity",
        "LimitExceeded",
        "NoSuchEntity",
        "NotFoundException",
        "OptInRequired",
    }
)
#: Answers that mean "this region is not enabled for the account" rather than "denied".
REGION_DISABLED = frozenset(
    {"UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure", "OptInRequired"}
)

#: Codes of the connection failures after which a region counts as unreachable.
UNREACHABLE = frozenset({"EndpointConnectionError", "ConnectTimeoutError",
                         "ConnectionClosedError", "ReadTimeoutError"})  # fmt: skip

_CONNECTION_ERRORS = (
    botocore.exceptions.ConnectionError,
    # A connection dropped mid-request derives from HTTPClientError, not ConnectionError.
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectTimeoutError,
)


class ErrorKind(StrEnum):
    """How the one retry layer treats an error."""

    RETRYABLE = "retryable"
    #: IAM's ``NoSuchEntity`` right after a create: IAM is eventually consistent.
    EVENTUAL = "eventual"
    FATAL = "fatal"


def error_code(error: BaseException) -> str | None:
    """The wire error code of a botocore ``ClientError``; ``None`` for anything else."""
    if isinstance(error, botocore.exceptions.ClientError):
        code = error.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def _status(error: BaseException) -> int:
    if isinstance(error, botocore.exceptions.ClientError):
        return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return 0


def classify(error: BaseException, *, eventual_not_found: bool = False) -> ErrorKind:
    """Retryable, eventual-consistency, or fatal: by wire code, never by exception class."""
    if isinstance(error, _CONNECTION_ERRORS):
        return ErrorKind.RETRYABLE
    code = error_code(error)
    if code is None:
        return ErrorKind.FATAL
    if code in THROTTLING or code in TRANSIENT:
        return ErrorKind.RETRYABLE
    if eventual_not_found and code == "NoSuchEntity":
        return ErrorKind.EVENTUAL
    if code in FATAL:
        return ErrorKind.FATAL
    return ErrorKind.RETRYABLE if _status(error) >= 500 else ErrorKind.FATAL


class AwsError(Exception):
    """An AWS call that failed for good: the message is one line naming the operation,
    the region and AWS's own words."""

    def __init__(
        self, service: str, operation: str, region: str, code: str, message: str, attempts: int
    ) -> None:
        self.service, self.operation, self.region = service, operation, region
        self.code, self.aws_message, self.attempts = code, message, attempts
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        # One line, whatever AWS or botocore put in the message (validation errors span lines).
        text = " ".join(f"{code}: {message}".split())
        super().__init__(f"{service}:{operation} in {region} failed{tries}: {text}")


class DryRunRefused(AwsError):
    """A write (or an undeclared operation) was attempted where it is not allowed."""


@dataclass
class CallRecord:
    """One operation as a step's result reports it: what was sent and how it went."""

    service: str
    operation: str
    region: str
    parameters: dict[str, Any]
    #: HTTP attempts, the first included.
    attempts: int = 0
    #: ``ok``, ``error`` or ``simulated`` (a dry run's stand-in for a write).
    outcome: str = "ok"
    error_code: str | None = None
    latency_ms: float = 0.0
    #: ``read`` or ``write``, as the workflow declares the operation.
    access: str = "read"

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "operation": self.operation,
            "region": self.region,
            "parameters": self.parameters,
            "access": self.access,
            "attempts": self.attempts,
            "outcome": self.outcome,
            "error_code": self.error_code,
        }


class WriteJournal(Protocol):
    """Where a write's intent is recorded before it is sent, and its result after."""

    def before_write(
        self, service: str, operation: str, region: str, params: Mapping[str, Any]
    ) -> int: ...

    def after_write(
        self,
        token: int,
        *,
        ok: bool,
        response: Mapping[str, Any] | None,
        error: str | None,
        attempts: int,
    ) -> None: ...


def make_session(
    *,
    profile: str | None = None,
    region: str | None = None,
    assume_role_arn: str | None = None,
    external_id: str | None = None,
    endpoint_url: str | None = None,
) -> boto3.Session:
    """A session from the standard chain (``AWS_PROFILE``, environment, files, instance role),
    optionally switched into another account through STS ``AssumeRole``."""
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except botocore.exceptions.ProfileNotFound as error:
        raise AwsError("sts", "Session", region or "-", "ProfileNotFound", str(error), 1) from None
    if assume_role_arn is None:
        return session
    params: dict[str, Any] = {"RoleArn": assume_role_arn, "RoleSessionName": "slr-lifecycle"}
    if external_id:
        params["ExternalId"] = external_id
    sts = session.client("sts", endpoint_url=endpoint_url, config=CLIENT_CONFIG)
    try:
        creds = sts.assume_role(**params)["Credentials"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        raise _fatal("sts", "AssumeRole", session.region_name or "-", error, 1) from None
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=session.region_name,
    )


#: Every client's settings: botocore never retries (tenacity does), bounded timeouts.
CLIENT_CONFIG = botocore.config.Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=5,
    read_timeout=30,
    max_pool_connections=32,
    user_agent_extra="slr-lifecycle",
)

#: Calls any run may make whatever the workflow declares: finding out who we are.
_IDENTITY = frozenset({("sts", "GetCallerIdentity")})


def _fatal(
    service: str, operation: str, region: str, error: BaseException, attempts: int
) -> AwsError:
    if isinstance(error, botocore.exceptions.ClientError):
        info = error.response.get("Error", {})
        return AwsError(
            service,
            operation,
            region,
            str(info.get("Code", "Error")),
            str(info.get("Message", "")),
            attempts,
        )
    if isinstance(error, botocore.exceptions.NoCredentialsError):
        return AwsError(
            service,
            operation,
            region,
            "NoCredentials",
            "no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID)",
            attempts,
        )
    return AwsError(service, operation, region, type(error).__name__, str(error), attempts)


class Aws:
    """The AWS side of one run: clients per (service, region), every call through one retry
    layer, declared-operation enforcement, write journaling, and a record of every call."""

    def __init__(
        self,
        session: boto3.Session,
        *,
        declared: frozenset[tuple[str, str]],
        read_only: frozenset[tuple[str, str]],
        dry_run: bool = False,
        endpoint_url: str | None = None,
        deadline: Deadline | None = None,
        journal: WriteJournal | None = None,
        concurrency: int = 8,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.session = session
        self.dry_run = dry_run
        self.endpoint_url = endpoint_url
        self.deadline = deadline or Deadline(None)
        self.journal = journal
        self.concurrency = concurrency
        self._sleep = sleep
        self._allowed = (read_only if dry_run else declared) | _IDENTITY
        self._writes = declared - read_only
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self.records: list[CallRecord] = []
        self._log = get_logger()
        self._account: str | None = None

    # -- clients ---------------------------------------------------------------------------

    def client(self, service: str, region: str) -> Any:
        """A botocore client that never retries by itself and refuses what is not allowed."""
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                client = self.session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=CLIENT_CONFIG,
                )
                client.meta.events.register("before-call.*.*", self._refuse_unallowed)
                _install_crash_hook(client)
                self._clients[key] = client
            return self._clients[key]

    def _refuse_unallowed(self, model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        if (service, model.name) not in self._allowed:
            why = "a dry run sends no write" if self.dry_run else "not declared by the workflow"
            raise DryRunRefused(service, model.name, "-", "Refused", why, 0)

    def account_id(self) -> str:
        """The account the credentials belong to (STS ``GetCallerIdentity``, cached)."""
        if self._account is None:
            region = self.session.region_name or "us-east-1"
            identity = self.call("sts", "GetCallerIdentity", region, {}, policy=RetryPolicy())
            self._account = str(identity["Account"])
        return self._account

    # -- calls -----------------------------------------------------------------------------

    def call(
        self,
        service: str,
        operation: str,
        region: str,
        params: Mapping[str, Any],
        *,
        policy: RetryPolicy,
        eventual_not_found: bool = False,
        expect: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """Send one operation through the retry layer; :class:`AwsError` when it fails for good.

        ``eventual_not_found`` retries IAM's ``NoSuchEntity`` (right after a create);
        ``expect`` names error codes that are answers, not failures (``NoSuchEntity`` when
        looking for a role), logged as such.
        """
        writes = (service, operation) in self._writes
        record = CallRecord(
            service, operation, region, dict(params), access="write" if writes else "read"
        )
        with self._lock:
            self.records.append(record)
        client = self.client(service, region)
        method = getattr(client, xform_name(operation))
        log = self._log.bind(service=service, operation=operation, region=region)
        journal = self.journal if writes else None
        token = journal.before_write(service, operation, region, params) if journal else None

        def retry_on(error: BaseException) -> bool:
            return classify(error, eventual_not_found=eventual_not_found) is not ErrorKind.FATAL

        def before_sleep(state: Any) -> None:
            error: BaseException = state.outcome.exception()
            log.warning(
                "aws.retry",
                attempt=state.attempt_number,
                error_code=error_code(error) or type(error).__name__,
                kind=str(classify(error, eventual_not_found=eventual_not_found)),
                sleep_s=round(state.upcoming_sleep, 3),
            )

        def attempt() -> dict[str, Any]:
            record.attempts += 1
            started = time.perf_counter()
            try:
                response: dict[str, Any] = method(**params)
            except Exception as error:
                record.latency_ms = round((time.perf_counter() - started) * 1000, 1)
                record.error_code = error_code(error) or type(error).__name__
                raise
            record.latency_ms = round((time.perf_counter() - started) * 1000, 1)
            record.error_code = None
            log.info(
                "aws.call",
                attempt=record.attempts,
                outcome="ok",
                latency_ms=record.latency_ms,
                request_id=response.get("ResponseMetadata", {}).get("RequestId"),
            )
            return response

        try:
            result = retrying(
                policy,
                retry_on=retry_on,
                deadline=self.deadline,
                before_sleep=before_sleep,
                sleep=self._sleep,
            )(attempt)
        except DryRunRefused:
            record.outcome = "refused"
            raise
        except Exception as error:
            failure = _fatal(service, operation, region, error, record.attempts)
            answered = failure.code in expect
            record.outcome = "answered" if answered else "error"
            (log.info if answered else log.error)(
                "aws.call",
                attempt=record.attempts,
                outcome=record.outcome,
                error_code=failure.code,
                message=failure.aws_message,
            )
            if journal is not None and token is not None:
                journal.after_write(
                    token, ok=False, response=None, error=str(failure), attempts=record.attempts
                )
            raise failure from None
        if journal is not None and token is not None:
            journal.after_write(
                token, ok=True, response=_plain(result), error=None, attempts=record.attempts
            )
        return result

    def paginate(
        self,
        service: str,
        operation: str,
        region: str,
        params: Mapping[str, Any],
        *,
        items: str,
        policy: RetryPolicy,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a ``NextToken``-paginated list; each page is one retried call."""
        token: str | None = None
        while True:
            page_params = dict(params) | ({"NextToken": token} if token else {})
            page = self.call(service, operation, region, page_params, policy=policy)
            yield from page.get(items, [])
            token = page.get("NextToken")
            if not token:
                return

    def simulate(
        self, service: str, operation: str, region: str, params: Mapping[str, Any]
    ) -> None:
        """Record the write a dry run would send, without sending it."""
        with self._lock:
            self.records.append(
                CallRecord(service, operation, region, dict(params), 0, "simulated", access="write")
            )
        self._log.info("aws.simulated", service=service, operation=operation, region=region)

    def map(self, fn: Callable[[T], R], items: list[T], *, workers: int | None = None) -> list[R]:
        """``fn`` over ``items`` through a pool of ``workers`` (default: ``concurrency``),
        keeping each worker's log context; the first exception is raised after every item
        has been tried."""
        workers = min(self.concurrency if workers is None else workers, len(items))
        if workers <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(copy_context().run, fn, item) for item in items]
            errors = [f.exception() for f in futures]
            first = next((e for e in errors if e is not None), None)
            if first is not None:
                raise first
            return [f.result() for f in futures]

    def operations(self) -> list[dict[str, Any]]:
        """The calls made so far, as results report them."""
        with self._lock:
            return [record.as_dict() for record in self.records]


def _plain(response: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@dataclass
class _CrashPoint:
    """``SLR_CRASH_AT=when:Operation:n`` kills the process with SIGKILL just before the n-th
    such request is sent (``before``) or just after its response arrives (``after``): the
    fault injection behind the resume tests, and a way for users to rehearse a crash."""

    when: str
    operation: str
    nth: int
    seen: int = field(default=0)


def _crash_point() -> _CrashPoint | None:
    spec = os.environ.get("SLR_CRASH_AT")
    if not spec:
        return None
    when, operation, nth = spec.split(":")
    return _CrashPoint(when, operation, int(nth))


_CRASH = _crash_point()


def _install_crash_hook(client: Any) -> None:
    if _CRASH is None:
        return
    crash = _CRASH

    def hit(model: Any) -> bool:
        if model.name != crash.operation:
            return False
        crash.seen += 1
        return crash.seen == crash.nth

    def kill() -> None:
        structlog.get_logger("slr").warning("crash.injected", spec=os.environ["SLR_CRASH_AT"])
        os.kill(os.getpid(), 9)

    if crash.when == "before":
        client.meta.events.register(
            "before-call.*.*", lambda model, **_: kill() if hit(model) else None
        )
    else:
        client.meta.events.register(
            "after-call.*.*", lambda model, **_: kill() if hit(model) else None
        )
