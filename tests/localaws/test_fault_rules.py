"""Fault rules and the injector's decisions, without a server."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from localaws.faults import Call, Fault, FaultInjector, render_error

GET_ROLE = Call(service="iam", operation="GetRole", region="us-east-1", protocol="query")
LIST_CONFIGS = Call(
    service="mediatailor",
    operation="ListPlaybackConfigurations",
    region="eu-west-1",
    protocol="rest-json",
)


def test_a_fault_matches_its_service_operation_and_region() -> None:
    fault = Fault(service="iam", operation="GetRole", kind="throttle", region="us-east-1")
    assert fault.matches(GET_ROLE)
    assert not fault.matches(LIST_CONFIGS)


def test_star_matches_any_service_operation_and_region() -> None:
    fault = Fault(service="*", kind="throttle")
    assert fault.matches(GET_ROLE)
    assert fault.matches(LIST_CONFIGS)


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"kind": "explode"}, "kind must be one of"),
        ({"kind": "throttle", "count": 0}, "count must be >= 1"),
        ({"kind": "throttle", "probability": 1.5}, "probability"),
        ({"kind": "throttle", "count": 1, "probability": 0.5}, "not both"),
        ({"kind": "latency"}, "latency_ms > 0"),
        ({"kind": "error", "error_code": "ConcurrentModification"}, "http_status"),
        ({"kind": "throttle", "http_status": 200}, "error status"),
        ({"kind": "rate_limit", "burst": 5}, "rate_per_second and burst"),
        ({"kind": "rate_limit", "rate_per_second": 0, "burst": 5}, "rate_per_second must be > 0"),
        ({"kind": "rate_limit", "rate_per_second": 5, "burst": 0}, "burst must be"),
        ({"kind": "rate_limit", "rate_per_second": 5, "burst": 1.5}, "burst must be"),
        ({"kind": "rate_limit", "rate_per_second": 5, "burst": 2, "count": 1}, "by rate"),
        ({"kind": "throttle", "rate_per_second": 5}, "belong to a rate_limit"),
        ({"kind": "latency", "latency_ms": 5, "applied": True}, "applied belongs"),
        ({"kind": "rate_limit", "rate_per_second": 5, "burst": 2, "applied": True}, "applied"),
        ({"kind": "server_error", "applied": "yes"}, "applied must be true or false"),
        ({"kind": "drop", "error_code": "ServiceFailure"}, "a drop answers nothing"),
        ({"kind": "unprocessed"}, "service dynamodb, BatchWriteItem"),
    ],
)
def test_an_invalid_fault_is_refused(fields: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        Fault(service="iam", **fields)  # type: ignore[arg-type]


def test_from_dict_refuses_unknown_fields() -> None:
    with pytest.raises(ValueError, match="unknown fault field"):
        Fault.from_dict({"service": "iam", "kind": "throttle", "cuont": 2})


def test_a_fault_survives_its_json_form() -> None:
    fault = Fault(service="iam", operation="GetRole", kind="latency", latency_ms=50, count=3)
    assert Fault.from_dict(fault.to_dict()) == fault


@given(count=st.integers(min_value=1, max_value=20), calls=st.integers(min_value=0, max_value=40))
def test_a_count_fault_fires_on_exactly_the_first_n_matching_calls(count: int, calls: int) -> None:
    injector = FaultInjector(
        [Fault(service="iam", operation="GetRole", kind="throttle", count=count)]
    )
    fired = [injector.decide(GET_ROLE).error is not None for _ in range(calls)]
    assert fired == [i < count for i in range(calls)]


def test_a_count_fault_ignores_calls_it_does_not_match() -> None:
    injector = FaultInjector([Fault(service="iam", operation="GetRole", kind="throttle", count=1)])
    assert injector.decide(LIST_CONFIGS).error is None
    assert injector.decide(GET_ROLE).error is not None


def test_probability_one_always_fires_and_zero_never() -> None:
    always = FaultInjector([Fault(service="iam", kind="throttle", probability=1.0)])
    never = FaultInjector([Fault(service="iam", kind="throttle", probability=0.0)])
    assert all(always.decide(GET_ROLE).error for _ in range(50))
    assert not any(never.decide(GET_ROLE).error for _ in range(50))


def test_a_seed_makes_probabilities_reproducible() -> None:
    fault = Fault(service="iam", kind="throttle", probability=0.5)

    def run() -> list[bool]:
        injector = FaultInjector([fault], seed=7)
        return [injector.decide(GET_ROLE).error is not None for _ in range(30)]

    assert run() == run()


def test_latencies_add_up_and_the_first_firing_error_wins() -> None:
    injector = FaultInjector(
        [
            Fault(service="iam", kind="latency", latency_ms=30),
            Fault(service="iam", kind="server_error", count=1),
            Fault(service="iam", kind="throttle", count=1),
            Fault(service="*", kind="latency", latency_ms=20),
        ]
    )
    first = injector.decide(GET_ROLE)
    assert first.delay_seconds == pytest.approx(0.05)
    assert first.error is not None
    assert first.error.kind == "server_error"
    # The throttle kept its count: the error before it answered the first call.
    second = injector.decide(GET_ROLE)
    assert second.error is not None
    assert second.error.kind == "throttle"


def test_describe_reports_fired_and_remaining() -> None:
    injector = FaultInjector([Fault(service="iam", kind="throttle", count=2)])
    injector.decide(GET_ROLE)
    [described] = injector.describe()
    assert (described["fired"], described["remaining"]) == (1, 1)


def test_iam_throttling_renders_as_query_xml() -> None:
    status, headers, body = render_error(Fault(service="iam", kind="throttle"), GET_ROLE)
    assert status == 400
    assert ("Content-Type", "text/xml") in headers
    assert b"<Code>Throttling</Code>" in body


def test_mediatailor_throttling_renders_as_rest_json() -> None:
    status, headers, body = render_error(Fault(service="*", kind="throttle"), LIST_CONFIGS)
    assert status == 429
    assert ("x-amzn-ErrorType", "ThrottlingException") in headers
    assert b'"__type": "ThrottlingException"' in body


# -- rate limits ------------------------------------------------------------------------------


def limiter(burst: int = 3, rate: float = 1e-9, region: str = "*") -> FaultInjector:
    """A rate limit on MediaTailor; the default rate refills nothing within a test."""
    return FaultInjector(
        [
            Fault(
                service="mediatailor",
                kind="rate_limit",
                region=region,
                rate_per_second=rate,
                burst=burst,
            )
        ]
    )


def throttled(injector: FaultInjector, call: Call, times: int) -> list[bool]:
    return [injector.decide(call).error is not None for _ in range(times)]


def test_a_rate_limit_lets_a_burst_through_then_throttles() -> None:
    assert throttled(limiter(burst=3), LIST_CONFIGS, 5) == [False, False, False, True, True]


def test_a_rate_limit_refills_at_its_rate() -> None:
    injector = limiter(burst=1, rate=50.0)
    assert throttled(injector, LIST_CONFIGS, 2) == [False, True]
    time.sleep(0.05)
    assert throttled(injector, LIST_CONFIGS, 1) == [False]


def test_a_star_region_limits_each_region_on_its_own() -> None:
    injector = limiter(burst=1)
    elsewhere = replace(LIST_CONFIGS, region="us-west-2")
    assert throttled(injector, LIST_CONFIGS, 2) == [False, True]
    assert throttled(injector, elsewhere, 2) == [False, True]


def test_a_rate_limit_keeps_accounts_and_operations_apart() -> None:
    injector = limiter(burst=1)
    other_account = replace(LIST_CONFIGS, account="111122223333")
    other_operation = replace(LIST_CONFIGS, operation="ListChannels")
    assert throttled(injector, LIST_CONFIGS, 2) == [False, True]
    assert throttled(injector, other_account, 1) == [False]
    assert throttled(injector, other_operation, 1) == [False]


def test_a_rate_limit_counts_what_it_throttled() -> None:
    injector = limiter(burst=2)
    throttled(injector, LIST_CONFIGS, 5)
    [described] = injector.describe()
    assert described["fired"] == 3


def test_a_rate_limit_renders_as_the_services_throttling() -> None:
    fault = Fault(service="*", kind="rate_limit", rate_per_second=1, burst=1)
    assert render_error(fault, LIST_CONFIGS)[0] == 429
    status, _, body = render_error(fault, GET_ROLE)
    assert (status, b"<Code>Throttling</Code>" in body) == (400, True)


def test_only_a_drop_or_an_applied_fault_lets_the_call_take_effect() -> None:
    assert Fault(service="iam", kind="drop").takes_effect
    assert not Fault(service="iam", kind="drop", applied=False).takes_effect
    assert Fault(service="iam", kind="server_error", applied=True).takes_effect
    assert not Fault(service="iam", kind="server_error").takes_effect
