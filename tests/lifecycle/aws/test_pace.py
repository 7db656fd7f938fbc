"""A client's pace against the local AWS's own rate limit (its ``rate_limit`` fault, the token
bucket the server keeps), in simulated time: workers reserve slots, send, and learn the
answers one latency later, as they do over HTTP."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lifecycle.aws.pace import BETA, GROWTH, GROWTH_PER_CALL, MIN_RATE, NEAR_SAMPLES, Pace
from lifecycle.aws.retry import Deadline
from lifecycle.errors import DeadlinePassed
from localaws.faults import Call, Fault, FaultInjector

_CALL = Call("mediatailor", "ConfigureLogsForPlaybackConfiguration", "us-east-1", "rest-json")


@dataclass
class Clock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Drain:
    seconds: float
    throttled: int
    rates: list[float]


def drain(
    writes: int, rate: float, burst: int, workers: int, latency: float, *, pace: bool = True
) -> Drain:
    """``writes`` calls from ``workers`` at once against a limit of ``rate`` per second; each
    answer comes ``latency`` after its call; a throttled call is sent again (through the
    pace). Events run in time order: a worker reserves a slot when it is free, the server
    decides when the call arrives, the worker learns the answer a latency later."""
    clock = Clock()
    server = FaultInjector(
        [Fault(service="*", kind="rate_limit", rate_per_second=rate, burst=burst)], clock=clock
    )
    client = Pace(clock)
    untaken, done, throttled, rates = writes - workers, 0, 0, []
    # (time, order, kind, the slot's ticket)
    events: list[tuple[float, int, str, float]] = []
    order = 0

    def at(when: float, kind: str, sent: float = 0.0) -> None:
        nonlocal order
        order += 1
        heapq.heappush(events, (when, order, kind, sent))

    for _ in range(min(workers, writes)):
        at(0.0, "free")
    untaken = max(untaken, 0)
    while events:
        clock.now, _, kind, sent = heapq.heappop(events)
        if kind == "free":
            ticket, wait = client.reserve() if pace else (clock.now, 0.0)
            at(clock.now + wait, "send", ticket)
        elif kind == "send":
            if pace and not client.current(sent):
                at(clock.now, "free")  # a cut came while it waited: a new slot
                continue
            refused = server.decide(_CALL).error is not None
            at(clock.now + latency, "refused" if refused else "accepted", sent)
        elif kind == "refused":
            throttled += 1
            if pace and (cut := client.throttled(sent)) is not None:
                rates.append(cut)
            at(clock.now, "free")  # the same write again
        else:
            client.accepted(sent)
            done += 1
            if untaken:
                untaken -= 1
                at(clock.now, "free")
    assert done == writes
    return Drain(clock.now, throttled, rates)


@st.composite
def limits(draw: st.DrawFn) -> dict[str, float]:
    """A limit with a burst of at least a fifth of a second's calls (the throttled drain
    benchmark's 25 per second, burst 5, is the tightest), and workers that could pass it."""
    rate = draw(st.floats(min_value=2.0, max_value=200.0))
    burst = draw(st.integers(min_value=max(2, math.ceil(rate / 5)), max_value=max(20, int(rate))))
    latency = draw(st.floats(min_value=0.001, max_value=0.1))
    workers = draw(st.integers(min_value=1, max_value=16))
    assume(workers / latency >= 1.5 * rate)
    return {"rate": rate, "burst": burst, "workers": workers, "latency": latency}


@settings(max_examples=60, deadline=None)
@given(limits())
def test_a_pace_drains_near_the_rate_aws_allows_with_few_throttled_answers(
    limit: dict[str, float],
) -> None:
    # 30 s of writes at the limit. Finding the limit costs a couple of seconds and some
    # throttled answers whatever the rate: every worker's call in flight before the first
    # answer, then a dozen cuts at most from sending at once down to the limit. From then on,
    # a tenth of the writes at most.
    writes = int(30 * limit["rate"]) + int(limit["burst"])
    result = drain(writes, **limit)  # type: ignore[arg-type]
    floor = (writes - limit["burst"]) / limit["rate"]
    assert result.seconds <= 1.1 * floor + 2.0
    assert result.throttled <= 0.1 * writes + 2 * limit["workers"] + 15
    assert all(cut >= MIN_RATE for cut in result.rates)


def test_without_a_pace_the_same_workers_are_throttled_most_of_the_time() -> None:
    # What the property above guards against: workers that send as fast as they can.
    paced = drain(500, rate=25.0, burst=5, workers=8, latency=0.01)
    unpaced = drain(500, rate=25.0, burst=5, workers=8, latency=0.01, pace=False)
    assert unpaced.throttled > 10 * paced.throttled
    assert paced.throttled <= 50


