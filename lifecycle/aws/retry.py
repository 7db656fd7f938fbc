"""Retry policies in AWS Step Functions' terms, turned into tenacity strategies."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    import tenacity

__all__ = ["Deadline", "DeadlinePassed", "Jitter", "RetryPolicy", "retried", "retrying"]

Jitter = Literal["FULL", "NONE"]
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a call is retried (Step Functions' ``Retry`` fields).

    The defaults are Step Functions' own, except the jitter: full jitter spreads concurrent
    runners apart when AWS throttles them all at once.
    """

    #: Seconds before the first retry (``IntervalSeconds``).
    interval_seconds: float = 1.0
    #: Multiplier of the interval after each retry (``BackoffRate``).
    backoff_rate: float = 2.0
    #: Retries after the first attempt (``MaxAttempts``); 0 means never retry.
    max_attempts: int = 3
    #: Upper bound of one sleep (``MaxDelaySeconds``); ``None`` for no bound.
    max_delay_seconds: float | None = None
    #: ``FULL`` sleeps a random time up to the computed delay; ``NONE`` sleeps it exactly.
    jitter: Jitter = "FULL"

    def __post_init__(self) -> None:
        numbers = (self.interval_seconds, self.backoff_rate, self.max_delay_seconds or 1.0)
        if any(math.isnan(value) for value in numbers):
            raise ValueError("retry policy fields must be numbers, not NaN")
        if self.jitter not in ("FULL", "NONE"):
            raise ValueError(f"jitter must be FULL or NONE, not {self.jitter!r}")
        if self.interval_seconds < 0:
            raise ValueError("interval_seconds must be >= 0")
        if self.backoff_rate < 1.0:
            raise ValueError("backoff_rate must be >= 1.0")
        if self.max_attempts < 0:
            raise ValueError("max_attempts must be >= 0")
        if self.max_delay_seconds is not None and self.max_delay_seconds <= 0:
            raise ValueError("max_delay_seconds must be > 0")

    def delay(self, retry_number: int) -> float:
        """The un-jittered sleep before retry ``retry_number`` (1-based)."""
        try:
            raw = self.interval_seconds * self.backoff_rate ** (retry_number - 1)
        except OverflowError:  # a late retry of a steep backoff: the cap (or forever)
            raw = math.inf
        return raw if self.max_delay_seconds is None else min(raw, self.max_delay_seconds)

    def describe(self) -> str:
        """A short human summary, as diagrams and tables show it."""
        if self.max_attempts == 0:
            return "no retry"
        text = f"{self.max_attempts}x {self.interval_seconds:g}s x{self.backoff_rate:g}"
        if self.max_delay_seconds is not None:
            text += f" <={self.max_delay_seconds:g}s"
        return text + (" jitter" if self.jitter == "FULL" else "")


class Deadline:
    """One time limit over a whole run: no retry sleeps past it."""

    def __init__(self, seconds: float | None) -> None:
        #: Monotonic time after which no retry starts; ``inf`` when unbounded.
        self.at = math.inf if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0


class DeadlinePassed(Exception):
    """A wait was given up: it would have ended past the run's deadline. Not retried: the
    call it was for fails as a retry stopped by the deadline fails."""


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
    tenacity: most calls succeed at once, and tenacity's state for each one cost a 21-region
    scan a tenth of its client CPU. From the first error on, tenacity takes over with that
    error as its first attempt's outcome: the same retries, sleeps, stops and logs."""
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
