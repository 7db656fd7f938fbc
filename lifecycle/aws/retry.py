"""Retry policies (:mod:`lifecycle.model.retry`) turned into tenacity strategies, and the
deadline a run's waits share."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from lifecycle.model.retry import RetryPolicy

if TYPE_CHECKING:
    import tenacity

__all__ = ["Deadline", "retried", "retrying"]

T = TypeVar("T")


class Deadline:
    """One time limit over a whole run: no retry sleeps past it."""

    def __init__(self, seconds: float | None) -> None:
        #: Monotonic time after which no retry starts; ``inf`` when unbounded.
        self.at = math.inf if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0


def retrying(
    policy: RetryPolicy,
    *,
    retry_on: Callable[[BaseException], bool] = lambda _: False,
    retry_result: Callable[[Any], bool] | None = None,
    patient_on: Callable[[BaseException], bool] = lambda _: False,
    deadline: Deadline | None = None,
    before_sleep: Callable[[tenacity.RetryCallState], None] | None = None,
    sleep: Callable[[float], Any] = time.sleep,
) -> tenacity.Retrying:
    """A tenacity ``Retrying`` for ``policy``: retries the exceptions ``retry_on`` accepts (and
    the results ``retry_result`` accepts: a poll), never sleeps past ``deadline``, and
    re-raises the last error (or returns the last result) when it gives up. An error
    ``patient_on`` accepts is retried past the policy's attempts, up to the deadline."""
    import tenacity

    cap = math.inf if policy.max_delay_seconds is None else policy.max_delay_seconds
    shape = {"multiplier": policy.interval_seconds, "exp_base": policy.backoff_rate, "max": cap}
    wait: tenacity.wait.wait_base = (
        tenacity.wait_random_exponential(**shape)
        if policy.jitter == "FULL"
        else tenacity.wait_exponential(**shape)
    )
    attempts = tenacity.stop_after_attempt(policy.max_attempts + 1)

    def stop(retry_state: tenacity.RetryCallState) -> bool:
        # upcoming_sleep is computed before stop is asked: give up when that sleep would end
        # past the run's deadline, so a run never overruns it by a whole backoff.
        late = deadline is not None and deadline.remaining() <= (retry_state.upcoming_sleep or 0)
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None and outcome.failed else None
        bounded = deadline is not None and math.isfinite(deadline.at)
        patient = error is not None and bounded and patient_on(error)
        return late or (attempts(retry_state) and not patient)

    retry: Any = tenacity.retry_if_exception(retry_on)
    if retry_result is not None:
        retry = retry | tenacity.retry_if_result(retry_result)
    return tenacity.Retrying(
        retry=retry,
        retry_error_callback=_last_result if retry_result else None,
        wait=wait,
        stop=stop,
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )


def retried(
    fn: Callable[[], T],
    policy: RetryPolicy,
    *,
    retry_on: Callable[[BaseException], bool] = lambda _: False,
    patient_on: Callable[[BaseException], bool] = lambda _: False,
    deadline: Deadline | None = None,
    before_sleep: Callable[[tenacity.RetryCallState], None] | None = None,
    sleep: Callable[[float], Any] = time.sleep,
) -> T:
    """``fn()`` retried as :func:`retrying` retries it, its first attempt made outside
    tenacity: most calls succeed at once, and building tenacity's state for each one is a
    scan's CPU spent for nothing (docs/performance.md, row 2). From the first error on,
    tenacity takes over with that error as its first attempt's outcome: the same retries,
    sleeps, stops and logs."""
    try:
        return fn()
    except Exception as error:
        first: list[BaseException] = [error]

    def again() -> T:
        if first:
            raise first.pop()
        return fn()

    layer = retrying(
        policy,
        retry_on=retry_on,
        patient_on=patient_on,
        deadline=deadline,
        before_sleep=before_sleep,
        sleep=sleep,
    )
    result: T = layer(again)
    return result


def _last_result(retry_state: tenacity.RetryCallState) -> Any:
    # A poll that runs out of patience returns its last answer rather than raising.
    assert retry_state.outcome is not None
    return retry_state.outcome.result()
