"""Assumed roles' sessions: as long as AWS makes them, and refused in each protocol's words
once they are over."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config

from localaws import LocalAWS
from tests.localaws.answers import error_of

#: A session no test outlives: it ends when the test moves the local AWS's clock past it.
SESSION = 600

ClientFactory = Callable[..., Any]
ROLE = "arn:aws:iam::123456789012:role/runner"
EXPIRED = "The security token included in the request is expired"


def assumed(sts: Any, role: str = ROLE, **params: Any) -> dict[str, Any]:
    credentials: dict[str, Any] = sts.assume_role(RoleArn=role, RoleSessionName="test", **params)[
        "Credentials"
    ]
    return credentials


def with_keys(aws: LocalAWS, credentials: dict[str, Any]) -> Callable[..., Any]:
    """Clients signing with an assumed role's keys."""
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})

    def make(service: str, region: str = "us-east-1") -> Any:
        return session.client(
            service, region_name=region, endpoint_url=aws.endpoint_url, config=config
        )

    return make


def lasting(seconds: float, assume: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``assume()``'s credentials, checked to end ``seconds`` after they were issued."""
    before = datetime.now(UTC)
    credentials = assume()
    after = datetime.now(UTC)
    assert before + timedelta(seconds=seconds) <= credentials["Expiration"]
    assert credentials["Expiration"] <= after + timedelta(seconds=seconds)
    return credentials


def test_an_assumed_roles_keys_are_refused_once_its_session_is_over_in_each_protocols_words(
    aws: LocalAWS, client: ClientFactory
) -> None:
    # The session ends when the test moves the local AWS's clock past it, not after a sleep
    # that a slow first call could outlast.
    aws.set_settings(credential_seconds=SESSION)
    credentials = assumed(client("sts"))
    clients = with_keys(aws, credentials)
    clients("iam").list_roles()  # in its session: served
    aws.advance_clock(SESSION)
    assert error_of(lambda: clients("iam").list_roles()) == ("ExpiredToken", 403, EXPIRED)
    assert error_of(lambda: clients("sts").get_caller_identity()) == ("ExpiredToken", 403, EXPIRED)
    assert error_of(lambda: clients("dynamodb").list_tables()) == (
        "ExpiredTokenException",
        400,
        EXPIRED,
    )
    assert error_of(lambda: clients("mediatailor").list_playback_configurations()) == (
        "ExpiredTokenException",
        403,
        EXPIRED,
    )
    client("iam").list_roles()  # the runner's own keys never expire


def test_assume_role_says_its_session_lasts_credential_seconds(
    aws: LocalAWS, client: ClientFactory
) -> None:
    aws.set_settings(credential_seconds=90)
    lasting(90, lambda: assumed(client("sts")))


def test_a_duration_asked_for_is_honoured_whatever_the_setting(
    aws: LocalAWS, client: ClientFactory
) -> None:
    aws.set_settings(credential_seconds=1)
    lasting(7200, lambda: assumed(client("sts"), DurationSeconds=7200))


def test_a_duration_beyond_the_roles_maximum_or_awss_is_refused(client: ClientFactory) -> None:
    client("iam").create_role(
        RoleName="runner", AssumeRolePolicyDocument="{}", MaxSessionDuration=3600
    )
    sts = client("sts")
    assert error_of(lambda: assumed(sts, DurationSeconds=3601)) == (
        "ValidationError",
        400,
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )
    code, status, message = error_of(
        lambda: assumed(sts, "arn:aws:iam::123456789012:role/other", DurationSeconds=43201)
    )
    assert (code, status) == ("ValidationError", 400)
    assert "Member must have value less than or equal to 43200" in message


def test_a_chained_roles_session_lasts_an_hour_at_most(
    aws: LocalAWS, client: ClientFactory
) -> None:
    aws.set_settings(credential_seconds=7200)
    first = lasting(7200, lambda: assumed(client("sts")))
    chained_sts = with_keys(aws, first)("sts")
    lasting(3600, lambda: assumed(chained_sts, "arn:aws:iam::123456789012:role/next"))
    assert error_of(
        lambda: assumed(chained_sts, "arn:aws:iam::123456789012:role/next", DurationSeconds=3601)
    ) == (
        "ValidationError",
        400,
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
        "role chaining.",
    )
