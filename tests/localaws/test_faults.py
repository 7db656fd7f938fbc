"""Faults injected into a running server, set through the Python API and the HTTP endpoint."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from localaws import Fault, LocalAWS, LocalAWSError

ClientFactory = Callable[..., Any]

ROLE = "AWSServiceRoleForMediaTailor"


def outcome(call: Callable[[], object]) -> tuple[str, int]:
    """("OK", 200) or the error code and HTTP status the client saw."""
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]
    return "OK", 200


def control(aws: LocalAWS, method: str, endpoint: str, body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{aws.endpoint_url}/_localaws/{endpoint}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def iam(aws: LocalAWS, client: ClientFactory) -> Any:
    # These tests read the role at once: IAM's eventual consistency is not what they test.
    aws.set_settings(iam_consistency_seconds=0)
    iam = client("iam")
    iam.create_service_linked_role(AWSServiceName="mediatailor.amazonaws.com")
    return iam


@pytest.fixture
def mediatailor(client: ClientFactory) -> Any:
    return client("mediatailor")


def test_iam_throttling_reads_throttling(aws: LocalAWS, iam: Any) -> None:
    aws.set_faults([Fault(service="iam", operation="GetRole", kind="throttle", count=1)])
    assert outcome(lambda: iam.get_role(RoleName=ROLE)) == ("Throttling", 400)


def test_mediatailor_throttling_reads_throttling_exception(aws: LocalAWS, mediatailor: Any) -> None:
    aws.set_faults([Fault(service="mediatailor", kind="throttle", count=1)])
    assert outcome(mediatailor.list_playback_configurations) == ("ThrottlingException", 429)


def test_iam_server_error_reads_service_failure(aws: LocalAWS, iam: Any) -> None:
    aws.set_faults([Fault(service="iam", kind="server_error", count=1)])
    assert outcome(lambda: iam.get_role(RoleName=ROLE)) == ("ServiceFailure", 500)


def test_mediatailor_server_error_reads_internal_server_error(
    aws: LocalAWS, mediatailor: Any
) -> None:
    aws.set_faults([Fault(service="mediatailor", kind="server_error", count=1)])
    assert outcome(mediatailor.list_channels) == ("InternalServerErrorException", 500)


def test_an_error_fault_sends_the_code_and_status_given(aws: LocalAWS, iam: Any) -> None:
    aws.set_faults(
        [
            Fault(
                service="iam",
                operation="DeleteServiceLinkedRole",
                kind="error",
                error_code="ConcurrentModification",
                http_status=409,
                count=1,
            )
        ]
    )
    assert outcome(lambda: iam.delete_service_linked_role(RoleName=ROLE)) == (
        "ConcurrentModification",
        409,
    )


def test_a_count_fault_fails_exactly_n_calls_then_lets_them_through(
    aws: LocalAWS, iam: Any
) -> None:
    aws.set_faults([Fault(service="iam", operation="GetRole", kind="throttle", count=2)])
    outcomes = [outcome(lambda: iam.get_role(RoleName=ROLE))[0] for _ in range(4)]
    assert outcomes == ["Throttling", "Throttling", "OK", "OK"]


def test_a_fault_leaves_other_operations_alone(aws: LocalAWS, iam: Any) -> None:
    aws.set_faults([Fault(service="iam", operation="GetRole", kind="throttle")])
    assert outcome(iam.list_roles) == ("OK", 200)


def test_a_fault_leaves_other_regions_alone(aws: LocalAWS, client: ClientFactory) -> None:
    aws.set_faults([Fault(service="mediatailor", region="eu-west-1", kind="throttle")])
    assert outcome(client("mediatailor", "us-east-1").list_channels) == ("OK", 200)
    assert outcome(client("mediatailor", "eu-west-1").list_channels)[0] == "ThrottlingException"


def test_a_fault_without_count_or_probability_fires_every_time(
    aws: LocalAWS, mediatailor: Any
) -> None:
    aws.set_faults([Fault(service="mediatailor", operation="ListChannels", kind="throttle")])
    assert {outcome(mediatailor.list_channels)[0] for _ in range(5)} == {"ThrottlingException"}


def test_a_probability_fault_fires_on_some_calls(aws: LocalAWS, mediatailor: Any) -> None:
    aws.set_faults([Fault(service="mediatailor", kind="throttle", probability=0.5)], seed=3)
    outcomes = {outcome(mediatailor.list_channels)[0] for _ in range(40)}
    assert outcomes == {"OK", "ThrottlingException"}


def test_latency_delays_the_call_by_at_least_its_milliseconds(
    aws: LocalAWS, mediatailor: Any
) -> None:
    aws.set_faults([Fault(service="mediatailor", kind="latency", latency_ms=300, count=1)])
    started = time.monotonic()
    mediatailor.list_channels()
    assert time.monotonic() - started >= 0.3


def test_a_faulted_call_changes_nothing(aws: LocalAWS, mediatailor: Any) -> None:
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                operation="PutPlaybackConfiguration",
                kind="server_error",
                count=1,
            )
        ]
    )
    outcome(lambda: mediatailor.put_playback_configuration(Name="pc-1"))
    assert mediatailor.list_playback_configurations()["Items"] == []


def test_an_applied_server_error_answers_500_after_the_write_took_effect(
    aws: LocalAWS, mediatailor: Any
) -> None:
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                operation="PutPlaybackConfiguration",
                kind="server_error",
                applied=True,
                count=1,
            )
        ]
    )
    assert outcome(lambda: mediatailor.put_playback_configuration(Name="pc-1")) == (
        "InternalServerErrorException",
        500,
    )
    assert mediatailor.get_playback_configuration(Name="pc-1")["Name"] == "pc-1"


def test_a_drop_closes_the_connection_unanswered_after_the_write_took_effect(
    aws: LocalAWS, iam: Any
) -> None:
    aws.set_faults([Fault(service="iam", operation="UpdateRole", kind="drop", count=1)])
    with pytest.raises(ConnectionClosedError):
        iam.update_role(RoleName=ROLE, Description="set before the drop")
    # The same client's next call gets a connection of its own and an answer.
    assert iam.get_role(RoleName=ROLE)["Role"]["Description"] == "set before the drop"


def test_a_drop_not_applied_changes_nothing(aws: LocalAWS, mediatailor: Any) -> None:
    aws.set_faults([Fault(service="mediatailor", kind="drop", applied=False, count=1)])
    with pytest.raises(ConnectionClosedError):
        mediatailor.put_playback_configuration(Name="pc-1")
    with pytest.raises(ClientError, match="NotFound"):
        mediatailor.get_playback_configuration(Name="pc-1")


def held(call: Callable[[], object]) -> tuple[threading.Thread, list[tuple[str, int]]]:
    """``call`` started in a thread of its own; the list gets its outcome when it answers."""
    answered: list[tuple[str, int]] = []
    thread = threading.Thread(target=lambda: answered.append(outcome(call)))
    thread.start()
    return thread, answered


def test_a_held_call_runs_only_once_its_gate_opens(aws: LocalAWS, mediatailor: Any) -> None:
    aws.set_faults([Fault(service="mediatailor", kind="hold", gate="g", count=1)])
    thread, answered = held(lambda: mediatailor.put_playback_configuration(Name="pc-1"))
    aws.wait_for_gate("g")
    assert mediatailor.list_playback_configurations()["Items"] == []  # not run yet
    assert answered == []
    aws.open_gate("g")
    thread.join()
    assert answered == [("OK", 200)]
    assert mediatailor.get_playback_configuration(Name="pc-1")["Name"] == "pc-1"


def test_an_applied_hold_waits_after_the_call_took_effect_before_it_answers(
    aws: LocalAWS, mediatailor: Any
) -> None:
    aws.set_faults([Fault(service="mediatailor", kind="hold", gate="g", applied=True, count=1)])
    thread, answered = held(lambda: mediatailor.put_playback_configuration(Name="pc-1"))
    aws.wait_for_gate("g")
    assert mediatailor.get_playback_configuration(Name="pc-1")["Name"] == "pc-1"
    assert answered == []
    aws.open_gate("g")
    thread.join()
    assert answered == [("OK", 200)]


def test_a_gate_counts_the_calls_that_arrived_and_an_open_one_lets_later_calls_pass(
    aws: LocalAWS, mediatailor: Any
) -> None:
    aws.set_faults([Fault(service="mediatailor", kind="hold", gate="g")])
    threads = [held(mediatailor.list_channels)[0] for _ in range(3)]
    aws.wait_for_gate("g", calls=3)
    with pytest.raises(LocalAWSError, match="3 of 4 calls arrived at gate 'g'"):
        aws.wait_for_gate("g", calls=4, timeout=0.0)
    aws.open_gate("g")
    for thread in threads:
        thread.join()
    assert outcome(mediatailor.list_channels) == ("OK", 200)  # passes the open gate


def test_reset_lets_the_held_calls_go_and_closes_the_gates(aws: LocalAWS, mediatailor: Any) -> None:
    aws.set_faults([Fault(service="mediatailor", kind="hold", gate="g", count=1)])
    thread, answered = held(mediatailor.list_channels)
    aws.wait_for_gate("g")
    aws.reset()
    thread.join()
    assert answered == [("OK", 200)]
    with pytest.raises(LocalAWSError, match="0 of 1 calls arrived"):
        aws.wait_for_gate("g", timeout=0.0)  # arrivals forgotten


def test_clear_faults_disarms_them(aws: LocalAWS, iam: Any) -> None:
    aws.set_faults([Fault(service="iam", kind="throttle")])
    aws.clear_faults()
    assert outcome(lambda: iam.get_role(RoleName=ROLE)) == ("OK", 200)


def test_set_faults_replaces_and_add_faults_appends(aws: LocalAWS) -> None:
    aws.set_faults([Fault(service="iam", kind="throttle")])
    aws.set_faults([Fault(service="mediatailor", kind="throttle")])
    aws.add_faults([Fault(service="iam", kind="server_error")])
    assert [(f["service"], f["kind"]) for f in aws.armed_faults()] == [
        ("mediatailor", "throttle"),
        ("iam", "server_error"),
    ]


def test_armed_faults_report_what_fired(aws: LocalAWS, iam: Any) -> None:
    aws.set_faults([Fault(service="iam", operation="GetRole", kind="throttle", count=3)])
    outcome(lambda: iam.get_role(RoleName=ROLE))
    [fault] = aws.armed_faults()
    assert (fault["fired"], fault["remaining"]) == (1, 2)


def test_faults_armed_at_start_fire() -> None:
    with LocalAWS(faults=[Fault(service="iam", kind="throttle", count=1)]) as other:
        iam = other.client("iam", config=Config(retries={"total_max_attempts": 1}))
        assert outcome(iam.list_roles) == ("Throttling", 400)
        assert outcome(iam.list_roles) == ("OK", 200)


def test_http_put_arms_faults(aws: LocalAWS, iam: Any) -> None:
    status, body = control(
        aws,
        "PUT",
        "faults",
        {"faults": [{"service": "iam", "operation": "GetRole", "kind": "throttle", "count": 1}]},
    )
    assert status == 200
    assert body["faults"][0]["remaining"] == 1
    assert outcome(lambda: iam.get_role(RoleName=ROLE)) == ("Throttling", 400)
    assert outcome(lambda: iam.get_role(RoleName=ROLE)) == ("OK", 200)


def test_http_post_adds_and_get_lists_faults(aws: LocalAWS) -> None:
    control(aws, "PUT", "faults", {"faults": [{"service": "iam", "kind": "throttle"}]})
    control(
        aws,
        "POST",
        "faults",
        {"faults": [{"service": "mediatailor", "kind": "latency", "latency_ms": 5}]},
    )
    status, body = control(aws, "GET", "faults")
    assert status == 200
    assert [f["service"] for f in body["faults"]] == ["iam", "mediatailor"]


def test_http_delete_clears_faults(aws: LocalAWS, mediatailor: Any) -> None:
    control(aws, "PUT", "faults", {"faults": [{"service": "*", "kind": "server_error"}]})
    assert control(aws, "DELETE", "faults") == (200, {"faults": []})
    assert outcome(mediatailor.list_channels) == ("OK", 200)


def test_http_latency_fault_delays_calls(aws: LocalAWS, iam: Any) -> None:
    control(
        aws,
        "PUT",
        "faults",
        {"faults": [{"service": "iam", "kind": "latency", "latency_ms": 200, "count": 1}]},
    )
    started = time.monotonic()
    iam.get_role(RoleName=ROLE)
    assert time.monotonic() - started >= 0.2


def test_http_server_error_fault(aws: LocalAWS, mediatailor: Any) -> None:
    control(aws, "PUT", "faults", {"faults": [{"service": "mediatailor", "kind": "server_error"}]})
    assert outcome(mediatailor.list_channels) == ("InternalServerErrorException", 500)


@pytest.mark.parametrize(
    "body",
    [
        {"faults": [{"service": "iam", "kind": "explode"}]},
        {"faults": [{"service": "iam", "kind": "throttle", "cuont": 1}]},
        {"faults": [{"kind": "throttle"}]},
        ["not", "an", "object"],
        {"fault": [{"service": "iam", "kind": "throttle"}]},
        {"faults": {"service": "iam", "kind": "throttle"}},
        {"faults": [{"service": "iam", "kind": "latency", "latency_ms": 9, "applied": True}]},
        {"faults": [{"service": "iam", "kind": "hold"}]},
        {"faults": [{"service": "iam", "kind": "throttle", "gate": "g"}]},
    ],
    ids=[
        "unknown kind",
        "unknown field",
        "no service",
        "not an object",
        "misspelt key",
        "not a list",
        "applied latency",
        "hold without a gate",
        "gate without a hold",
    ],
)
def test_http_refuses_a_malformed_fault_and_keeps_the_armed_ones(aws: LocalAWS, body: Any) -> None:
    aws.set_faults([Fault(service="iam", kind="throttle")])
    status, answer = control(aws, "PUT", "faults", body)
    assert status == 400
    assert answer["error"]
    assert len(aws.armed_faults()) == 1


def test_a_rate_limit_over_http_throttles_beyond_the_burst_per_region(
    aws: LocalAWS, client: ClientFactory
) -> None:
    control(
        aws,
        "PUT",
        "faults",
        {
            "faults": [
                {
                    "service": "mediatailor",
                    "operation": "ListChannels",
                    "kind": "rate_limit",
                    "rate_per_second": 0.001,
                    "burst": 2,
                }
            ]
        },
    )
    east, west = client("mediatailor", "us-east-1"), client("mediatailor", "eu-west-1")
    assert [outcome(east.list_channels)[0] for _ in range(3)] == [
        "OK",
        "OK",
        "ThrottlingException",
    ]
    assert outcome(west.list_channels) == ("OK", 200)
    assert outcome(east.list_playback_configurations) == ("OK", 200)
    [armed] = aws.armed_faults()
    assert (armed["fired"], armed["rate_per_second"], armed["burst"]) == (1, 0.001, 2)


def test_a_throttled_write_never_reaches_the_service(aws: LocalAWS, mediatailor: Any) -> None:
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                operation="PutPlaybackConfiguration",
                kind="rate_limit",
                rate_per_second=0.001,
                burst=1,
            )
        ]
    )
    mediatailor.put_playback_configuration(Name="first")
    assert outcome(lambda: mediatailor.put_playback_configuration(Name="second")) == (
        "ThrottlingException",
        429,
    )
    with pytest.raises(ClientError, match="NotFound"):
        mediatailor.get_playback_configuration(Name="second")


def test_a_bad_rate_limit_over_http_is_refused(aws: LocalAWS) -> None:
    status, body = control(
        aws, "PUT", "faults", {"faults": [{"service": "*", "kind": "rate_limit", "burst": 1}]}
    )
    assert status == 400
    assert "rate_per_second" in body["error"]


def test_a_rest_or_json_operation_is_told_apart_on_every_call(
    aws: LocalAWS, mediatailor: Any, client: ClientFactory
) -> None:
    # Their operations are known from the route alone (kept once per route): still each
    # call's own, whatever the calls before it.
    aws.set_faults(
        [
            Fault(service="mediatailor", operation="ListChannels", kind="throttle"),
            Fault(service="dynamodb", operation="ListTables", kind="throttle"),
        ]
    )
    dynamodb = client("dynamodb")
    for _ in range(2):
        assert outcome(mediatailor.list_playback_configurations) == ("OK", 200)
        assert outcome(mediatailor.list_channels)[0] == "ThrottlingException"
        assert outcome(dynamodb.describe_limits) == ("OK", 200)
        assert outcome(dynamodb.list_tables)[0] == "ThrottlingException"