def test_until_aws_throttles_a_pace_sends_at_once() -> None:
    clock = Clock()
    pace = Pace(clock)
    assert [pace.reserve() for _ in range(100)] == [(0.0, 0.0)] * 100
    assert pace.rate is None


def test_the_first_throttling_answer_cuts_to_a_share_of_what_aws_accepted_lately() -> None:
    clock = Clock()
    pace = Pace(clock)
    for _ in range(30):  # AWS accepts 30 calls a second
        ticket, _ = pace.reserve()
        clock.now += 1 / 30
        pace.accepted(ticket)
    ticket, _ = pace.reserve()
    cut = pace.throttled(ticket)
    # The last few accepted calls and the throttled one: an upper bound of AWS's rate.
    assert cut is not None
    assert BETA * 30 <= cut <= BETA * 30 * 1.3
    # The next slots are spaced at the new rate, from now.
    waits = [pace.reserve()[1] for _ in range(3)]
    assert waits == pytest.approx([1 / cut, 2 / cut, 3 / cut])


def test_one_overload_cuts_the_rate_once() -> None:
    clock = Clock()
    pace = Pace(clock)
    tickets = [pace.reserve()[0] for _ in range(8)]  # eight calls in flight
    clock.now += 0.1
    for ticket in tickets[:3]:
        pace.accepted(ticket)
    first = pace.throttled(tickets[3])
    assert first is not None
    # The other calls in flight were sent before the cut: their answers change nothing.
    assert [pace.throttled(ticket) for ticket in tickets[4:]] == [None] * 4
    assert pace.rate == first
    # A call sent after the cut and throttled cuts again.
    later, wait = pace.reserve()
    clock.now += wait
    assert pace.current(later)
    second = pace.throttled(later)
    assert second is not None
    assert second < first


def test_a_slot_reserved_before_a_cut_is_reserved_again_at_the_new_spacing() -> None:
    clock = Clock()
    pace = Pace(clock)
    pace.throttled(pace.reserve()[0])  # AWS has throttled: slots are spaced now
    waited: list[float] = []
    cut_meanwhile = [True]

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        clock.now += seconds
        if cut_meanwhile.pop() if cut_meanwhile else False:
            # Another worker's call was throttled while this one waited.
            assert pace.throttled(pace.reserve()[0]) is not None

    ticket = pace.wait(sleep)
    assert len(waited) == 2  # the first slot was given up after the cut
    assert pace.current(ticket)


def test_near_the_limit_a_cut_takes_a_share_of_the_pace() -> None:
    clock = Clock()
    pace = Pace(clock)
    pace.throttled(pace.reserve()[0])
    for _ in range(NEAR_SAMPLES):  # AWS accepts calls sent at the new pace
        ticket, wait = pace.reserve()
        clock.now += wait
        pace.accepted(ticket)
    rate = pace.rate
    assert rate is not None
    ticket, wait = pace.reserve()
    clock.now += wait
    assert pace.throttled(ticket) == pytest.approx(BETA * rate)


def test_accepted_calls_raise_the_rate_at_most_by_a_share_per_call_and_per_second() -> None:
    clock = Clock()
    pace = Pace(clock)
    pace.throttled(pace.reserve()[0])
    for _ in range(200):
        ticket, wait = pace.reserve()
        clock.now += wait
        before = pace.rate
        assert before is not None
        pace.accepted(ticket)
        assert pace.rate == pytest.approx(before * (1 + min(GROWTH_PER_CALL, GROWTH / before)))


def test_a_pace_never_falls_below_the_minimum_rate() -> None:
    clock = Clock()
    pace = Pace(clock)
    cuts = []
    for _ in range(60):  # AWS throttles everything
        ticket, wait = pace.reserve()
        clock.now += wait
        cuts.append(pace.throttled(ticket))
    assert cuts[-1] == MIN_RATE
    assert all(cut is not None and cut >= MIN_RATE for cut in cuts)


def test_a_slot_after_the_runs_deadline_is_given_up_and_left_to_others() -> None:
    clock = Clock()
    pace = Pace(clock)
    for _ in range(60):  # AWS throttles everything: the slowest pace, a slot every 2 s
        ticket, wait = pace.reserve()
        clock.now += wait
        pace.throttled(ticket)
    assert pace.rate == MIN_RATE
    deadline = Deadline(7.0)
    waited: list[float] = []
    given_up = 0
    for _ in range(10):  # ten workers queue for a slot at once
        try:
            pace.wait(waited.append, deadline)
        except DeadlinePassed:
            given_up += 1
    # The slots before the deadline are waited for; none of the others is.
    assert waited == pytest.approx([2.0, 4.0, 6.0])
    assert given_up == 7
    # A slot given up is not reserved: the next one is the first after those taken.
    assert pace.reserve()[1] == pytest.approx(8.0)
