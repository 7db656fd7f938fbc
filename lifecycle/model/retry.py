"""Retry policies in AWS Step Functions' terms: data a workflow declares and diagrams show.
:mod:`lifecycle.aws.retry` turns them into tenacity strategies."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

__all__ = ["Jitter", "RetryPolicy"]

Jitter = Literal["FULL", "NONE"]


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
