"""Sessions and clients for one run, and the one retry layer over them.

botocore is told never to retry (``total_max_attempts=1``): every retry, sleep and give-up is
decided here, by explicit wire error codes, and logged; each client's sends keep to the pace
AWS's throttling answers set (:mod:`lifecycle.aws.pace`). Every client refuses, at botocore's
``before-call`` event, any operation the workflow did not declare, and in a dry run any
operation it did not declare read-only, whatever the code above it does.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
from botocore import xform_name

from lifecycle.aws.calls import CallPool, R, T, WriteJournal
from lifecycle.aws.codes import (
    CONNECTION_ATTEMPTS,
    as_aws_error,
    classify,
    error_code,
    is_connection_error,
    throttled,
)
from lifecycle.aws.pace import Pace
from lifecycle.aws.retry import Deadline, retried
from lifecycle.aws.signing import Signing, calling_as
from lifecycle.aws.threads import Threads
from lifecycle.errors import DeadlinePassed, ErrorKind, Refused
from lifecycle.log import get_logger
from lifecycle.model.calls import Access, Call, CallRecord
from lifecycle.model.retry import RetryPolicy

__all__ = ["CLIENT_CONFIG", "Gateway", "available_regions"]


#: Every client's settings: botocore never retries (tenacity does, at each client's
#: :class:`Pace`), bounded timeouts.
CLIENT_CONFIG = botocore.config.Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=3,
    read_timeout=30,
    max_pool_connections=32,
    user_agent_extra="slr-lifecycle",
)

#: Calls any run may make whatever the workflow declares: finding out who we are.
_IDENTITY = frozenset({("sts", "GetCallerIdentity")})


class Gateway:
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
        pool: CallPool | None = None,
    ) -> None:
        """``pool``: shared threads and call slots (a fleet's); ``None``: this run's own."""
        self.session = session
        self.pool = pool
        self.dry_run = dry_run
        self.endpoint_url = endpoint_url
        self.deadline = deadline or Deadline(None)
        self.journal = journal
        self.concurrency = concurrency
        self._sleep = sleep
        self._allowed = (read_only if dry_run else declared) | _IDENTITY
        self._writes = declared - read_only
        self._clients: dict[tuple[str, str], Any] = {}
        #: One send rate per client (service and region), learnt from throttling answers.
        self._paces: dict[tuple[str, str], Pace] = {}
        self._lock = threading.Lock()
        self.records: list[CallRecord] = []
        self._log = get_logger()
        self._account: str | None = None
        #: Threads kept for the run's parallel work (a scan, a drain, the scan after it).
        self._threads = Threads()
        #: A fleet account's session calls through the fleet's shared clients, as itself.
        self._signing: Signing | None = getattr(session, "signing", None)

    # -- clients ---------------------------------------------------------------------------

    def client(self, service: str, region: str) -> Any:
        """A botocore client that never retries by itself and refuses what is not allowed."""
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                if self._signing is not None:
                    # Checked by this gateway, as this account, in each call (see send).
                    client = self._signing.clients.client(service, region, self.endpoint_url)
                else:
                    client = self.session.client(
                        service,
                        region_name=region,
                        endpoint_url=self.endpoint_url,
                        config=CLIENT_CONFIG,
                    )
                    client.meta.events.register("before-call.*.*", self._refuse_unallowed)
                self._clients[key] = client
                self._paces[key] = Pace()
            return self._clients[key]

    def _as_caller(self) -> AbstractContextManager[None]:
        """Around each attempt: a shared client signs as this gateway's account and is
        checked by this gateway."""
        if self._signing is None:
            return nullcontext()
        return calling_as(self._signing.credentials, self._refuse_unallowed)

    def _refuse_unallowed(self, model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        if (service, model.name) not in self._allowed:
            why = "a dry run sends no write" if self.dry_run else "not declared by the workflow"
            raise Refused(service, model.name, "-", "Refused", why, 0)

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
        call = Call(service, operation, region, dict(params))
        return self.send(call, policy=policy, eventual_not_found=eventual_not_found, expect=expect)

    def _recorded(self, call: Call) -> CallRecord:
        """A record of ``call``, kept in :attr:`records` from now on."""
        writes = (call.service, call.operation) in self._writes
        record = CallRecord(call, access=Access.WRITE if writes else Access.READ)
        with self._lock:
            self.records.append(record)
        return record

    def send(
        self,
        call: Call,
        *,
        policy: RetryPolicy,
        eventual_not_found: bool = False,
        expect: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """Send ``call`` as :meth:`call` does; a write is journaled under its own target."""
        service, operation, region, params = call.service, call.operation, call.region, call.params
        record = self._recorded(call)
        writes = record.access is Access.WRITE
        method = getattr(self.client(service, region), xform_name(operation))
        pace = self._paces[service, region]
        log = self._log.bind(service=service, operation=operation, region=region)
        journal = self.journal if writes else None
        token = journal.before_write(record.call) if journal else None

        def retry_on(error: BaseException) -> bool:
            if is_connection_error(error) and record.attempts >= CONNECTION_ATTEMPTS:
                return False
            return classify(error, eventual_not_found=eventual_not_found) is not ErrorKind.FATAL

        def before_sleep(state: Any) -> None:
            error: BaseException = state.outcome.exception()
            log.warning(
                "aws.retry",
                attempt=state.attempt_number,
                error_code=error_code(error) or type(error).__name__,
                kind=str(classify(error, eventual_not_found=eventual_not_found)),
                throttled=record.throttled,
                sleep_s=round(state.upcoming_sleep, 3),
            )

        # AWS's last answer: a call whose next slot would come after the deadline fails with
        # it, as the retry layer fails a call whose next retry would.
        last: list[BaseException] = []

        def send() -> dict[str, Any]:
            record.attempts += 1
            started = time.perf_counter()
            try:
                with self.pool.slot(region) if self.pool else nullcontext(), self._as_caller():
                    response: dict[str, Any] = method(**params)
            except Exception as error:
                record.latency_ms = round((time.perf_counter() - started) * 1000, 1)
                record.error_code = error_code(error) or type(error).__name__
                if throttled(error):
                    record.throttled += 1
                last[:] = [error]
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

        def attempt() -> dict[str, Any]:
            return pace.call(send, sleep=self._sleep, deadline=self.deadline, log=log)

        try:
            result = retried(
                attempt,
                policy,
                retry_on=retry_on,
                # Throttling is AWS setting the pace, not failing: wait for it while the
                # run's deadline allows, whatever the policy's attempts.
                patient_on=throttled,
                deadline=self.deadline,
                before_sleep=before_sleep,
                sleep=self._sleep,
            )
        except Refused:
            record.outcome = "refused"
            raise
        except Exception as error:
            answer = last[0] if isinstance(error, DeadlinePassed) and last else error
            failure = as_aws_error(service, operation, region, answer, record.attempts)
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

    def with_journal(self, journal: WriteJournal | None) -> Gateway:
        """This gateway (same clients, records and deadline) journaling writes to ``journal``:
        each step passes its own, explicitly."""
        view = copy.copy(self)
        view.journal = journal
        return view

    def simulate(self, call: Call) -> None:
        """Record the write a dry run would send, without sending it."""
        with self._lock:
            self.records.append(CallRecord(call, outcome="simulated", access=Access.WRITE))
        self._log.info(
            "aws.simulated", service=call.service, operation=call.operation, region=call.region
        )

    def map(self, fn: Callable[[T], R], items: list[T], *, workers: int | None = None) -> list[R]:
        """``fn`` over ``items`` in order, at most ``workers`` at once (default:
        ``concurrency``), each in a copy of the caller's log context, on this run's threads;
        the first exception is raised after every item has been tried."""
        workers = min(self.concurrency if workers is None else workers, len(items))
        if self.pool is not None and workers > 1:
            return self.pool.map(fn, items, workers)
        if workers <= 1:
            return [fn(item) for item in items]
        return self._threads.map(fn, items, workers)

    def together(self, *parts: Callable[[], None]) -> None:
        """Independent parts at once, on this run's own threads; in a fleet (a shared pool)
        one after the other: its runs already overlap across accounts, and threads of each
        account's own tripled the fleet's memory."""
        if self.pool is not None:
            for part in parts:
                part()
            return
        self._threads.map(lambda part: part(), list(parts), len(parts))

    def throttled_since(self, first: int) -> int:
        """Throttled answers to the calls recorded from index ``first`` on."""
        with self._lock:
            return sum(record.throttled for record in self.records[first:])

    def operations(self) -> list[dict[str, Any]]:
        """The calls made so far, as results report them."""
        with self._lock:
            return [record.as_dict() for record in self.records]


def _plain(response: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def available_regions(service: str, session: Any = None) -> list[str]:
    """Every commercial region where AWS offers ``service`` (from botocore's endpoint data, as
    ``session`` holds it when given)."""
    if session is None:
        session = boto3.session.Session()
    return sorted(session.get_available_regions(service))
