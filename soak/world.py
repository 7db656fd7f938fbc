"""The soak's world: one local AWS, harsh and fast, with moto's request recorder; the accounts
the soak works on (the management account alone, and the members of an organization), each
with the dependents seeded in it and what a full restore must leave there; the outside
changes a person makes between two runs; and plain boto3 reads to check ``slr`` against.

Nothing here imports the engine: what the soak checks, it reads from AWS on its own.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from localaws import Fault, LocalAWS
from localaws.recorder import Recorder, body_of, operation_of
from localaws.seed import Account
from localaws.settings import Settings

__all__ = [
    "CHANNEL",
    "CONFIGURATION",
    "OPT_IN_REGION",
    "REGIONS",
    "ROLE",
    "Server",
    "Tracked",
    "Write",
    "harsh_settings",
]

ROLE = "AWSServiceRoleForMediaTailor"
#: The regions every run scans (a short list keeps runs short; the scan is the same for 21),
#: and an opt-in one: disabled, as in AWS, unless the seed enables it in an account.
REGIONS = ("us-east-1", "eu-west-1", "us-west-2")
OPT_IN_REGION = "af-south-1"
#: Dependent kinds, as ``slr status --output json`` names them.
CONFIGURATION, CHANNEL = "playback-configuration", "channel"
#: The management account: the local AWS's default credentials.
MANAGEMENT = "123456789012"

#: A dependent: (region, kind, name).
Key = tuple[str, str, str]

#: Ranges each setting is drawn from: fast enough for a soak of a minute, harsh all the same
#: (every delay is there, only shorter). A setting this local AWS does not have yet is left
#: out; one it has that is not listed keeps its harsh default.
SETTING_RANGES: Mapping[str, tuple[float, float] | tuple[bool, ...]] = {
    "deletion_seconds": (0.1, 1.0),
    "task_retention_seconds": (0.5, 3.0),
    "task_visibility_seconds": (0.0, 0.5),
    "usage_lag_seconds": (0.0, 1.5),
    "iam_consistency_seconds": (0.1, 1.0),
    "dynamodb_transaction_seconds": (0.0, 0.05),
    "list_omits_log_configuration": (False, True),
    # Kept harsh: opt-in regions disabled, short and empty pages.
    "opt_in_regions_disabled": (True,),
    "short_pages": (True,),
    # On other branches as this is written: assumed credentials that expire, regions that
    # take a while to enable.
    "credential_seconds": (5.0, 30.0),
    "region_change_seconds": (0.2, 1.0),
}


def harsh_settings(rng: random.Random) -> dict[str, Any]:
    """The local AWS's settings for a soak, drawn from :data:`SETTING_RANGES`."""
    drawn: dict[str, Any] = {}
    for name, choices in SETTING_RANGES.items():
        if name not in Settings.names():
            continue
        if isinstance(choices[0], bool):
            drawn[name] = rng.choice(choices)
        else:
            low, high = choices
            drawn[name] = round(rng.uniform(float(low), float(high)), 2)
    return drawn


@dataclass(frozen=True)
class Write:
    """A write that reached the local AWS: ``iam:CreateServiceLinkedRole`` and what it names."""

    service: str
    operation: str
    #: The role, service principal, configuration or channel the write is for.
    target: str

    def __str__(self) -> str:
        return f"{self.service}:{self.operation}({self.target})"


#: Services whose writes are the workflow's: the journal (DynamoDB) and STS are not counted.
_WORKFLOW_SERVICES = ("iam", "mediatailor")


def _write_of(entry: Mapping[str, Any]) -> Write | None:
    service, _, operation = operation_of(entry).partition(":")
    if service not in _WORKFLOW_SERVICES or operation.startswith(("Get", "List", "Describe")):
        return None
    body = body_of(entry)
    fields: dict[str, Any] = {}
    if "Action=" in body:
        fields = dict(p.split("=", 1) for p in body.split("&") if "=" in p)
    elif body.strip().startswith("{"):
        fields = json.loads(body)
    target = next(
        (
            str(fields[name])
            for name in ("RoleName", "AWSServiceName", "PlaybackConfigurationName", "ChannelName")
            if name in fields
        ),
        str(entry.get("url", "")).split("?")[0].rsplit("/", 1)[-1],
    )
    return Write(service, operation, target)


