"""One write's shape: its journal key, and the record of how it went."""

from __future__ import annotations

from lifecycle.model.workflow import Access, Call, CallRecord


def test_a_calls_key_is_its_operation_region_and_first_name() -> None:
    params = {"Percent": 100, "PlaybackConfigurationName": "live", "ChannelName": "other"}
    call = Call("mediatailor", "ConfigureLogsForPlaybackConfiguration", "eu-west-1", params)
    assert call.key == "ConfigureLogsForPlaybackConfiguration:eu-west-1:live"


def test_a_call_naming_nothing_has_an_empty_name_in_its_key() -> None:
    assert Call("iam", "CreateServiceLinkedRole", "us-east-1", {}).key == (
        "CreateServiceLinkedRole:us-east-1:"
    )
    assert Call("iam", "DeleteServiceLinkedRole", "us-east-1", {"RoleName": 7}).key == (
        "DeleteServiceLinkedRole:us-east-1:7"
    )


def test_a_records_dict_is_the_flat_operation_a_steps_result_lists() -> None:
    params = {"PlaybackConfigurationName": "live", "PercentEnabled": 0}
    call = Call("mediatailor", "ConfigureLogsForPlaybackConfiguration", "us-east-1", params)
    record = CallRecord(call, 3, "error", "ThrottlingException", 12.5, Access.WRITE, 2)
    as_dict = record.as_dict()
    assert as_dict == {
        "service": "mediatailor",
        "operation": "ConfigureLogsForPlaybackConfiguration",
        "region": "us-east-1",
        "parameters": params,
        "access": "write",
        "attempts": 3,
        "outcome": "error",
        "error_code": "ThrottlingException",
    }
    assert type(as_dict["access"]) is str  # JSON and YAML alike see a plain string
    assert list(as_dict) == [
        "service",
        "operation",
        "region",
        "parameters",
        "access",
        "attempts",
        "outcome",
        "error_code",
    ]


def test_a_fresh_record_is_a_read_not_yet_tried() -> None:
    record = CallRecord(Call("iam", "GetRole", "us-east-1", {"RoleName": "r"}))
    assert (record.attempts, record.outcome, record.access, record.throttled) == (
        0,
        "ok",
        Access.READ,
        0,
    )
    assert record.as_dict()["access"] == "read"
