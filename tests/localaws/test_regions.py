"""Opt-in regions: disabled in a new account and refused there as AWS refuses them, and the
Account API that lists, enables and disables them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config

from localaws import LocalAWS
from localaws.seed import Account
from tests.localaws.answers import error_of

ClientFactory = Callable[..., Any]

#: MediaTailor's opt-in regions (DESIGN.md §1).
MEDIATAILOR_OPT_IN = (
    "af-south-1",
    "ap-south-2",
    "ap-southeast-4",
    "ap-southeast-5",
    "me-central-1",
)
INVALID_TOKEN = "The security token included in the request is invalid"


@pytest.fixture
def account(client: ClientFactory) -> Any:
    return client("account")


@pytest.fixture
def regions(aws: LocalAWS) -> Account:
    """Changes a region's status and waits until it holds (it takes a while, as in AWS)."""
    return Account(aws.endpoint_url)


def statuses(account: Any, **kwargs: Any) -> dict[str, str]:
    pages = account.get_paginator("list_regions").paginate(**kwargs)
    return {r["RegionName"]: r["RegionOptStatus"] for page in pages for r in page["Regions"]}


def test_a_new_account_has_mediatailors_opt_in_regions_disabled(account: Any) -> None:
    listed = statuses(account)
    assert {region: listed[region] for region in MEDIATAILOR_OPT_IN} == dict.fromkeys(
        MEDIATAILOR_OPT_IN, "DISABLED"
    )
    assert listed["us-east-1"] == listed["eu-west-1"] == "ENABLED_BY_DEFAULT"


@pytest.mark.parametrize("region", MEDIATAILOR_OPT_IN)
def test_mediatailor_in_a_disabled_region_is_an_unrecognized_client(
    client: ClientFactory, region: str
) -> None:
    mediatailor = client("mediatailor", region)
    assert error_of(mediatailor.list_playback_configurations) == (
        "UnrecognizedClientException",
        403,
        INVALID_TOKEN,
    )


def test_a_query_service_in_a_disabled_region_is_an_invalid_client_token(
    client: ClientFactory,
) -> None:
    sts = client("sts", "me-central-1")
    assert error_of(sts.get_caller_identity) == ("InvalidClientTokenId", 403, f"{INVALID_TOKEN}.")


def test_a_disabled_region_refuses_writes_too_and_changes_nothing(
    client: ClientFactory, regions: Account
) -> None:
    mediatailor = client("mediatailor", "af-south-1")
    assert error_of(lambda: mediatailor.put_playback_configuration(Name="pc-1"))[1] == 403
    regions.enable_region("af-south-1")
    assert mediatailor.list_playback_configurations()["Items"] == []


def test_iam_is_global_and_answers_whatever_the_region(client: ClientFactory) -> None:
    assert client("iam", "af-south-1").list_roles()["Roles"] == []


def test_an_enabled_opt_in_region_serves_mediatailor(
    client: ClientFactory, account: Any, regions: Account
) -> None:
    regions.enable_region("ap-southeast-5")
    assert account.get_region_opt_status(RegionName="ap-southeast-5")["RegionOptStatus"] == (
        "ENABLED"
    )
    mediatailor = client("mediatailor", "ap-southeast-5")
    arn = mediatailor.put_playback_configuration(Name="pc-1")["PlaybackConfigurationArn"]
    assert arn.startswith("arn:aws:mediatailor:ap-southeast-5:")
    assert mediatailor.get_playback_configuration(Name="pc-1")["Name"] == "pc-1"


def test_a_region_disabled_again_is_refused_again(
    client: ClientFactory, account: Any, regions: Account
) -> None:
    regions.enable_region("ap-south-2")
    regions.disable_region("ap-south-2")
    assert account.get_region_opt_status(RegionName="ap-south-2")["RegionOptStatus"] == "DISABLED"
    assert error_of(client("mediatailor", "ap-south-2").list_channels)[0] == (
        "UnrecognizedClientException"
    )