class Server:
    """The local AWS of one soak, its recorder and its faults."""

    def __init__(self, workdir: Path, settings: Mapping[str, Any]) -> None:
        self.settings = dict(settings)
        self.local = LocalAWS(
            port=0, env={"MOTO_RECORDER_FILEPATH": str(workdir / "recording.jsonl")}, **settings
        )
        self._names: list[str] = []

    @property
    def endpoint_url(self) -> str:
        return self.local.endpoint_url

    def start(self) -> None:
        self.local.start()

    def stop(self) -> None:
        self.local.stop()

    def record(self) -> None:
        """Record afresh from now on."""
        Recorder(self.endpoint_url).start()

    def writes(self) -> list[Write]:
        """Stop recording; the workflow's writes the server received since :meth:`record`."""
        recorder = Recorder(self.endpoint_url)
        recorder.stop()
        return [w for entry in recorder.entries() if (w := _write_of(entry)) is not None]

    def arm(self, faults: Iterable[tuple[str, Fault]], seed: int) -> None:
        """Arm exactly these faults (named), their probabilities drawn from ``seed``."""
        named = list(faults)
        self._names = [name for name, _ in named]
        self.local.set_faults([fault for _, fault in named], seed=seed)

    def disarm(self) -> dict[str, int]:
        """Clear the faults; how often each named one fired."""
        fired: dict[str, int] = {}
        if self._names:
            for name, armed in zip(self._names, self.local.armed_faults(), strict=True):
                fired[name] = fired.get(name, 0) + int(armed["fired"])
            self.local.clear_faults()
        self._names = []
        return fired


_CONFIG = Config(retries={"total_max_attempts": 3, "mode": "standard"}, read_timeout=30)


