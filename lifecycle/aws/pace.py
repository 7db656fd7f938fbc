"""The send rate of one client (a service in one region of one account), learnt from AWS's
throttling answers and shared by every worker that calls there.

AWS limits request rates per account, region and operation with token buckets. Until its
first throttling answer a pace sends as fast as its workers ask; from then on it spaces the
sends at a rate, which grows by :data:`GROWTH` of itself per second while AWS accepts its
calls (at most :data:`GROWTH_PER_CALL` per call), and which each throttling answer cuts:

- *near the limit* (AWS accepted at least :data:`NEAR_SAMPLES` calls sent since the last cut), to
  :data:`BETA` times the pace: it had only just passed the limit;
- *far past it* (the first answer, or nearly everything throttled since the last cut), to
  :data:`BETA` times what AWS accepted since the overload began. AWS's bucket was empty at
  that first throttling answer and is empty again now, so what it accepted in between, one
  call more, is an upper bound of its rate (at the first answer: the rate of its last few
  accepted calls, its burst included).

One cut per overload: a throttling answer to a call whose slot was reserved before the last
cut says nothing about the new rate, and a worker whose slot was reserved before a cut
reserves again. A slot that would come after the run's deadline is not reserved: the wait
for it is given up (:class:`~lifecycle.errors.DeadlinePassed`), as a retry is that would sleep
past it. botocore's adaptive mode works alike with CUBIC (a cut to 0.7x the rate
measured, then a cubic climb), its cuts too deep for a limit that does not move; how each
drained against the floor is in docs/performance.md (row 6, throttled drain).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from structlog.typing import FilteringBoundLogger

from lifecycle.aws.codes import throttled
from lifecycle.aws.retry import Deadline
from lifecycle.errors import DeadlinePassed

__all__ = ["BETA", "GROWTH", "GROWTH_PER_CALL", "MIN_RATE", "NEAR_SAMPLES", "Pace"]

T = TypeVar("T")

#: What a cut leaves of the pace (near the limit) or of AWS's accepted rate (far past it).
BETA = 0.9
#: The share of itself the rate gains per second while AWS accepts its calls: back from a cut
#: in about a second, and little past the limit while the answers of calls in flight come.
GROWTH = 0.1
#: At most this share of itself per accepted call (at slow limits, where a second holds few
#: calls): back from a cut in about 7 calls.
GROWTH_PER_CALL = 1 / 64
#: The slowest pace (calls per second), however often AWS throttles.
MIN_RATE = 0.5
#: Calls sent since the last cut and accepted that make a throttling answer "near the limit".
NEAR_SAMPLES = 4
#: How many of the last accepted calls, within the last second, make the first cut's figure.
_RECENT = 8
_NEVER = -float("inf")


class Pace:
    """Spaces the sends of one client once AWS has throttled it; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        #: Calls per second; ``None`` until AWS first throttles.
        self.rate: float | None = None
        #: The earliest time of the next send.
        self._next = 0.0
        self._recent: deque[float] = deque(maxlen=_RECENT)
        self._last_cut = _NEVER
        #: When the current overload began (a throttling answer far past the limit).
        self._overload: float | None = None
        #: Calls accepted that were sent since the last cut; accepted since the overload began.
        self._since_cut = self._since_overload = 0

    def reserve(self, within: float = math.inf) -> tuple[float, float]:
        """A send slot: ``(ticket, wait)``, the time it was reserved at and the seconds to wait
        for it. A slot reserved before a cut was spaced at the old rate: see :meth:`current`.
        A slot more than ``within`` seconds away is not reserved: DeadlinePassed."""
        with self._lock:
            now = self._clock()
            if self.rate is None:
                return now, 0.0
            when = max(now, self._next)
            if when - now > 0 and when - now >= within:
                raise DeadlinePassed(
                    f"the run's deadline comes before the next send slot, {when - now:.1f} s "
                    f"away at the {self.rate:.2f} calls per second AWS's throttling set"
                )
            self._next = when + 1.0 / self.rate
            return now, when - now

    def current(self, ticket: float) -> bool:
        """Whether the slot reserved at ``ticket`` is still good: no cut since."""
        with self._lock:
            return ticket >= self._last_cut

    def wait(self, sleep: Callable[[float], object], deadline: Deadline | None = None) -> float:
        """Wait for a send slot (again when a cut comes meanwhile); its ticket. DeadlinePassed
        when the slot would come after ``deadline``."""
        while True:
            ticket, wait = self.reserve(deadline.remaining() if deadline else math.inf)
            if wait <= 0:
                return ticket
            sleep(wait)
            if self.current(ticket):
                return ticket

    def call(
        self,
        send: Callable[[], T],
        *,
        sleep: Callable[[float], object] = time.sleep,
        deadline: Deadline | None = None,
        log: FilteringBoundLogger | None = None,
    ) -> T:
        """``send()`` in a slot of this pace, and what AWS's answer teaches it: a throttling
        error cuts the rate (each cut logged on ``log`` as ``aws.pace``), an answer means AWS
        accepted the call. DeadlinePassed when the slot would come after ``deadline``."""
        ticket = self.wait(sleep, deadline)
        try:
            answer = send()
        except Exception as error:
            rate = self.throttled(ticket) if throttled(error) else None
            if rate is not None and log is not None:
                log.info("aws.pace", rate_per_second=round(rate, 2))
            raise
        self.accepted(ticket)
        return answer

    def accepted(self, ticket: float) -> None:
        """AWS answered the call sent in the slot reserved at ``ticket`` without throttling
        it."""
        with self._lock:
            self._recent.append(self._clock())
            self._since_cut += ticket >= self._last_cut
            self._since_overload += 1
            if self.rate is not None:
                self.rate *= 1.0 + min(GROWTH_PER_CALL, GROWTH / self.rate)

    def throttled(self, ticket: float) -> float | None:
        """AWS throttled the call sent in the slot reserved at ``ticket``: the new rate, or
        ``None`` when this answer belongs to an overload already answered by a cut."""
        with self._lock:
            now = self._clock()
            if ticket < self._last_cut:
                return None
            if self.rate is not None and self._since_cut >= NEAR_SAMPLES:
                self.rate *= BETA
                self._overload = None
            else:
                accepted = self._accepted_rate(now)
                self.rate = BETA * min(accepted, self.rate or accepted)
                if self._overload is None:
                    self._overload, self._since_overload = now, 0
            self.rate = max(MIN_RATE, self.rate)
            self._last_cut, self._since_cut = now, 0
            # Slots reserved before are given up (see wait): the new spacing starts now.
            self._next = now + 1.0 / self.rate
            return self.rate

    def _accepted_rate(self, now: float) -> float:
        if self._overload is not None:
            return (self._since_overload + 1) / max(now - self._overload, 1e-3)
        recent = [at for at in self._recent if at > now - 1.0]
        return (len(recent) + 1) / max(now - (recent[0] if recent else now - 1.0), 1e-3)
