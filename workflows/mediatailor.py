"""MediaTailor's service-linked role, ``AWSServiceRoleForMediaTailor``.

MediaTailor uses the role to write session logs (playback configurations) and As Run logs
(channels) to CloudWatch Logs, so those are the role's dependents in every region.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lifecycle import (
    Access,
    Call,
    Demo,
    Dependent,
    Kind,
    Operation,
    Option,
    Reads,
    RetryPolicy,
    Workflow,
    integer,
)

__all__ = ["WORKFLOW", "Channels", "PlaybackConfigurations"]

PLAYBACK_CONFIGURATION = "playback-configuration"
CHANNEL = "channel"
#: The log settings of a playback configuration that a drain replaces and a restore puts back.
_CONFIGURATION_LOG_FIELDS = (
    "PercentEnabled",
    "EnabledLoggingStrategies",
    "AdsInteractionLog",
    "ManifestServiceInteractionLog",
)

_R, _W = Access.READ, Access.WRITE

LIST_CONFIGURATIONS = Operation("mediatailor", "ListPlaybackConfigurations", _R)
LIST_CHANNELS = Operation("mediatailor", "ListChannels", _R)
#: A list item may lack its LogConfiguration (optional in the model): then the configuration
#: itself tells whether it is active (fail closed).
GET_CONFIGURATION = Operation(
    "mediatailor",
    "GetPlaybackConfiguration",
    _R,
    resource="arn:{partition}:mediatailor:*:*:playbackConfiguration/*",
    conditional=True,
)
CONFIGURE_CONFIGURATION_LOGS = Operation(
    "mediatailor",
    "ConfigureLogsForPlaybackConfiguration",
    _W,
    resource="arn:{partition}:mediatailor:*:*:playbackConfiguration/*",
)
CONFIGURE_CHANNEL_LOGS = Operation(
    "mediatailor",
    "ConfigureLogsForChannel",
    _W,
    resource="arn:{partition}:mediatailor:*:*:channel/*",
)


#: Deletion-status polls. Each runner polls its own task, so there is no crowd to spread (no
#: jitter). The interval grows slowly (x1.25 from 1 s) so that a task of a few seconds is seen
#: within about a second of its end, and reaches Terraform's 10 s (Terraform reads first after
#: 10 s, then every 10 s) after about 40 s, so a long task costs only a few more reads. 33
#: polls: about 4.4 minutes of patience. Measured: docs/performance.md, row 4.
DELETION_POLL = RetryPolicy(
    interval_seconds=1.0,
    backoff_rate=1.25,
    max_attempts=33,
    max_delay_seconds=10.0,
    jitter="NONE",
)

#: MediaTailor's model declares only BadRequestException; the wire code says the rest.
_VANISHED = frozenset({"NotFoundException"})


class PlaybackConfigurations(Kind):
    """Playback configurations with session logging on (``PercentEnabled`` above 0)."""

    name = PLAYBACK_CONFIGURATION
    reads = (LIST_CONFIGURATIONS, GET_CONFIGURATION)
    writes = (CONFIGURE_CONFIGURATION_LOGS,)
    vanished = _VANISHED

    def list(self, aws: Reads, region: str, policy: RetryPolicy) -> list[Dependent]:
        pages = aws.paginate(
            "mediatailor",
            LIST_CONFIGURATIONS.name,
            region,
            {"MaxResults": 100},
            items="Items",
            policy=policy,
        )
        return [_configuration(region, _complete(aws, region, item, policy)) for item in pages]

    def deactivate(self, dependent: Dependent) -> Call:
        # PercentEnabled 0 is what AWS calls deactivating the log configuration; the
        # strategies are sent unchanged so that only the percentage differs.
        return _configuration_logs(
            dependent.region, dependent.name, {**dependent.settings, "PercentEnabled": 0}
        )

    def reactivate(self, dependent: Dependent) -> Call:
        return _configuration_logs(dependent.region, dependent.name, dependent.settings)

    def activate(self, dependent: Dependent, options: Mapping[str, Any]) -> Call:
        # ConfigureLogsForPlaybackConfiguration sets the whole log configuration: send the
        # scanned settings (strategies, interaction logs) so that only the percentage changes.
        settings = {**dependent.settings, "PercentEnabled": options["percent"]}
        return _configuration_logs(dependent.region, dependent.name, settings)

    def settings_of(self, call: Call) -> dict[str, Any]:
        return {k: v for k, v in call.params.items() if k != "PlaybackConfigurationName"}

    def notes(self, dependent: Dependent) -> tuple[str, ...]:
        # AWS: a configuration using VENDED_LOGS also stops its delivery when deactivated.
        if "VENDED_LOGS" in (dependent.settings.get("EnabledLoggingStrategies") or ()):
            return ("a drain also stops its vended log delivery",)
        return ()


class Channels(Kind):
    """Channels with an As Run log."""

    name = CHANNEL
    reads = (LIST_CHANNELS,)
    writes = (CONFIGURE_CHANNEL_LOGS,)
    vanished = _VANISHED

    def list(self, aws: Reads, region: str, policy: RetryPolicy) -> list[Dependent]:
        pages = aws.paginate(
            "mediatailor",
            LIST_CHANNELS.name,
            region,
            {"MaxResults": 100},
            items="Items",
            policy=policy,
        )
        return [_channel(region, item) for item in pages]

    def deactivate(self, dependent: Dependent) -> Call:
        return _channel_logs(dependent.region, dependent.name, [])

    def reactivate(self, dependent: Dependent) -> Call:
        log_types = list(dependent.settings.get("LogTypes", []))
        return _channel_logs(dependent.region, dependent.name, log_types)

    def settings_of(self, call: Call) -> dict[str, Any]:
        return {k: v for k, v in call.params.items() if k != "ChannelName"}


def _complete(aws: Reads, region: str, item: dict[str, Any], policy: RetryPolicy) -> dict[str, Any]:
    """``item``, read again by itself when the list left out what decides its activity."""
    if "LogConfiguration" in item:
        return item
    found: dict[str, Any] = aws.call(
        "mediatailor", GET_CONFIGURATION.name, region, {"Name": item["Name"]}, policy=policy
    )
    return found


def _configuration(region: str, item: dict[str, Any]) -> Dependent:
    log = item.get("LogConfiguration") or {}
    settings = {key: log[key] for key in _CONFIGURATION_LOG_FIELDS if key in log}
    settings.setdefault("PercentEnabled", 0)
    return Dependent(
        region,
        PLAYBACK_CONFIGURATION,
        item["Name"],
        item.get("PlaybackConfigurationArn", ""),
        active=settings["PercentEnabled"] > 0,
        settings=settings,
    )


def _channel(region: str, item: dict[str, Any]) -> Dependent:
    log_types = list((item.get("LogConfiguration") or {}).get("LogTypes") or [])
    return Dependent(
        region,
        CHANNEL,
        item["ChannelName"],
        item.get("Arn", ""),
        active="AS_RUN" in log_types,
        settings={"LogTypes": log_types},
    )


def _configuration_logs(region: str, name: str, settings: Any) -> Call:
    params = {"PlaybackConfigurationName": name, **settings}
    return Call("mediatailor", CONFIGURE_CONFIGURATION_LOGS.name, region, params, name)


def _channel_logs(region: str, name: str, log_types: list[str]) -> Call:
    params = {"ChannelName": name, "LogTypes": log_types}
    return Call("mediatailor", CONFIGURE_CHANNEL_LOGS.name, region, params, name)


#: What uses the role in ``slr demo``'s account before it decommissions it.
_DEMO_CONFIGURATIONS = {
    "us-east-1": {"live-news": 100, "ad-test": 0},
    "eu-west-1": {"vod-catalog": 20},
}
_DEMO_CHANNELS = {"us-west-2": {"linear-24x7": ["AS_RUN"]}}


def _seed(endpoint_url: str) -> str:
    """``slr demo``'s account on the local AWS at ``endpoint_url``."""
    from localaws.seed import seed

    seed(endpoint_url, configurations=_DEMO_CONFIGURATIONS, channels=_DEMO_CHANNELS)
    return (
        "session logging on in us-east-1 and eu-west-1, an As Run log in us-west-2; "
        "MediaTailor created AWSServiceRoleForMediaTailor by itself."
    )


WORKFLOW = Workflow(
    name="mediatailor",
    title="AWS Elemental MediaTailor",
    principal="mediatailor.amazonaws.com",
    role_name="AWSServiceRoleForMediaTailor",
    service="mediatailor",
    kinds=(PlaybackConfigurations(), Channels()),
    activates=PLAYBACK_CONFIGURATION,
    options=(
        Option(
            "percent",
            "the session-logging percentage activate sets (1..100)",
            100,
            integer(1, 100),
        ),
    ),
    poll=DELETION_POLL,
    demo=Demo(_seed),
)
