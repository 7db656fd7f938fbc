"""AWS Elemental MediaTailor for moto's server (moto has none), registered at run time.

Per account and region: playback configurations (Put, Get, List, Delete), channels (Create,
Describe, List, Delete) and their logging (ConfigureLogsForPlaybackConfiguration,
ConfigureLogsForChannel). Turning logging on creates ``AWSServiceRoleForMediaTailor`` in moto's
IAM when it is absent, as the real service does, and the IAM plug-in asks :func:`role_usage`
what still uses the role when a deletion task completes.

Requests are parsed and responses serialized by moto from botocore's model; errors are sent in
rest-json form (``x-amzn-ErrorType`` header and ``__type``), so boto3's ``Error.Code`` reads
``NotFoundException``, ``BadRequestException``...

Lists, as MediaTailor's API reference describes them (DynamoDB-style pagination): pages may
hold fewer than ``MaxResults`` items, even none, while a ``NextToken`` says more remain
(setting ``short_pages``, on by default; :mod:`localaws.pages`). With
``list_omits_log_configuration`` the items of ListPlaybackConfigurations carry no
``LogConfiguration`` (optional in botocore's model); GetPlaybackConfiguration still does.

Under moto's IAM enforcement every request is authorized as AWS does it
(:mod:`localaws.authorization`) against the resource it acts on (the List
operations against ``*``), and refusals come in MediaTailor's form: ``AccessDeniedException``
(403), ``UnrecognizedClientException`` for an unknown key, ``InvalidSignatureException``.
"""

from __future__ import annotations

import hashlib
import types
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.utilities.utils import get_partition

from localaws import iam
from localaws.last_used import role_used
from localaws.principals import service_linked_role_name
from localaws.restjson import RestJsonError

__all__ = [
    "PRINCIPAL",
    "Channel",
    "MediaTailorBackend",
    "MediaTailorError",
    "PlaybackConfiguration",
    "mediatailor_backends",
    "role_usage",
]

SERVICE = "mediatailor"
PRINCIPAL = "mediatailor.amazonaws.com"
#: The page size limit and default of both list operations.
MAX_RESULTS = 100


#: What moto expects of a service's ``urls`` module; the install in
#: :mod:`localaws.mediatailor_responses` routes every path to the response class.
URLS = types.SimpleNamespace(
    url_bases=[r"https?://(api\.)?mediatailor\.(.+)\.amazonaws\.com"],
    url_paths={},
)


class MediaTailorError(RestJsonError):
    """An error MediaTailor answers with; sent in rest-json form."""


class BadRequestException(MediaTailorError):
    code = "BadRequestException"
    status = 400


class NotFoundException(MediaTailorError):
    code = "NotFoundException"
    status = 404


class UnknownOperationException(MediaTailorError):
    code = "UnknownOperationException"
    status = 404


class NotImplementedOperation(MediaTailorError):
    code = "NotImplemented"
    status = 501


