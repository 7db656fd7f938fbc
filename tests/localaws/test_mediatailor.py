"""The MediaTailor plug-in, through real boto3 clients (botocore validates every request and
parses every response against the service model)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

from localaws.mediatailor_responses import MediaTailorResponse
from localaws.process import LocalAWS
from tests.localaws.answers import error_of

ClientFactory = Callable[..., Any]

ROLE = "AWSServiceRoleForMediaTailor"
OUTPUTS = [
    {
        "ManifestName": "index",
        "SourceGroup": "hls",
        "HlsPlaylistSettings": {"ManifestWindowSeconds": 30},
    },
    {
        "ManifestName": "manifest",
        "SourceGroup": "dash",
        "DashPlaylistSettings": {"ManifestWindowSeconds": 30},
    },
]


def put_configuration(mediatailor: Any, name: str) -> dict[str, Any]:
    response: dict[str, Any] = mediatailor.put_playback_configuration(
        Name=name,
        VideoContentSourceUrl="https://origin.example.com/out/v1",
        AdDecisionServerUrl="https://ads.example.com/vast",
        Tags={"team": "media"},
    )
    return response


def create_channel(mediatailor: Any, name: str) -> dict[str, Any]:
    response: dict[str, Any] = mediatailor.create_channel(
        ChannelName=name, Outputs=OUTPUTS, PlaybackMode="LOOP"
    )
    return response


@pytest.fixture
def mediatailor(client: ClientFactory) -> Any:
    return client("mediatailor")


def listed(mediatailor: Any, operation: str = "list_playback_configurations") -> list[Any]:
    """Every item of a list, following NextToken (pages may be short or empty)."""
    pages = mediatailor.get_paginator(operation).paginate()
    return [item for page in pages for item in page["Items"]]


# Each implemented operation, called with botocore's parameter validation on.
OPERATIONS: dict[str, Callable[[Any], object]] = {
    "PutPlaybackConfiguration": lambda mt: put_configuration(mt, "pc-1"),
    "GetPlaybackConfiguration": lambda mt: mt.get_playback_configuration(Name="pc-1"),
    "ListPlaybackConfigurations": lambda mt: mt.list_playback_configurations(MaxResults=10),
    "ConfigureLogsForPlaybackConfiguration": lambda mt: (
        mt.configure_logs_for_playback_configuration(
            PlaybackConfigurationName="pc-1",
            PercentEnabled=10,
            EnabledLoggingStrategies=["VENDED_LOGS"],
            AdsInteractionLog={"PublishOptInEventTypes": ["RAW_ADS_RESPONSE"]},
            ManifestServiceInteractionLog={"ExcludeEventTypes": ["GENERATED_MANIFEST"]},
        )
    ),
    "DeletePlaybackConfiguration": lambda mt: mt.delete_playback_configuration(Name="pc-1"),
    "CreateChannel": lambda mt: create_channel(mt, "ch-1"),
    "DescribeChannel": lambda mt: mt.describe_channel(ChannelName="ch-1"),
    "ListChannels": lambda mt: mt.list_channels(MaxResults=10),
    "ConfigureLogsForChannel": lambda mt: mt.configure_logs_for_channel(
        ChannelName="ch-1", LogTypes=["AS_RUN"]
    ),
    "DeleteChannel": lambda mt: mt.delete_channel(ChannelName="ch-1"),
}


def test_the_operation_list_covers_every_implemented_operation() -> None:
    model = botocore.session.get_session().get_service_model("mediatailor")
    implemented = {
        name for name in model.operation_names if xform_name(name) in vars(MediaTailorResponse)
    }
    assert implemented == set(OPERATIONS)


def test_every_operation_round_trips_through_boto3(mediatailor: Any) -> None:
    for operation, call in OPERATIONS.items():
        response = call(mediatailor)
        assert isinstance(response, dict), operation
        assert response["ResponseMetadata"]["HTTPStatusCode"] in (200, 204), operation


def test_put_returns_the_configuration_with_arn_and_endpoints(mediatailor: Any) -> None:
    created = put_configuration(mediatailor, "pc-1")
    assert created["PlaybackConfigurationArn"] == (
        "arn:aws:mediatailor:us-east-1:123456789012:playbackConfiguration/pc-1"
    )
    assert created["HlsConfiguration"]["ManifestEndpointPrefix"].startswith("https://")
    assert created["Tags"] == {"team": "media"}


def test_a_new_configuration_does_not_log(mediatailor: Any) -> None:
    put_configuration(mediatailor, "pc-1")
    log = mediatailor.get_playback_configuration(Name="pc-1")["LogConfiguration"]
    assert log == {"PercentEnabled": 0, "EnabledLoggingStrategies": ["LEGACY_CLOUDWATCH"]}


def test_put_again_updates_and_keeps_the_log_configuration(mediatailor: Any) -> None:
    put_configuration(mediatailor, "pc-1")
    mediatailor.configure_logs_for_playback_configuration(
        PlaybackConfigurationName="pc-1", PercentEnabled=40
    )
    mediatailor.put_playback_configuration(Name="pc-1", SlateAdUrl="https://slate.example.com")
    configuration = mediatailor.get_playback_configuration(Name="pc-1")
    assert configuration["SlateAdUrl"] == "https://slate.example.com"
    assert configuration["LogConfiguration"]["PercentEnabled"] == 40


def test_list_items_carry_the_log_configuration(mediatailor: Any) -> None:
    put_configuration(mediatailor, "pc-1")
    mediatailor.configure_logs_for_playback_configuration(
        PlaybackConfigurationName="pc-1", PercentEnabled=25
    )
    [item] = listed(mediatailor)
    assert item["LogConfiguration"]["PercentEnabled"] == 25


def test_list_items_can_omit_the_log_configuration_which_get_still_has(
    aws: LocalAWS, mediatailor: Any
) -> None:
    aws.set_settings(list_omits_log_configuration=True)
    put_configuration(mediatailor, "pc-1")
    mediatailor.configure_logs_for_playback_configuration(
        PlaybackConfigurationName="pc-1", PercentEnabled=25
    )
    [item] = listed(mediatailor)
    assert "LogConfiguration" not in item
    assert item["Name"] == "pc-1"
    got = mediatailor.get_playback_configuration(Name="pc-1")
    assert got["LogConfiguration"]["PercentEnabled"] == 25


def test_configurations_are_per_region(client: ClientFactory) -> None:
    put_configuration(client("mediatailor", "eu-west-1"), "pc-1")
    assert listed(client("mediatailor", "us-east-1")) == []


def test_playback_configurations_paginate_past_one_hundred(aws: LocalAWS, mediatailor: Any) -> None:
    aws.set_settings(short_pages=False)  # full pages: what this test counts
    names = {f"pc-{i:03d}" for i in range(230)}
    for name in names:
        mediatailor.put_playback_configuration(Name=name)
    first = mediatailor.list_playback_configurations(MaxResults=100)
    assert len(first["Items"]) == 100
    second = mediatailor.list_playback_configurations(MaxResults=100, NextToken=first["NextToken"])
    assert len(second["Items"]) == 100
    paginator = mediatailor.get_paginator("list_playback_configurations")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 100}))
    assert [len(page["Items"]) for page in pages] == [100, 100, 30]
    assert "NextToken" not in pages[-1]
    assert {item["Name"] for page in pages for item in page["Items"]} == names


def test_channels_paginate_past_one_hundred(aws: LocalAWS, mediatailor: Any) -> None:
    aws.set_settings(short_pages=False)  # full pages: what this test counts
    names = {f"ch-{i:03d}" for i in range(120)}
    for name in names:
        create_channel(mediatailor, name)
    paginator = mediatailor.get_paginator("list_channels")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 50}))
    assert [len(page["Items"]) for page in pages] == [50, 50, 20]
    assert {item["ChannelName"] for page in pages for item in page["Items"]} == names


def test_channels_are_listed_by_the_lowercase_wire_parameters(
    aws: LocalAWS, mediatailor: Any
) -> None:
    aws.set_settings(short_pages=False)  # full pages: what this test counts
    for name in ("a", "b", "c"):
        create_channel(mediatailor, name)
    sent: list[str] = []
    mediatailor.meta.events.register(
        "before-send.mediatailor.ListChannels", lambda request, **_: sent.append(request.url)
    )
    page = mediatailor.list_channels(MaxResults=2)
    assert "maxResults=2" in sent[0]
    assert [item["ChannelName"] for item in page["Items"]] == ["a", "b"]
    rest = mediatailor.list_channels(MaxResults=2, NextToken=page["NextToken"])
    assert "nextToken=" in sent[1]
    assert [item["ChannelName"] for item in rest["Items"]] == ["c"]


def test_more_than_one_hundred_results_per_page_is_a_bad_request(mediatailor: Any) -> None:
    code, status, _ = error_of(lambda: mediatailor.list_playback_configurations(MaxResults=101))
    assert (code, status) == ("BadRequestException", 400)


def test_a_forged_next_token_is_a_bad_request(mediatailor: Any) -> None:
    code, _, _ = error_of(lambda: mediatailor.list_channels(NextToken="not-a-token"))
    assert code == "BadRequestException"


def test_percent_enabled_above_one_hundred_is_a_bad_request(mediatailor: Any) -> None:
    put_configuration(mediatailor, "pc-1")
    code, status, _ = error_of(
        lambda: mediatailor.configure_logs_for_playback_configuration(
            PlaybackConfigurationName="pc-1", PercentEnabled=101
        )
    )
    assert (code, status) == ("BadRequestException", 400)


def test_percent_enabled_below_zero_is_a_bad_request(mediatailor: Any) -> None:
    put_configuration(mediatailor, "pc-1")
    code, _, _ = error_of(
        lambda: mediatailor.configure_logs_for_playback_configuration(
            PlaybackConfigurationName="pc-1", PercentEnabled=-1
        )
    )
    assert code == "BadRequestException"


@pytest.mark.parametrize(
    "call",
    [
        lambda mt: mt.get_playback_configuration(Name="missing"),
        lambda mt: mt.delete_playback_configuration(Name="missing"),
        lambda mt: mt.configure_logs_for_playback_configuration(
            PlaybackConfigurationName="missing", PercentEnabled=10
        ),
        lambda mt: mt.describe_channel(ChannelName="missing"),
        lambda mt: mt.delete_channel(ChannelName="missing"),
        lambda mt: mt.configure_logs_for_channel(ChannelName="missing", LogTypes=[]),
    ],
    ids=[
        "GetPlaybackConfiguration",
        "DeletePlaybackConfiguration",
        "ConfigureLogsForPlaybackConfiguration",
        "DescribeChannel",
        "DeleteChannel",
        "ConfigureLogsForChannel",
    ],
)
def test_an_unknown_name_is_not_found_with_http_404(
    mediatailor: Any, call: Callable[[Any], object]
) -> None:
    code, status, message = error_of(lambda: call(mediatailor))
    assert (code, status) == ("NotFoundException", 404)
    assert "missing" in message


def test_a_second_channel_of_the_same_name_is_a_bad_request(mediatailor: Any) -> None:
    create_channel(mediatailor, "ch-1")
    code, _, _ = error_of(lambda: create_channel(mediatailor, "ch-1"))
    assert code == "BadRequestException"


def test_channel_logging_is_reported_in_describe_and_list(mediatailor: Any) -> None:
    create_channel(mediatailor, "ch-1")
    mediatailor.configure_logs_for_channel(ChannelName="ch-1", LogTypes=["AS_RUN"])
    described = mediatailor.describe_channel(ChannelName="ch-1")
    [item] = listed(mediatailor, "list_channels")
    assert described["LogConfiguration"] == {"LogTypes": ["AS_RUN"]}
    assert item["LogConfiguration"] == {"LogTypes": ["AS_RUN"]}


def test_turning_channel_logging_off_empties_the_log_types(mediatailor: Any) -> None:
    create_channel(mediatailor, "ch-1")
    mediatailor.configure_logs_for_channel(ChannelName="ch-1", LogTypes=["AS_RUN"])
    response = mediatailor.configure_logs_for_channel(ChannelName="ch-1", LogTypes=[])
    assert response["LogTypes"] == []
    assert mediatailor.describe_channel(ChannelName="ch-1")["LogConfiguration"]["LogTypes"] == []


def test_enabling_session_logs_creates_the_service_linked_role(
    aws: LocalAWS, client: ClientFactory, mediatailor: Any
) -> None:
    aws.set_settings(iam_consistency_seconds=0)  # read the role at once
    iam = client("iam")
    put_configuration(mediatailor, "pc-1")
    assert iam.list_roles()["Roles"] == []
    mediatailor.configure_logs_for_playback_configuration(
        PlaybackConfigurationName="pc-1", PercentEnabled=5
    )
    role = iam.get_role(RoleName=ROLE)["Role"]
    assert role["Path"] == "/aws-service-role/mediatailor.amazonaws.com/"


def test_enabling_the_as_run_log_creates_the_service_linked_role(
    aws: LocalAWS, client: ClientFactory, mediatailor: Any
) -> None:
    aws.set_settings(iam_consistency_seconds=0)  # read the role at once
    create_channel(mediatailor, "ch-1")
    mediatailor.configure_logs_for_channel(ChannelName="ch-1", LogTypes=["AS_RUN"])
    assert client("iam").get_role(RoleName=ROLE)["Role"]["RoleName"] == ROLE


def test_logging_off_does_not_create_the_role(
    aws: LocalAWS, client: ClientFactory, mediatailor: Any
) -> None:
    aws.set_settings(iam_consistency_seconds=0)  # else a new role would be hidden anyway
    put_configuration(mediatailor, "pc-1")
    mediatailor.configure_logs_for_playback_configuration(
        PlaybackConfigurationName="pc-1", PercentEnabled=0
    )
    assert client("iam").list_roles()["Roles"] == []


def test_a_region_without_mediatailor_is_refused(client: ClientFactory) -> None:
    code, _, message = error_of(lambda: client("mediatailor", "us-west-1").list_channels())
    assert code == "BadRequestException"
    assert "us-west-1" in message


def test_an_operation_not_implemented_says_so(mediatailor: Any) -> None:
    code, status, message = error_of(lambda: mediatailor.list_alerts(ResourceArn="arn:x"))
    assert (code, status) == ("NotImplemented", 501)
    assert "ListAlerts" in message