#: Long enough that a change is still under way whatever the machine's load.
UNDER_WAY = 600


def test_an_enabling_region_is_listed_as_enabling_and_refuses_calls(
    aws: LocalAWS, client: ClientFactory, account: Any
) -> None:
    aws.set_settings(region_change_seconds=UNDER_WAY)
    account.enable_region(RegionName="af-south-1")
    assert account.get_region_opt_status(RegionName="af-south-1")["RegionOptStatus"] == ("ENABLING")
    assert statuses(account, RegionOptStatusContains=["ENABLING"]) == {"af-south-1": "ENABLING"}
    assert error_of(client("mediatailor", "af-south-1").list_channels) == (
        "UnrecognizedClientException",
        403,
        INVALID_TOKEN,
    )


def test_an_enabling_region_serves_once_the_change_completes(
    client: ClientFactory, account: Any, regions: Account
) -> None:
    account.enable_region(RegionName="af-south-1")
    regions.enable_region("af-south-1")  # the same change again, waited for
    assert client("mediatailor", "af-south-1").list_channels()["Items"] == []


def test_a_disabling_region_is_listed_as_disabling_and_refuses_calls(
    aws: LocalAWS, client: ClientFactory, account: Any, regions: Account
) -> None:
    regions.enable_region("me-central-1")
    aws.set_settings(region_change_seconds=UNDER_WAY)
    account.disable_region(RegionName="me-central-1")
    assert statuses(account, RegionOptStatusContains=["DISABLING"]) == {"me-central-1": "DISABLING"}
    assert error_of(client("mediatailor", "me-central-1").list_channels)[:2] == (
        "UnrecognizedClientException",
        403,
    )


@pytest.mark.parametrize(
    ("first", "then"),
    [("enable_region", "disable_region"), ("disable_region", "enable_region")],
    ids=["disable-while-enabling", "enable-while-disabling"],
)
def test_a_region_cannot_change_back_until_its_change_completes(
    aws: LocalAWS, account: Any, regions: Account, first: str, then: str
) -> None:
    if first == "disable_region":
        regions.enable_region("ap-south-2")
    aws.set_settings(region_change_seconds=UNDER_WAY)
    getattr(account, first)(RegionName="ap-south-2")
    under_way = account.get_region_opt_status(RegionName="ap-south-2")["RegionOptStatus"]
    code, status, message = error_of(lambda: getattr(account, then)(RegionName="ap-south-2"))
    assert (code, status) == ("ConflictException", 409)
    assert under_way.lower() in message
    assert account.get_region_opt_status(RegionName="ap-south-2")["RegionOptStatus"] == under_way


def test_list_regions_filters_by_status(account: Any, regions: Account) -> None:
    regions.enable_region("me-central-1")
    enabled = statuses(account, RegionOptStatusContains=["ENABLED"])
    assert enabled == {"me-central-1": "ENABLED"}
    opt_in = statuses(account, RegionOptStatusContains=["ENABLED", "DISABLED"])
    assert set(MEDIATAILOR_OPT_IN) <= set(opt_in)
    assert "us-east-1" not in opt_in


def test_list_regions_pages_through_every_region_once(account: Any) -> None:
    first = account.list_regions(MaxResults=10)
    assert len(first["Regions"]) == 10
    names = [
        region["RegionName"]
        for page in account.get_paginator("list_regions").paginate(
            PaginationConfig={"PageSize": 10}
        )
        for region in page["Regions"]
    ]
    assert len(names) == len(set(names)) == len(statuses(account))
    assert {"us-east-1", *MEDIATAILOR_OPT_IN} <= set(names)


