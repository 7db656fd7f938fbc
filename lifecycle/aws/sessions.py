"""Sessions as the AWS CLI makes them: its region, its profile, and assumed roles whose
credentials botocore refreshes before they expire.

The region is resolved in one place, :func:`base_session`, as the AWS CLI resolves it: the
caller's, else ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's ``region`` (botocore
alone reads no ``AWS_REGION``). Every session of a run is made from there: the runner's, the
one ``--assume-role`` calls STS with, a fleet's (and so each account's), the state table's.

An assumed role's credentials last an hour by default, and at most an hour when the
credentials that assume it are an assumed role's too (role chaining): a longer run would fail
mid-way with ``ExpiredToken``. So they are botocore's ``RefreshableCredentials``: before they
expire, botocore itself calls ``AssumeRole`` again, one attempt (a failure fails the call that
needed the credentials, and the one retry layer above decides by its error code).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.credentials
import botocore.exceptions
import botocore.session

from lifecycle.aws.codes import as_aws_error
from lifecycle.aws.gateway import CLIENT_CONFIG
from lifecycle.errors import UnknownProfile
from lifecycle.log import get_logger

__all__ = [
    "assumed_session",
    "base_session",
    "botocore_of",
    "make_session",
    "refresh_windows",
    "refreshing",
]

#: botocore's refresh windows (``RefreshableCredentials``), seconds before expiry: from the
#: first, one thread refreshes while the others go on with the credentials they have; from
#: the second, every call waits for new ones.
ADVISORY_REFRESH_SECONDS, MANDATORY_REFRESH_SECONDS = 15 * 60.0, 10 * 60.0
#: The session those windows are made for: AssumeRole's default, an hour.
_HOUR = 3600.0


def base_session(profile: str | None = None, region: str | None = None) -> boto3.Session:
    """The runner's own session: the standard credential chain (``profile`` or
    ``AWS_PROFILE``, environment, files, instance role) in the AWS CLI's region: ``region``,
    else ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's (``region_name`` is ``None``
    when none is set)."""
    try:
        return boto3.Session(
            profile_name=profile, region_name=region or os.environ.get("AWS_REGION") or None
        )
    except botocore.exceptions.ProfileNotFound as error:
        raise UnknownProfile(str(error.kwargs.get("profile", profile))) from None


def make_session(
    *,
    profile: str | None = None,
    region: str | None = None,
    assume_role_arn: str | None = None,
    external_id: str | None = None,
    endpoint_url: str | None = None,
) -> boto3.Session:
    """:func:`base_session`, optionally switched into another account through STS
    ``AssumeRole`` (in the session's region, us-east-1 when none is set), its credentials
    refreshed before they expire."""
    session = base_session(profile, region)
    if assume_role_arn is None:
        return session
    params: dict[str, Any] = {"RoleArn": assume_role_arn, "RoleSessionName": "slr-lifecycle"}
    if external_id:
        params["ExternalId"] = external_id
    where = session.region_name or "us-east-1"
    sts = session.client("sts", region_name=where, endpoint_url=endpoint_url, config=CLIENT_CONFIG)

    def assume() -> Mapping[str, Any]:
        answer: Mapping[str, Any] = sts.assume_role(**params)["Credentials"]
        return answer

    try:
        first = assume()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        raise as_aws_error("sts", "AssumeRole", where, error, 1) from None
    credentials = refreshing(assume_role_arn, first, assume)
    assumed = assumed_session(credentials, like=botocore_of(session))
    return boto3.Session(botocore_session=assumed, region_name=session.region_name)


def refresh_windows(lifetime_seconds: float) -> tuple[float, float]:
    """botocore's (advisory, mandatory) refresh windows for credentials that last
    ``lifetime_seconds``: its own for an hour or more; for a shorter session, the same
    quarter and sixth of its lifetime. Windows as long as the session itself would refresh
    on every call: an ``AssumeRole`` per call."""
    scale = min(1.0, max(lifetime_seconds, 0.0) / _HOUR)
    return ADVISORY_REFRESH_SECONDS * scale, MANDATORY_REFRESH_SECONDS * scale


def refreshing(
    role_arn: str,
    first: Mapping[str, Any],
    assume: Callable[[], Mapping[str, Any]],
) -> botocore.credentials.RefreshableCredentials:
    """``first`` (an ``AssumeRole`` answer's ``Credentials``) as credentials botocore
    refreshes with ``assume`` (one more ``AssumeRole``) within :func:`refresh_windows`."""
    log = get_logger().bind(role_arn=role_arn)

    def metadata(credentials: Mapping[str, Any]) -> dict[str, str]:
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }

    def refresh() -> dict[str, str]:
        credentials = assume()
        log.info("aws.credentials.refreshed", expires=credentials["Expiration"].isoformat())
        return metadata(credentials)

    lifetime = (first["Expiration"] - datetime.now(UTC)).total_seconds()
    advisory, mandatory = refresh_windows(lifetime)
    return botocore.credentials.RefreshableCredentials.create_from_metadata(
        metadata(first),
        refresh_using=refresh,
        method="assume-role",
        advisory_timeout=advisory,
        mandatory_timeout=mandatory,
    )


class _Given(botocore.credentials.CredentialProvider):  # type: ignore[misc]
    """A credential chain of one link: credentials already made."""

    METHOD = "given"

    def __init__(self, credentials: botocore.credentials.Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> botocore.credentials.Credentials:
        return self._credentials


def assumed_session(
    credentials: botocore.credentials.Credentials, *, like: botocore.session.Session
) -> botocore.session.Session:
    """A botocore session signing with ``credentials``, with ``like``'s profile, region and
    loaded data (models, endpoints: loading them again would cost each session as much
    again)."""
    session = botocore.session.Session(profile=like.profile)
    session.register_component("data_loader", like.get_component("data_loader"))
    session.register_component(
        "credential_provider", botocore.credentials.CredentialResolver([_Given(credentials)])
    )
    session.set_config_variable("region", like.get_config_variable("region"))
    return session


def botocore_of(session: boto3.Session) -> botocore.session.Session:
    """The botocore session a boto3 session makes its clients with (boto3 keeps it in an
    attribute of its own: it has no public accessor)."""
    core: botocore.session.Session = session._session
    return core
