"""Sessions as the AWS CLI makes them (its region, its profile): `slr` over HTTP on the local
AWS."""

from __future__ import annotations

import json

import pytest

from lifecycle import exits
from localaws import LocalAWS
from tests import recorder
from tests.lifecycle.test_cli import Slr, aws_region_alone, one_line_error, record
from tests.lifecycle.test_cli import slr as slr  # the fixture


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
