"""Build a realistic MediaTailor account on a local AWS: playback configurations with session
logging at some percentage, channels with or without an As Run log, in any regions.

Used by ``slr demo``, the tests and the benchmarks; our users can seed their own pipelines'
tests with it too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import boto3
from botocore.config import Config

__all__ = ["Account", "seed"]

#: region -> {playback configuration name: PercentEnabled (0 = logging off)}
Configurations = Mapping[str, Mapping[str, int]]
#: region -> {channel name: LogTypes (["AS_RUN"] = As Run log on)}
Channels = Mapping[str, Mapping[str, Sequence[str]]]


class Account:
    """Clients of one local AWS account, per region."""

    def __init__(self, endpoint_url: str, *, key: str = "testing", secret: str = "testing") -> None:
        self._session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret)
        self._endpoint = endpoint_url
        self._config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str = "us-east-1") -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self._session.client(
                service, region_name=region, endpoint_url=self._endpoint, config=self._config
            )
        return self._clients[key]

    def configuration(self, region: str, name: str, percent: int = 0) -> str:
        """Create (or update) a playback configuration; logging on at ``percent`` when > 0."""
        mediatailor = self.client("mediatailor", region)
        arn: str = mediatailor.put_playback_configuration(
            Name=name,
            VideoContentSourceUrl=f"https://origin.example.com/{name}",
            AdDecisionServerUrl="https://ads.example.com/vast",
        )["PlaybackConfigurationArn"]
        if percent:
            self.log_configuration(region, name, percent)
        return arn

    def log_configuration(self, region: str, name: str, percent: int) -> None:
        self.client("mediatailor", region).configure_logs_for_playback_configuration(
            PlaybackConfigurationName=name,
            PercentEnabled=percent,
            EnabledLoggingStrategies=["VENDED_LOGS"],
        )

    def channel(self, region: str, name: str, log_types: Sequence[str] = ()) -> str:
        """Create a channel; its As Run log on when ``log_types`` holds ``AS_RUN``."""
        mediatailor = self.client("mediatailor", region)
        arn: str = mediatailor.create_channel(
            ChannelName=name,
            PlaybackMode="LOOP",
            Outputs=[{"ManifestName": "index", "SourceGroup": "hls", "HlsPlaylistSettings": {}}],
        )["Arn"]
        if log_types:
            mediatailor.configure_logs_for_channel(ChannelName=name, LogTypes=list(log_types))
        return arn

    def configurations(self, region: str) -> dict[str, dict[str, Any]]:
        """name -> LogConfiguration of every playback configuration in ``region``."""
        mediatailor = self.client("mediatailor", region)
        pages = mediatailor.get_paginator("list_playback_configurations")
        items = [item for page in pages.paginate() for item in page["Items"]]
        # A list item may lack its LogConfiguration (the model makes it optional): read it.
        return {
            item["Name"]: item.get("LogConfiguration")
            or mediatailor.get_playback_configuration(Name=item["Name"])["LogConfiguration"]
            for item in items
        }

    def channels(self, region: str) -> dict[str, list[str]]:
        """name -> LogTypes of every channel in ``region``."""
        pages = self.client("mediatailor", region).get_paginator("list_channels")
        return {
            item["ChannelName"]: list(item.get("LogConfiguration", {}).get("LogTypes", []))
            for page in pages.paginate()
            for item in page["Items"]
        }

    def enable_region(self, region: str, timeout: float = 30.0) -> None:
        """Enable an opt-in region and wait until it is ``ENABLED``: it reads ``ENABLING``
        (and refuses calls) for a while first, as in AWS."""
        self.client("account").enable_region(RegionName=region)
        self._wait_for_region(region, "ENABLED", timeout)

    def disable_region(self, region: str, timeout: float = 30.0) -> None:
        """Disable an opt-in region and wait until it is ``DISABLED``."""
        self.client("account").disable_region(RegionName=region)
        self._wait_for_region(region, "DISABLED", timeout)

    def _wait_for_region(self, region: str, status: str, timeout: float) -> None:
        import time

        account = self.client("account")
        deadline = time.monotonic() + timeout
        while account.get_region_opt_status(RegionName=region)["RegionOptStatus"] != status:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{region} did not become {status} within {timeout:g} s")
            time.sleep(0.05)

    def role(self, name: str = "AWSServiceRoleForMediaTailor") -> dict[str, Any] | None:
        """The role as IAM returns it, or None."""
        iam = self.client("iam")
        try:
            found: dict[str, Any] = iam.get_role(RoleName=name)["Role"]
        except iam.exceptions.NoSuchEntityException:
            return None
        return found

    def create_role(self, principal: str = "mediatailor.amazonaws.com") -> dict[str, Any]:
        """Create the principal's service-linked role, as an administrator (or the service
        itself) would, and wait until IAM shows it."""
        iam = self.client("iam")
        name: str = iam.create_service_linked_role(AWSServiceName=principal)["Role"]["RoleName"]
        return self.wait_for_role(name)

    def wait_for_role(
        self, name: str = "AWSServiceRoleForMediaTailor", timeout: float = 10.0
    ) -> dict[str, Any]:
        """The role once IAM shows it: IAM is eventually consistent, so a role just created
        (by a test's setup, or by MediaTailor itself) is not seen at once."""
        import time

        deadline = time.monotonic() + timeout
        while (found := self.role(name)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"IAM did not show role {name} within {timeout:g} s")
            time.sleep(0.05)
        return found

    def wait_for_no_role(
        self, name: str = "AWSServiceRoleForMediaTailor", timeout: float = 10.0
    ) -> None:
        """Once IAM no longer shows the role: a role just deleted is still seen for a while."""
        import time

        deadline = time.monotonic() + timeout
        while self.role(name) is not None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"IAM still shows role {name} after {timeout:g} s")
            time.sleep(0.05)


def seed(
    endpoint_url: str,
    *,
    configurations: Configurations | None = None,
    channels: Channels | None = None,
) -> Account:
    """Create the given configurations and channels; returns the account's clients."""
    account = Account(endpoint_url)
    for region, named in (configurations or {}).items():
        for name, percent in named.items():
            account.configuration(region, name, percent)
    for region, channel_logs in (channels or {}).items():
        for name, log_types in channel_logs.items():
            account.channel(region, name, log_types)
    return account