@dataclass
class Tracked:
    """One account the soak works on: how to reach it, the regions it has enabled, and the
    dependents' settings a full restore must leave (what was seeded, as people changed it)."""

    id: str
    #: Clients in the account (a member's through its role, assumed afresh each time: assumed
    #: credentials may expire).
    connect: Callable[[], Account]
    regions: tuple[str, ...] = REGIONS
    #: (region, kind, name) -> settings: what a restore of every drain must leave.
    intended: dict[Key, dict[str, Any]] = field(default_factory=dict)
    #: How many dependents were made here, to name the next one.
    made: int = 0
    #: A person just turned logging on here and MediaTailor made the role, which IAM does
    #: not show yet: the next run comes before it does.
    hasty: bool = False

    # -- reading, as a person would with boto3 -------------------------------------------

    def dependents(self) -> dict[Key, dict[str, Any]]:
        """Every dependent's log settings, read with plain boto3 (every page)."""
        account = self.connect()
        found: dict[Key, dict[str, Any]] = {}
        for region in self.regions:
            for name, settings in account.configurations(region).items():
                found[(region, CONFIGURATION, name)] = dict(settings)
            for name, log_types in account.channels(region).items():
                found[(region, CHANNEL, name)] = {"LogTypes": log_types}
        return found

    def role(self) -> dict[str, Any] | None:
        return self.connect().role(ROLE)

    def settle_role(self, present: bool, timeout: float) -> bool:
        """Whether IAM shows the role (``present``) or not within ``timeout``: IAM is
        eventually consistent both ways."""
        deadline = time.monotonic() + timeout
        while (self.role() is not None) != present:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    # -- seeding -------------------------------------------------------------------------

    def seed(self, rng: random.Random, configurations: int, channels: int) -> None:
        """Dependents in random regions with random log settings, some of them off."""
        for _ in range(configurations):
            self.add(rng, CONFIGURATION, on=rng.random() < 0.6)
        for _ in range(channels):
            self.add(rng, CHANNEL, on=rng.random() < 0.6)

    def add(self, rng: random.Random, kind: str, *, on: bool) -> Key:
        """A new dependent (what a person starts using); it joins what a restore leaves."""
        account = self.connect()
        region = rng.choice(self.regions)
        name = f"{self.id[-4:]}-{kind[:4]}-{self.made}"
        self.made += 1
        if kind == CONFIGURATION:
            account.configuration(region, name)
            if on or rng.random() < 0.5:
                _configure(account, region, name, _log_settings(rng, on=on))
        else:
            account.channel(region, name, ["AS_RUN"] if on else [])
        key = (region, kind, name)
        self.intended[key] = self.dependents()[key]
        return key

    # -- a person between two runs -------------------------------------------------------

    def reenable(self, rng: random.Random) -> Key | None:
        """Turn logging back on for a dependent a drain turned off, at some percentage of
        the person's choosing; a restore still brings back the settings the first drain
        replaced (the journal keeps the first snapshot)."""
        now = self.dependents()
        drained = [
            key
            for key, settings in sorted(self.intended.items())
            if active(key, settings) and key in now and not active(key, now[key])
        ]
        if not drained:
            return None
        key = rng.choice(drained)
        region, kind, name = key
        account = self.connect()
        if kind == CONFIGURATION:
            settings = {**self.intended[key], "PercentEnabled": rng.randint(1, 100)}
            _configure(account, region, name, settings)
        else:
            account.client("mediatailor", region).configure_logs_for_channel(
                ChannelName=name, LogTypes=["AS_RUN"]
            )
        return key

    def delete(self, rng: random.Random) -> Key | None:
        """Delete a dependent: it leaves what a restore must bring back."""
        present = sorted(set(self.dependents()) & set(self.intended))
        if not present:
            return None
        key = rng.choice(present)
        region, kind, name = key
        mediatailor = self.connect().client("mediatailor", region)
        if kind == CONFIGURATION:
            mediatailor.delete_playback_configuration(Name=name)
        else:
            mediatailor.delete_channel(ChannelName=name)
        del self.intended[key]
        return key

    def enable_opt_in_region(self, timeout: float = 15.0) -> None:
        """Enable the opt-in region and wait until the account says it is enabled."""
        account = self.connect().client("account")
        account.enable_region(RegionName=OPT_IN_REGION)
        deadline = time.monotonic() + timeout
        while account.get_region_opt_status(RegionName=OPT_IN_REGION)["RegionOptStatus"] not in (
            "ENABLED",
            "ENABLED_BY_DEFAULT",
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{OPT_IN_REGION} not enabled after {timeout:g} s")
            time.sleep(0.1)
        self.regions = (*REGIONS, OPT_IN_REGION)


def active(key: Key, settings: Mapping[str, Any]) -> bool:
    """Whether a dependent uses the role: session logs on, or an As Run log."""
    if key[1] == CONFIGURATION:
        return int(settings.get("PercentEnabled", 0)) > 0
    return "AS_RUN" in settings.get("LogTypes", [])


_STRATEGIES = (["VENDED_LOGS"], ["LEGACY_CLOUDWATCH"], ["LEGACY_CLOUDWATCH", "VENDED_LOGS"])


def _log_settings(rng: random.Random, *, on: bool) -> dict[str, Any]:
    """A whole log configuration, optional parts included: a drain must keep them all."""
    settings: dict[str, Any] = {
        "PercentEnabled": rng.randint(1, 100) if on else 0,
        "EnabledLoggingStrategies": list(rng.choice(_STRATEGIES)),
    }
    if rng.random() < 0.4:
        settings["AdsInteractionLog"] = {
            "PublishOptInEventTypes": ["RAW_ADS_RESPONSE"],
            "ExcludeEventTypes": sorted(rng.sample(["AD_MARKER_FOUND", "BEACON_FIRED"], 1)),
        }
    if rng.random() < 0.3:
        settings["ManifestServiceInteractionLog"] = {"ExcludeEventTypes": ["GENERATED_MANIFEST"]}
    return settings


def _configure(account: Account, region: str, name: str, settings: Mapping[str, Any]) -> None:
    account.client("mediatailor", region).configure_logs_for_playback_configuration(
        PlaybackConfigurationName=name, **settings
    )


# -- the accounts --------------------------------------------------------------------------


def management(endpoint_url: str) -> Tracked:
    """The management account, reached with the local AWS's default credentials."""
    account = Account(endpoint_url)
    return Tracked(MANAGEMENT, lambda: account)


def organization(endpoint_url: str, members: int) -> tuple[str, list[Tracked]]:
    """An organization with one OU holding ``members`` accounts made by Organizations (each
    with its OrganizationAccountAccessRole); the OU's id and the members."""
    organizations = boto3.client(
        "organizations", region_name="us-east-1", endpoint_url=endpoint_url, config=_CONFIG
    )
    organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]
    made_ou = organizations.create_organizational_unit(ParentId=root, Name="soak")
    ou = made_ou["OrganizationalUnit"]["Id"]
    tracked = []
    for n in range(members):
        made = organizations.create_account(AccountName=f"soak-{n}", Email=f"soak-{n}@example.com")
        account_id = made["CreateAccountStatus"]["AccountId"]
        organizations.move_account(
            AccountId=account_id, SourceParentId=root, DestinationParentId=ou
        )
        tracked.append(Tracked(account_id, _member(endpoint_url, account_id)))
    return ou, tracked


def _member(endpoint_url: str, account_id: str) -> Callable[[], Account]:
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint_url, config=_CONFIG)

    def connect() -> Account:
        credentials = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
            RoleSessionName="soak-person",
        )["Credentials"]
        return _Member(endpoint_url, credentials)

    return connect


class _Member(Account):
    """A member's clients with an assumed role's session token."""

    def __init__(self, endpoint_url: str, credentials: Mapping[str, Any]) -> None:
        super().__init__(
            endpoint_url, key=credentials["AccessKeyId"], secret=credentials["SecretAccessKey"]
        )
        self._session = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