#: The resource each operation acts on, by its name parameter (the rest act on ``*``).
_RESOURCES = {
    "PutPlaybackConfiguration": ("playbackConfiguration", "Name"),
    "GetPlaybackConfiguration": ("playbackConfiguration", "Name"),
    "DeletePlaybackConfiguration": ("playbackConfiguration", "Name"),
    "ConfigureLogsForPlaybackConfiguration": ("playbackConfiguration", "PlaybackConfigurationName"),
    "CreateChannel": ("channel", "ChannelName"),
    "DescribeChannel": ("channel", "ChannelName"),
    "DeleteChannel": ("channel", "ChannelName"),
    "ConfigureLogsForChannel": ("channel", "ChannelName"),
}


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PlaybackConfiguration:
    """A playback configuration; ``settings`` holds the Put parameters as given."""

    name: str
    arn: str
    endpoint_id: str
    region: str
    settings: dict[str, Any]
    tags: dict[str, str]
    #: PercentEnabled, EnabledLoggingStrategies and the optional interaction log settings
    log_configuration: dict[str, Any] = field(
        default_factory=lambda: {
            "PercentEnabled": 0,
            "EnabledLoggingStrategies": ["LEGACY_CLOUDWATCH"],
        }
    )

    @property
    def uses_role(self) -> bool:
        return int(self.log_configuration.get("PercentEnabled", 0)) > 0

    def describe(self) -> dict[str, Any]:
        host = f"https://{self.endpoint_id}.mediatailor.{self.region}.amazonaws.com"
        dash = {
            "ManifestEndpointPrefix": f"{host}/v1/dash/{self.endpoint_id}/{self.name}/",
            "MpdLocation": "EMT_DEFAULT",
            "OriginManifestType": "MULTI_PERIOD",
            **self.settings.get("DashConfiguration", {}),
        }
        return {
            **self.settings,
            "Name": self.name,
            "PlaybackConfigurationArn": self.arn,
            "PlaybackEndpointPrefix": host,
            "SessionInitializationEndpointPrefix": (
                f"{host}/v1/session/{self.endpoint_id}/{self.name}/"
            ),
            "HlsConfiguration": {
                "ManifestEndpointPrefix": f"{host}/v1/master/{self.endpoint_id}/{self.name}/"
            },
            "DashConfiguration": dash,
            "LogConfiguration": dict(self.log_configuration),
            "Tags": dict(self.tags),
        }


@dataclass
class Channel:
    """A channel-assembly channel; ``settings`` holds the CreateChannel parameters as given."""

    name: str
    arn: str
    region: str
    settings: dict[str, Any]
    tags: dict[str, str]
    created: datetime = field(default_factory=_now)
    modified: datetime = field(default_factory=_now)
    log_types: list[str] = field(default_factory=list)

    @property
    def uses_role(self) -> bool:
        return "AS_RUN" in self.log_types

    def describe(self) -> dict[str, Any]:
        base = f"https://channel-assembly.mediatailor.{self.region}.amazonaws.com/v1/channel"
        outputs = []
        for output in self.settings.get("Outputs", []):
            extension = "mpd" if "DashPlaylistSettings" in output else "m3u8"
            outputs.append(
                {
                    **output,
                    "PlaybackUrl": f"{base}/{self.name}/{output['ManifestName']}.{extension}",
                }
            )
        return {
            **self.settings,
            "Arn": self.arn,
            "ChannelName": self.name,
            "ChannelState": "STOPPED",
            "CreationTime": self.created,
            "LastModifiedTime": self.modified,
            "Outputs": outputs,
            "Tier": self.settings.get("Tier", "BASIC"),
            "LogConfiguration": {"LogTypes": list(self.log_types)},
            "Tags": dict(self.tags),
        }