def test_opt_in_state_is_per_account(aws: LocalAWS, client: ClientFactory, account: Any) -> None:
    other = client("account")
    other.meta.events.register(
        "before-sign.account.*",
        lambda request, **_: request.headers.__setitem__("x-moto-account-id", "111122223333"),
    )
    account.enable_region(RegionName="af-south-1")
    assert other.get_region_opt_status(RegionName="af-south-1")["RegionOptStatus"] == "DISABLED"


def test_the_account_id_parameter_names_the_account(aws: LocalAWS, account: Any) -> None:
    aws.set_settings(region_change_seconds=0)  # at once: this test is about the account
    account.enable_region(AccountId="111122223333", RegionName="af-south-1")
    assert (
        account.get_region_opt_status(AccountId="111122223333", RegionName="af-south-1")[
            "RegionOptStatus"
        ]
        == "ENABLED"
    )
    assert account.get_region_opt_status(RegionName="af-south-1")["RegionOptStatus"] == "DISABLED"


@pytest.mark.parametrize(
    "call",
    [
        lambda account: account.enable_region(RegionName="us-east-1"),
        lambda account: account.get_region_opt_status(RegionName="mars-north-1"),
        lambda account: account.list_regions(RegionOptStatusContains=["SOMETIMES"]),
        lambda account: account.list_regions(MaxResults=51),
        lambda account: account.list_regions(NextToken="forged"),
        lambda account: account.get_region_opt_status(AccountId="12", RegionName="af-south-1"),
    ],
    ids=["default-region", "unknown-region", "unknown-status", "too-many", "token", "account"],
)
def test_bad_requests_are_validation_exceptions(
    account: Any, call: Callable[[Any], object]
) -> None:
    assert error_of(lambda: call(account))[:2] == ("ValidationException", 400)


def test_with_the_setting_off_opt_in_regions_read_enabled_and_serve(
    aws: LocalAWS, client: ClientFactory, account: Any
) -> None:
    aws.set_settings(opt_in_regions_disabled=False)
    assert account.get_region_opt_status(RegionName="af-south-1")["RegionOptStatus"] == "ENABLED"
    assert client("mediatailor", "af-south-1").list_channels()["Items"] == []


def test_the_start_state_comes_back_on_reset(
    aws: LocalAWS, client: ClientFactory, account: Any
) -> None:
    account.enable_region(RegionName="af-south-1")
    aws.reset()
    assert account.get_region_opt_status(RegionName="af-south-1")["RegionOptStatus"] == "DISABLED"


# -- under moto's IAM enforcement ------------------------------------------------------------

BOOTSTRAP = 3


def user_client(server: LocalAWS, actions: list[str]) -> Any:
    """An Account API client of a new user allowed ``actions`` on ``*`` (3 bootstrap calls)."""
    iam = server.client("iam")
    iam.create_user(UserName="runner")
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }
    iam.put_user_policy(UserName="runner", PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="runner")["AccessKey"]
    return server.client(
        "account",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_under_enforcement_the_account_api_is_authorized_by_policy() -> None:
    with LocalAWS(iam_enforcement_after=BOOTSTRAP) as server:
        account = user_client(server, ["account:ListRegions", "account:GetRegionOptStatus"])
        assert statuses(account)["af-south-1"] == "DISABLED"
        code, status, message = error_of(lambda: account.enable_region(RegionName="af-south-1"))
        assert (code, status) == ("AccessDeniedException", 403)
        assert "account:EnableRegion" in message


def test_the_opt_in_regions_are_the_regions_launched_after_march_2019() -> None:
    # One rule, in lifecycle.aws.regions, for the engine and the local AWS alike.
    from lifecycle.aws.regions import ENABLED_BY_DEFAULT, opt_in_regions

    assert {"af-south-1", "me-central-1", "ap-southeast-4", "il-central-1"} <= opt_in_regions()
    assert not opt_in_regions() & ENABLED_BY_DEFAULT
    assert {"us-east-1", "eu-west-1", "ap-northeast-3"} <= ENABLED_BY_DEFAULT
