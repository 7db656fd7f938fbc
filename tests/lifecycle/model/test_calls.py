"""One write's shape: its journal key, and the record of how it went."""

from __future__ import annotations

from lifecycle.model.workflow import Call


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
