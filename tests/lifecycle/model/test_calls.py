"""One write's shape: its journal key, and the record of how it went."""

from __future__ import annotations

from lifecycle.model.calls import Access, Call, CallRecord


def test_a_calls_key_is_its_operation_region_and_the_target_it_names() -> None:
    params = {"AWSServiceName": "example.amazonaws.com", "WidgetName": "live"}
    call = Call("example", "ConfigureWidget", "eu-west-1", params, "live")
    assert call.key == "ConfigureWidget:eu-west-1:live"


def test_a_key_is_never_guessed_from_the_parameters() -> None:
    # AWSServiceName ends in "Name" too: the key is the target the write names, nothing else.
    params = {"AWSServiceName": "example.amazonaws.com"}
    assert Call("iam", "CreateServiceLinkedRole", "us-east-1", params).key == (
        "CreateServiceLinkedRole:us-east-1:"
    )
    assert Call("iam", "DeleteServiceLinkedRole", "us-east-1", {"RoleName": "r"}, "r").key == (
        "DeleteServiceLinkedRole:us-east-1:r"
    )


def test_a_call_read_back_keeps_its_target_from_a_document_or_the_journals_key() -> None:
    call = Call("example", "ConfigureWidget", "eu-west-1", {"WidgetName": "w"}, "w")
    document = CallRecord(call, access=Access.WRITE).as_dict()
    assert Call.from_dict(document) == call
    journaled = {"service": "example", "operation": "ConfigureWidget", "region": "eu-west-1"}
    row = {**journaled, "params": {"WidgetName": "w"}, "key": call.key}
    assert Call.from_dict(row) == call


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
        "target": "",
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
        "target",
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
