"""Sessions as the AWS CLI makes them: its region and its profile.

The region is resolved in one place, :func:`base_session`, as the AWS CLI resolves it: the
caller's, else ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's ``region`` (botocore
alone reads no ``AWS_REGION``). Every session of a run is made from there: the runner's, the
one ``--assume-role`` calls STS with, a fleet's (and so each account's), the state table's.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
import botocore.exceptions

from lifecycle.aws import CLIENT_CONFIG
from lifecycle.errors import as_aws_error

__all__ = ["UnknownProfile", "base_session", "make_session"]


class UnknownProfile(ValueError):
    """``--profile`` (or ``AWS_PROFILE``) names a profile no AWS config file has: a usage
    error, one line naming it."""

    def __init__(self, profile: str) -> None:
        super().__init__(
            f"AWS profile {profile!r} not found in the AWS config or credentials files "
            "(--profile, AWS_PROFILE)"
        )
        self.profile = profile


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
    ``AssumeRole`` (in the session's region, us-east-1 when none is set)."""
    session = base_session(profile, region)
    if assume_role_arn is None:
        return session
    params: dict[str, Any] = {"RoleArn": assume_role_arn, "RoleSessionName": "slr-lifecycle"}
    if external_id:
        params["ExternalId"] = external_id
    where = session.region_name or "us-east-1"
    sts = session.client("sts", region_name=where, endpoint_url=endpoint_url, config=CLIENT_CONFIG)

    try:
        creds = sts.assume_role(**params)["Credentials"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        raise as_aws_error("sts", "AssumeRole", where, error, 1) from None
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=session.region_name,
    )
