"""Sessions as the AWS CLI makes them (its region, its profile), and assumed roles whose
credentials are refreshed before they expire: `slr` over HTTP on the local AWS."""

from __future__ import annotations

import json

import pytest

from lifecycle.aws.sessions import refresh_windows
from lifecycle.cli import exits
from localaws import Fault, LocalAWS
from localaws.seed import Account
from tests import recorder
from tests.lifecycle.cli.test_cli import Slr, aws_region_alone, one_line_error, record
from tests.lifecycle.cli.test_cli import slr as slr  # the fixture

#: A role in the account the tests' own keys are in (moto lets any role be assumed there).
ROLE = "arn:aws:iam::123456789012:role/slr-runner"
#: How long the local AWS's assumed credentials last in these tests, and how long each of the
#: drain's writes takes: with 30 s this is the issue's run (a drain of over a minute).
CREDENTIAL_SECONDS = 6.0


def test_refresh_windows_are_botocores_for_an_hour_and_as_much_shorter_below() -> None:
    assert refresh_windows(3600) == (900.0, 600.0)
    assert refresh_windows(43200) == (900.0, 600.0)
    assert refresh_windows(30) == (7.5, 5.0)


def test_an_assume_role_drain_that_outlasts_its_credentials_ends_exit_0(
    slr: Slr, aws: LocalAWS, account: Account
) -> None:
    for n in range(16):  # two turns of the drain's 8 workers, each write a lifetime long
        account.configuration("us-east-1", f"live-{n}", 100)
    aws.set_settings(credential_seconds=CREDENTIAL_SECONDS)
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                operation="ConfigureLogsForPlaybackConfiguration",
                kind="latency",
                latency_ms=int(CREDENTIAL_SECONDS * 1000),
            )
        ]
    )
    record(aws)
    done = slr("--assume-role", ROLE, "apply", "--target", "deleted", "--yes")
    assert done.returncode == exits.OK, done.stderr[-3000:]
    assert account.role() is None
    recorder.stop(aws)
    served = recorder.requests(aws)
    assumed = [action for _, action, _, _ in served if action == "AssumeRole"]
    keys = [scope[0] for _, _, entry, _ in served if (scope := recorder.signed_by(entry))]
    by_role = [key for key in keys if key != "testing"]  # not the tests' own keys
    # The first, then one for each lifetime the run outlasted; not one per call.
    assert len(assumed) >= 3
    assert 4 * len(assumed) < len(by_role)


def test_aws_region_alone_serves_assume_role(slr: Slr, aws: LocalAWS) -> None:
    record(aws)
    done = slr(
        "--assume-role",
        "arn:aws:iam::210987654321:role/decommissioner",
        "--output",
        "json",
        "status",
        env=aws_region_alone(slr.env, "eu-west-1"),
    )
    assert done.returncode == exits.OK, done.stderr[-3000:]
    assert json.loads(done.stdout)["account"] == "210987654321"
    recorder.stop(aws)
    scopes = [recorder.signed_by(entry) for _, _, entry, _ in recorder.requests(aws)]
    assert {
        (region, service)
        for _, region, service in filter(None, scopes)
        if service in ("sts", "iam")
    } == {
        ("eu-west-1", "sts"),
        ("eu-west-1", "iam"),
    }


@pytest.mark.parametrize(
    "args",
    [
        ("status",),
        ("--accounts", "111111111111", "status"),
        ("--state", "dynamodb://slr-state", "state", "init"),
        ("--state", "dynamodb://slr-state?region=us-east-1", "status"),
    ],
    ids=["run", "fleet", "state-init", "shared-state-run"],
)
@pytest.mark.parametrize("given", ["option", "environment"])
def test_an_unknown_profile_is_one_line_naming_it_and_sends_nothing(
    slr: Slr, aws: LocalAWS, args: tuple[str, ...], given: str
) -> None:
    record(aws)
    if given == "option":
        done = slr("--profile", "nope", *args)
    else:
        done = slr(*args, env=slr.env | {"AWS_PROFILE": "nope"})
    assert done.returncode == exits.USAGE
    assert "AWS profile 'nope' not found" in one_line_error(done)
    recorder.stop(aws)
    assert recorder.requests(aws) == []
