"""MediaTailor's service-linked role, ``AWSServiceRoleForMediaTailor``.

MediaTailor uses the role to write session logs (playback configurations) and As Run logs
(channels) to CloudWatch Logs, so those are the role's dependents in every region.
"""

from __future__ import annotations

from typing import Any

from lifecycle import (
    LIST_REGIONS,
    OBSERVE,
    Access,
    Binding,
    Call,
    Dependent,
    Operation,
    Reads,
    RetryPolicy,
    Workflow,
)

__all__ = ["WORKFLOW", "MediaTailorDependents"]

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

# IAM is global: its operations are sent once, not per region.
GET_ROLE = Operation("iam", "GetRole", _R, regional=False)
CREATE_ROLE = Operation("iam", "CreateServiceLinkedRole", _W, regional=False)
UPDATE_ROLE = Operation("iam", "UpdateRole", _W, regional=False)
DELETE_ROLE = Operation("iam", "DeleteServiceLinkedRole", _W, regional=False)
DELETION_STATUS = Operation("iam", "GetServiceLinkedRoleDeletionStatus", _R, regional=False)

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

SCAN = (LIST_CONFIGURATIONS, LIST_CHANNELS, GET_CONFIGURATION)

#: Writes to IAM are retried patiently: ConcurrentModification clears in seconds.
IAM_WRITES = RetryPolicy(
    interval_seconds=1.0, backoff_rate=2.0, max_attempts=5, max_delay_seconds=20.0
)
#: MediaTailor throttles per account and region at a few calls per second.
SERVICE_CALLS = RetryPolicy(
    interval_seconds=0.5, backoff_rate=2.0, max_attempts=6, max_delay_seconds=10.0
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


class MediaTailorDependents:
    """Playback configurations with session logging on, and channels with an As Run log."""

    activates = PLAYBACK_CONFIGURATION

    kinds: tuple[str, ...] = (PLAYBACK_CONFIGURATION, CHANNEL)

    def scan(self, aws: Reads, region: str, kind: str, policy: RetryPolicy) -> list[Dependent]:
        operation, parse = _LISTS[kind]
        pages = aws.paginate(
            "mediatailor", operation.name, region, {"MaxResults": 100}, items="Items", policy=policy
        )
        return [parse(region, _complete(aws, region, kind, item, policy)) for item in pages]

    def deactivate(self, dependent: Dependent) -> Call:
        if dependent.kind == CHANNEL:
            return _channel_logs(dependent.region, dependent.name, [])
        # PercentEnabled 0 is what AWS calls deactivating the log configuration; the
        # strategies are sent unchanged so that only the percentage differs.
        return _configuration_logs(
            dependent.region, dependent.name, {**dependent.settings, "PercentEnabled": 0}
        )

    def reactivate(self, dependent: Dependent) -> Call:
        if dependent.kind == CHANNEL:
            return _channel_logs(
                dependent.region, dependent.name, list(dependent.settings.get("LogTypes", []))
            )
        return _configuration_logs(dependent.region, dependent.name, dependent.settings)

    def activate(self, dependent: Dependent, level: int) -> Call:
        # ConfigureLogsForPlaybackConfiguration sets the whole log configuration: send the
        # scanned settings (strategies, interaction logs) so that only the percentage changes.
        return _configuration_logs(
            dependent.region, dependent.name, {**dependent.settings, "PercentEnabled": level}
        )

    #: MediaTailor's model declares only BadRequestException; the wire code says the rest.
    vanished = frozenset({"NotFoundException"})

    def settings_of(self, call: Call) -> dict[str, Any]:
        names = ("PlaybackConfigurationName", "ChannelName")
        return {key: value for key, value in call.params.items() if key not in names}

    def deactivation_notes(self, dependent: Dependent) -> tuple[str, ...]:
        # AWS: a configuration using VENDED_LOGS also stops its delivery when deactivated.
        strategies = dependent.settings.get("EnabledLoggingStrategies") or ()
        if dependent.kind == PLAYBACK_CONFIGURATION and "VENDED_LOGS" in strategies:
            return ("a drain also stops its vended log delivery",)
        return ()


def _complete(
    aws: Reads, region: str, kind: str, item: dict[str, Any], policy: RetryPolicy
) -> dict[str, Any]:
    """``item``, read again by itself when the list left out what decides its activity."""
    if kind != PLAYBACK_CONFIGURATION or "LogConfiguration" in item:
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


#: How each kind of dependent is listed, and read from the list.
_LISTS = {
    PLAYBACK_CONFIGURATION: (LIST_CONFIGURATIONS, _configuration),
    CHANNEL: (LIST_CHANNELS, _channel),
}


def _configuration_logs(region: str, name: str, settings: Any) -> Call:
    params = {"PlaybackConfigurationName": name, **settings}
    return Call("mediatailor", CONFIGURE_CONFIGURATION_LOGS.name, region, params)


def _channel_logs(region: str, name: str, log_types: list[str]) -> Call:
    params = {"ChannelName": name, "LogTypes": log_types}
    return Call("mediatailor", CONFIGURE_CHANNEL_LOGS.name, region, params)


WORKFLOW = Workflow(
    name="mediatailor",
    title="AWS Elemental MediaTailor",
    principal="mediatailor.amazonaws.com",
    role_name="AWSServiceRoleForMediaTailor",
    service="mediatailor",
    dependents=MediaTailorDependents(),
    poll=DELETION_POLL,
    bindings={
        OBSERVE: Binding((GET_ROLE, DELETION_STATUS, LIST_REGIONS, *SCAN), SERVICE_CALLS),
        "create": Binding((CREATE_ROLE, GET_ROLE, UPDATE_ROLE), IAM_WRITES),
        "activate": Binding((CONFIGURE_CONFIGURATION_LOGS,), SERVICE_CALLS),
        "drain": Binding(
            (*SCAN, CONFIGURE_CONFIGURATION_LOGS, CONFIGURE_CHANNEL_LOGS), SERVICE_CALLS
        ),
        "verify": Binding((GET_ROLE, LIST_REGIONS, *SCAN), SERVICE_CALLS),
        "delete": Binding((DELETE_ROLE, DELETION_STATUS), IAM_WRITES),
        "reject": Binding((DELETION_STATUS,), IAM_WRITES),
        "restore": Binding((CONFIGURE_CONFIGURATION_LOGS, CONFIGURE_CHANNEL_LOGS), SERVICE_CALLS),
    },
)
