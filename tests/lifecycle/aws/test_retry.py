"""RetryPolicy in Step Functions' terms, and the tenacity ``Retrying`` built from it.

No test sleeps: ``retrying(sleep=...)`` records each sleep, and a deadline "passes time" by
moving its end closer by every recorded sleep.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle.aws.retry import Deadline, retried, retrying
from lifecycle.model.retry import RetryPolicy


class Boom(Exception):
    """A retryable failure that remembers which attempt raised it."""

    def __init__(self, attempt: int) -> None:
        super().__init__(f"attempt {attempt}")
        self.attempt = attempt


class Refused(Exception):
    """A failure no retry changes."""


def failing(exc: Callable[[int], BaseException]) -> tuple[Callable[[], Any], list[int]]:
    """A callable that raises ``exc(n)`` on its n-th call, and the list of its calls."""
    calls: list[int] = []

    def fn() -> Any:
        calls.append(len(calls) + 1)
        raise exc(len(calls))

    return fn, calls


def answers(*results: str) -> tuple[Callable[[], str], list[str]]:
    """A callable returning ``results`` one per call (the last one repeated)."""
    given_back: list[str] = []
    it: Iterator[str] = iter(results)

    def fn() -> str:
        value = next(it, results[-1])
        given_back.append(value)
        return value

    return fn, given_back


def is_boom(error: BaseException) -> bool:
    return isinstance(error, Boom)


policies = st.builds(
    RetryPolicy,
    interval_seconds=st.floats(0, 100, allow_nan=False),
    backoff_rate=st.floats(1, 10, allow_nan=False),
    max_attempts=st.integers(0, 40),
    max_delay_seconds=st.none() | st.floats(0.001, 1000, allow_nan=False),
    jitter=st.sampled_from(["FULL", "NONE"]),
)


# -- RetryPolicy.delay ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (RetryPolicy(1.0, 2.0, 4), [1.0, 2.0, 4.0, 8.0]),
        (RetryPolicy(0.5, 3.0, 3), [0.5, 1.5, 4.5]),
        (RetryPolicy(1.0, 2.0, 5, max_delay_seconds=5.0), [1.0, 2.0, 4.0, 5.0, 5.0]),
        (RetryPolicy(2.0, 1.0, 3), [2.0, 2.0, 2.0]),
    ],
)
def test_delay_is_interval_times_rate_to_the_retries_before_capped_by_max_delay(
    policy: RetryPolicy, expected: list[float]
) -> None:
    assert [policy.delay(n) for n in range(1, len(expected) + 1)] == pytest.approx(expected)


@settings(max_examples=100)
@given(policies)
def test_delay_never_exceeds_max_delay(policy: RetryPolicy) -> None:
    cap = math.inf if policy.max_delay_seconds is None else policy.max_delay_seconds
    assert all(policy.delay(n) <= cap for n in range(1, policy.max_attempts + 2))


@settings(max_examples=100)
@given(policies)
def test_delay_never_decreases_from_one_retry_to_the_next(policy: RetryPolicy) -> None:
    delays = [policy.delay(n) for n in range(1, policy.max_attempts + 2)]
    assert delays == sorted(delays)


def test_delay_of_a_late_retry_is_the_cap_not_an_overflow() -> None:
    policy = RetryPolicy(1.0, 10.0, 500, max_delay_seconds=10.0)
    assert policy.delay(400) == 10.0


@pytest.mark.parametrize(
    "fields",
    [
        {"interval_seconds": -0.1},
        {"backoff_rate": 0.99},
        {"backoff_rate": 0.0},
        {"max_attempts": -1},
        {"max_delay_seconds": 0.0},
        {"max_delay_seconds": -5.0},
    ],
    ids=lambda fields: ",".join(f"{k}={v}" for k, v in fields.items()),
)
def test_an_invalid_field_value_raises_value_error(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(fields))):
        RetryPolicy(**fields)


@pytest.mark.parametrize(
    "fields",
    [
        {"interval_seconds": math.nan},
        {"backoff_rate": math.nan},
        {"max_delay_seconds": math.nan},
        {"jitter": "full"},
    ],
    ids=["interval-nan", "rate-nan", "max-delay-nan", "jitter-lowercase"],
)
def test_a_value_no_step_functions_retry_accepts_raises_value_error(
    fields: dict[str, Any],
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - any field may be named
        RetryPolicy(**fields)


def test_default_policy_is_step_functions_defaults_with_full_jitter() -> None:
    assert RetryPolicy() == RetryPolicy(1.0, 2.0, 3, None, "FULL")


# -- retrying: which errors, how many attempts ------------------------------------------------


def test_an_error_retry_on_rejects_is_raised_after_one_attempt() -> None:
    fn, calls = failing(lambda _: Refused("denied"))
    sleeps: list[float] = []
    with pytest.raises(Refused):
        retrying(RetryPolicy(max_attempts=5), retry_on=is_boom, sleep=sleeps.append)(fn)
    assert (calls, sleeps) == ([1], [])


def test_without_retry_on_nothing_is_retried() -> None:
    fn, calls = failing(Boom)
    with pytest.raises(Boom):
        retrying(RetryPolicy(max_attempts=5), sleep=lambda _: None)(fn)
    assert calls == [1]


def test_an_accepted_error_is_retried_until_the_call_succeeds() -> None:
    outcomes: list[BaseException | str] = [Boom(1), Boom(2), "ok"]

    def fn() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    result = retrying(RetryPolicy(max_attempts=5), retry_on=is_boom, sleep=lambda _: None)(fn)
    assert (result, outcomes) == ("ok", [])


@settings(max_examples=50)
@given(max_attempts=st.integers(0, 8))
def test_gives_up_after_max_attempts_plus_one_and_reraises_the_last_error(
    max_attempts: int,
) -> None:
    fn, calls = failing(Boom)
    policy = RetryPolicy(0.01, 2.0, max_attempts)
    with pytest.raises(Boom) as raised:
        retrying(policy, retry_on=is_boom, sleep=lambda _: None)(fn)
    assert len(calls) == max_attempts + 1
    assert raised.value.attempt == max_attempts + 1


def test_before_sleep_hears_of_each_retry_with_its_attempt_number() -> None:
    fn, _ = failing(Boom)
    heard: list[int] = []
    with pytest.raises(Boom):
        retrying(
            RetryPolicy(max_attempts=3),
            retry_on=is_boom,
            before_sleep=lambda state: heard.append(state.attempt_number),
            sleep=lambda _: None,
        )(fn)
    assert heard == [1, 2, 3]


# -- retrying: how long it sleeps -------------------------------------------------------------


@settings(max_examples=60)
@given(policies.filter(lambda p: p.max_attempts <= 10))
def test_full_jitter_sleeps_between_zero_and_the_policy_delay(policy: RetryPolicy) -> None:
    policy = RetryPolicy(
        policy.interval_seconds,
        policy.backoff_rate,
        policy.max_attempts,
        policy.max_delay_seconds,
        "FULL",
    )
    fn, _ = failing(Boom)
    sleeps: list[float] = []
    with pytest.raises(Boom):
        retrying(policy, retry_on=is_boom, sleep=sleeps.append)(fn)
    assert len(sleeps) == policy.max_attempts
    for n, slept in enumerate(sleeps, start=1):
        assert 0 <= slept <= policy.delay(n)


@settings(max_examples=60)
@given(policies.filter(lambda p: p.max_attempts <= 10))
def test_no_jitter_sleeps_exactly_the_policy_delay(policy: RetryPolicy) -> None:
    policy = RetryPolicy(
        policy.interval_seconds,
        policy.backoff_rate,
        policy.max_attempts,
        policy.max_delay_seconds,
        "NONE",
    )
    fn, _ = failing(Boom)
    sleeps: list[float] = []
    with pytest.raises(Boom):
        retrying(policy, retry_on=is_boom, sleep=sleeps.append)(fn)
    expected = [policy.delay(n) for n in range(1, policy.max_attempts + 1)]
    assert sleeps == pytest.approx(expected)


def test_full_jitter_does_not_sleep_the_same_time_every_run() -> None:
    # 20 runs of 3 sleeps drawn from [0, 1], [0, 2], [0, 4]: equal draws mean no jitter.
    policy = RetryPolicy(1.0, 2.0, 3, jitter="FULL")
    runs: set[tuple[float, ...]] = set()
    for _ in range(20):
        fn, _ = failing(Boom)
        sleeps: list[float] = []
        with pytest.raises(Boom):
            retrying(policy, retry_on=is_boom, sleep=sleeps.append)(fn)
        runs.add(tuple(sleeps))
    assert len(runs) > 1


# -- Deadline ---------------------------------------------------------------------------------


def passing_time(deadline: Deadline, sleeps: list[float]) -> Callable[[float], None]:
    """A fake sleep: records the sleep and brings the deadline that much closer."""

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        deadline.at -= seconds

    return sleep


def test_a_deadline_stops_before_a_sleep_that_would_end_past_it() -> None:
    deadline = Deadline(35.0)
    sleeps: list[float] = []
    fn, calls = failing(Boom)
    policy = RetryPolicy(10.0, 2.0, 10, jitter="NONE")
    with pytest.raises(Boom) as raised:
        retrying(policy, retry_on=is_boom, deadline=deadline, sleep=passing_time(deadline, sleeps))(
            fn
        )
    # 10 s and 20 s fit in 35 s; the 40 s that follows would not.
    assert sleeps == [10.0, 20.0]
    assert calls == [1, 2, 3]
    assert raised.value.attempt == 3


def test_an_expired_deadline_still_allows_the_first_attempt_but_no_retry() -> None:
    fn, calls = failing(Boom)
    sleeps: list[float] = []
    with pytest.raises(Boom):
        retrying(
            RetryPolicy(0.01, 2.0, 5), retry_on=is_boom, deadline=Deadline(0), sleep=sleeps.append
        )(fn)
    assert (calls, sleeps) == ([1], [])


def test_an_unbounded_deadline_never_expires() -> None:
    deadline = Deadline(None)
    assert (deadline.remaining(), deadline.expired()) == (math.inf, False)


def test_a_deadline_counts_down_from_its_seconds() -> None:
    deadline = Deadline(60.0)
    assert 0 < deadline.remaining() <= 60.0
    assert not deadline.expired()


def test_a_deadline_of_zero_seconds_has_expired() -> None:
    assert Deadline(0).expired()


# -- retry_result: polls ----------------------------------------------------------------------


def test_a_poll_repeats_while_the_predicate_holds_and_returns_the_first_other_result() -> None:
    fn, seen = answers("IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED", "NEVER")
    result = retrying(
        RetryPolicy(0.01, 1.5, 10, jitter="NONE"),
        retry_result=lambda status: status == "IN_PROGRESS",
        sleep=lambda _: None,
    )(fn)
    assert result == "SUCCEEDED"
    assert seen == ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]


def test_a_poll_out_of_attempts_returns_its_last_result_instead_of_raising() -> None:
    fn, seen = answers("IN_PROGRESS")
    result = retrying(
        RetryPolicy(0.01, 1.5, 2, jitter="NONE"),
        retry_result=lambda status: status == "IN_PROGRESS",
        sleep=lambda _: None,
    )(fn)
    assert result == "IN_PROGRESS"
    assert len(seen) == 3


def test_a_poll_stopped_by_its_deadline_returns_its_last_result() -> None:
    deadline = Deadline(5.0)
    sleeps: list[float] = []
    fn, seen = answers("NOT_STARTED", "IN_PROGRESS")
    result = retrying(
        RetryPolicy(2.0, 2.0, 30, jitter="NONE"),
        retry_result=lambda status: status != "SUCCEEDED",
        deadline=deadline,
        sleep=passing_time(deadline, sleeps),
    )(fn)
    # 2 s fits in 5 s; the 4 s after it would end past the deadline.
    assert (result, seen, sleeps) == ("IN_PROGRESS", ["NOT_STARTED", "IN_PROGRESS"], [2.0])


def test_a_poll_still_raises_an_error_retry_on_rejects() -> None:
    fn, calls = failing(lambda _: Refused("denied"))
    with pytest.raises(Refused):
        retrying(RetryPolicy(0.01, 1.5, 5), retry_result=lambda _: True, sleep=lambda _: None)(fn)
    assert calls == [1]


# -- describe ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "text"),
    [
        (RetryPolicy(), "3x 1s x2 jitter"),
        (RetryPolicy(max_attempts=0), "no retry"),
        (RetryPolicy(0.5, 2.0, 6, max_delay_seconds=10.0), "6x 0.5s x2 <=10s jitter"),
        (RetryPolicy(1.0, 1.5, 30, max_delay_seconds=10.0, jitter="NONE"), "30x 1s x1.5 <=10s"),
        (RetryPolicy(0.25, 1.0, 2, jitter="NONE"), "2x 0.25s x1"),
    ],
)
def test_describe_summarises_attempts_interval_rate_cap_and_jitter(
    policy: RetryPolicy, text: str
) -> None:
    assert policy.describe() == text


# -- retried: the first attempt outside tenacity ----------------------------------------------


outcomes = st.lists(st.sampled_from(["boom", "refused", "ok"]), min_size=1, max_size=8)


def scripted(script: list[str]) -> tuple[Callable[[], str], list[str]]:
    """A callable that raises or returns as ``script`` says, call by call (then "ok")."""
    seen: list[str] = []

    def fn() -> str:
        step = script[len(seen)] if len(seen) < len(script) else "ok"
        seen.append(step)
        if step == "boom":
            raise Boom(len(seen))
        if step == "refused":
            raise Refused(step)
        return f"ok after {len(seen)}"

    return fn, seen


def outcome_of(run: Callable[[], str]) -> str:
    try:
        return run()
    except Exception as error:  # the outcome compared, whichever it is
        return f"{type(error).__name__}: {error}"


@settings(max_examples=200)
@given(script=outcomes, max_attempts=st.integers(0, 5))
def test_retried_does_what_retrying_does_call_for_call(
    script: list[str], max_attempts: int
) -> None:
    policy = RetryPolicy(0.5, 2.0, max_attempts, jitter="NONE")
    heard: dict[str, list[tuple[int, float]]] = {"retrying": [], "retried": []}
    slept: dict[str, list[float]] = {"retrying": [], "retried": []}
    results: dict[str, str] = {}
    calls: dict[str, list[str]] = {}
    for name in ("retrying", "retried"):
        fn, calls[name] = scripted(script)
        options: dict[str, Any] = {
            "retry_on": is_boom,
            "before_sleep": lambda state, n=name: heard[n].append(
                (state.attempt_number, state.upcoming_sleep)
            ),
            "sleep": slept[name].append,
        }
        if name == "retrying":
            results[name] = outcome_of(lambda o=options, f=fn: retrying(policy, **o)(f))
        else:
            results[name] = outcome_of(lambda o=options, f=fn: retried(f, policy, **o))
    assert results["retried"] == results["retrying"]
    assert calls["retried"] == calls["retrying"]
    assert heard["retried"] == heard["retrying"]
    assert slept["retried"] == slept["retrying"]


def test_retried_never_builds_the_retry_layer_for_a_call_that_succeeds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import lifecycle.aws.retry

    def unwanted(*_: Any, **__: Any) -> Any:
        raise AssertionError("tenacity's layer built for a call that needed no retry")

    monkeypatch.setattr(lifecycle.aws.retry, "retrying", unwanted)
    assert retried(lambda: "ok", RetryPolicy(), retry_on=is_boom) == "ok"
