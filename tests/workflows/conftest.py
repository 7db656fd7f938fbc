"""Fixtures for the workflows' tests: one account that uses all four services, and runners of
each workflow (retries of milliseconds) on the local AWS."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.runner import Runner
from lifecycle.journal import open_journal
from lifecycle.registry import get
from lifecycle.testing import fast
from localaws import LocalAWS, autoscaling, cloudtrail, config
from localaws.seed import Account

#: Three regions keep scans short; a workflow scans its service's every region the same way.
REGIONS = ("us-east-1", "eu-west-1", "us-west-2")
RunnerOf = Callable[..., Runner]


@pytest.fixture
def account(aws: LocalAWS) -> Account:
    return Account(aws.endpoint_url)


@pytest.fixture
def runner_of(aws: LocalAWS, tmp_path: Path) -> RunnerOf:
    """``runner_of("config")`` -> a Runner of that workflow, its journal in ``tmp_path``."""

    def make(name: str, **config: Any) -> Runner:
        config.setdefault("reject_wait_seconds", 0.1)
        settings = RunnerConfig(endpoint_url=aws.endpoint_url, regions=REGIONS, **config)
        return Runner(fast(get(name)), open_journal(tmp_path / "state"), settings)

    return make


@pytest.fixture
def four_services(account: Account) -> Account:
    """An organization's management account where every workflow's service uses its role:
    MediaTailor logs sessions and a channel's As Run log, Config records in two regions (and
    has stopped in a third), an organization trail lives in us-east-1 beside a trail of the
    account's own, and two Auto Scaling groups run."""
    account.configuration("us-east-1", "live-news", 100)
    account.configuration("eu-west-1", "vod", 20)
    account.channel("us-west-2", "linear", ["AS_RUN"])
    config.recorder(account, "us-east-1")
    config.recorder(account, "eu-west-1")
    config.recorder(account, "us-west-2", recording=False)
    cloudtrail.management_account(account)
    cloudtrail.organization_trail(account, "us-east-1", "organization-audit")
    cloudtrail.organization_trail(account, "eu-west-1", "local-audit", organization=False)
    autoscaling.group(account, "us-east-1", "web")
    autoscaling.group(account, "eu-west-1", "batch")
    for name in ("mediatailor", "config", "cloudtrail", "autoscaling"):
        account.wait_for_role(get(name).role_name)
    return account


def services_of(account: Account) -> dict[str, Any]:
    """What each service's resources do with their roles, region by region."""
    return {
        "mediatailor": {
            region: (account.configurations(region), account.channels(region)) for region in REGIONS
        },
        "config": {region: config.recorders(account, region) for region in REGIONS},
        "cloudtrail": {region: cloudtrail.trails(account, region) for region in REGIONS},
        "autoscaling": {region: autoscaling.groups(account, region) for region in REGIONS},
    }
