"""Fault rules and the injector's decisions, without a server."""

from __future__ import annotations

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