class MediaTailorBackend(BaseBackend):
    """MediaTailor's state in one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.playback_configurations: dict[str, PlaybackConfiguration] = {}
        self.channels: dict[str, Channel] = {}
        # Stable per account and region, like the real endpoint prefixes.
        self.endpoint_id = hashlib.sha256(f"{account_id}/{region_name}".encode()).hexdigest()[:32]

    @property
    def _url_module(self) -> Any:
        return URLS

    def _arn(self, resource: str) -> str:
        partition = get_partition(self.region_name)
        return f"arn:{partition}:mediatailor:{self.region_name}:{self.account_id}:{resource}"

    def _ensure_role(self) -> None:
        """Logging is on: the role exists, and MediaTailor writes logs with it (IAM's
        RoleLastUsed reads this region, now)."""
        partition = get_partition(self.region_name)
        iam.ensure_service_linked_role(self.account_id, PRINCIPAL, partition)
        role_used(self.account_id, service_linked_role_name(PRINCIPAL), self.region_name, partition)

    def _stopped(self, arn: str) -> None:
        """A resource stopped using the role: IAM's deletion still sees it for a while."""
        iam.role_user_stopped(self.account_id, PRINCIPAL, self.region_name, arn)

    def put_playback_configuration(
        self, name: str, settings: dict[str, Any], tags: dict[str, str]
    ) -> PlaybackConfiguration:
        existing = self.playback_configurations.get(name)
        if existing is not None:
            existing.settings = settings
            existing.tags = tags or existing.tags
            return existing
        configuration = PlaybackConfiguration(
            name=name,
            arn=self._arn(f"playbackConfiguration/{name}"),
            endpoint_id=self.endpoint_id,
            region=self.region_name,
            settings=settings,
            tags=tags,
        )
        self.playback_configurations[name] = configuration
        return configuration

    def get_playback_configuration(self, name: str) -> PlaybackConfiguration:
        configuration = self.playback_configurations.get(name)
        if configuration is None:
            raise NotFoundException(f"Playback configuration {name} not found.")
        return configuration

    def delete_playback_configuration(self, name: str) -> None:
        if self.get_playback_configuration(name).uses_role:
            self._stopped(self.playback_configurations[name].arn)
        del self.playback_configurations[name]

    def configure_logs_for_playback_configuration(
        self, name: str, percent_enabled: int, log_settings: dict[str, Any]
    ) -> PlaybackConfiguration:
        if not 0 <= percent_enabled <= 100:
            raise BadRequestException(
                f"PercentEnabled must be between 0 and 100; got {percent_enabled}."
            )
        configuration = self.get_playback_configuration(name)
        was_using = configuration.uses_role
        strategies = log_settings.get(
            "EnabledLoggingStrategies",
            configuration.log_configuration.get("EnabledLoggingStrategies")
            or ["LEGACY_CLOUDWATCH"],
        )
        configuration.log_configuration = {
            **{k: v for k, v in log_settings.items() if v is not None},
            "PercentEnabled": percent_enabled,
            "EnabledLoggingStrategies": strategies,
        }
        if configuration.uses_role:
            self._ensure_role()
        elif was_using:
            self._stopped(configuration.arn)
        return configuration

    def create_channel(self, name: str, settings: dict[str, Any], tags: dict[str, str]) -> Channel:
        if name in self.channels:
            raise BadRequestException(f"Channel {name} already exists.")
        channel = Channel(
            name=name,
            arn=self._arn(f"channel/{name}"),
            region=self.region_name,
            settings=settings,
            tags=tags,
        )
        self.channels[name] = channel
        return channel

    def describe_channel(self, name: str) -> Channel:
        channel = self.channels.get(name)
        if channel is None:
            raise NotFoundException(f"Channel {name} not found.")
        return channel

    def delete_channel(self, name: str) -> None:
        if self.describe_channel(name).uses_role:
            self._stopped(self.channels[name].arn)
        del self.channels[name]

    def configure_logs_for_channel(self, name: str, log_types: list[str]) -> Channel:
        unknown = sorted(set(log_types) - {"AS_RUN"})
        if unknown:
            raise BadRequestException(f"Unsupported log types: {', '.join(unknown)}.")
        channel = self.describe_channel(name)
        was_using = channel.uses_role
        channel.log_types = list(dict.fromkeys(log_types))
        channel.modified = _now()
        if channel.uses_role:
            self._ensure_role()
        elif was_using:
            self._stopped(channel.arn)
        return channel

    def resources_using_role(self) -> list[str]:
        """ARNs of the playback configurations and channels that log through the role."""
        users: list[PlaybackConfiguration | Channel] = [
            *self.playback_configurations.values(),
            *self.channels.values(),
        ]
        return [resource.arn for resource in users if resource.uses_role]


mediatailor_backends = BackendDict(MediaTailorBackend, SERVICE)


def role_usage(account_id: str) -> dict[str, list[str]]:
    """{region: [ARN, ...]} of every resource in the account that uses the role."""
    # dict.get: BackendDict's own lookup would create an account as a side effect.
    account = dict.get(mediatailor_backends, account_id)
    if account is None:
        return {}
    usage: dict[str, list[str]] = {}
    for region, backend in sorted(dict.items(account)):
        arns = backend.resources_using_role()
        if arns:
            usage[region] = arns
    return usage
