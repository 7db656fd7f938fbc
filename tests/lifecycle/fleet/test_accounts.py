"""Which accounts a fleet names, and the session in each (the Python API, over HTTP)."""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
import pytest

from lifecycle.aws.gateway import Gateway
from lifecycle.cli import exits
from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.runner import Runner
from lifecycle.errors import SelectionError
from lifecycle.fleet import (
    FLEET_OPERATIONS,
    FleetConfig,
    FleetRunner,
    Selection,
    Sessions,
    organization_accounts,
    parse_accounts,
    role_arn_template,
)
from lifecycle.journal import open_journal
from lifecycle.model.outcome import Outcome
from localaws import LocalAWS
from tests.lifecycle.conftest import FAST, REGIONS
from tests.lifecycle.fleet.conftest import MANAGEMENT, build


def test_accounts_are_ids_the_organization_or_an_ou() -> None:
    assert parse_accounts("111111111111, 222222222222,111111111111") == Selection(
        ids=("111111111111", "222222222222")
    )
    assert parse_accounts("org") == Selection(organization=True)
    assert parse_accounts("org:ou-ab12-cdefgh34").parent == "ou-ab12-cdefgh34"
    for bad in ("", "1234", "org:nope", "111111111111,x"):
        with pytest.raises(SelectionError):
            parse_accounts(bad)


def test_the_role_is_a_name_or_a_template() -> None:
    assert role_arn_template(None, None, "aws-cn") == (
        "arn:aws-cn:iam::{account}:role/OrganizationAccountAccessRole"
    )
    template = "arn:aws:iam::{account}:role/ops/slr"
    assert role_arn_template(None, template, "aws") == template
    with pytest.raises(SelectionError, match="not both"):
        role_arn_template("x", template, "aws")


def management(aws: LocalAWS, page: int | None = None) -> Gateway:
    """The runner's own gateway; ``page``: every organizations list answers that many."""
    session = boto3.session.Session(region_name="us-east-1")
    if page:

        def short_pages(params: dict[str, Any], **_: Any) -> None:
            params["MaxResults"] = page

        session.events.register("provide-client-params.organizations.*", short_pages)
    return Gateway(
        session,
        declared=FLEET_OPERATIONS,
        read_only=FLEET_OPERATIONS,
        endpoint_url=aws.endpoint_url,
    )


def test_every_page_of_the_organization_is_listed(aws: LocalAWS) -> None:
    org = build(aws, {"": 3, "a": 2, "a/b": 2, "a/b/c": 2, "a/d": 1})
    gateway = management(aws, page=1)
    everything = organization_accounts(gateway, Selection(organization=True), "us-east-1")
    assert everything == sorted({*org.accounts.values(), MANAGEMENT})
    under_a = organization_accounts(
        gateway, Selection(organization=True, parent=org.ous["a"]), "us-east-1"
    )
    assert under_a == sorted(org.accounts[f"member-{n}"] for n in range(3, 10))
    pages = [r for r in gateway.records if r.call.operation == "ListAccounts"]
    assert len(pages) >= len(everything)


def test_the_runners_own_account_is_entered_without_assuming_a_role(aws: LocalAWS) -> None:
    org = build(aws, {"": 1})
    gateway = management(aws)
    sessions = Sessions(gateway, role_arn_template(None, None, "aws"), home="us-east-1")
    [member] = org.accounts.values()
    for account in (MANAGEMENT, member):
        session = sessions.of(account)
        identity = session.client("sts", endpoint_url=aws.endpoint_url).get_caller_identity()
        assert identity["Account"] == account
    assert [r.call.operation for r in gateway.records].count("AssumeRole") == 1


def test_each_accounts_session_is_refreshed_before_its_credentials_expire(aws: LocalAWS) -> None:
    aws.set_settings(credential_seconds=2)
    sessions = Sessions(management(aws), role_arn_template(None, None, "aws"), home="us-east-1")
    members = ("111111111111", "222222222222")
    clients = {
        account: sessions.of(account).client(
            "sts", region_name="us-east-1", endpoint_url=aws.endpoint_url
        )
        for account in members
    }
    for account, sts in clients.items():
        assert sts.get_caller_identity()["Account"] == account
    time.sleep(2.5)  # the first credentials are over: the local AWS refuses them
    for account, sts in clients.items():
        assert sts.get_caller_identity()["Account"] == account


def test_a_fleet_runs_on_a_bounded_number_of_threads(aws: LocalAWS, tmp_path: Any) -> None:
    org = build(aws, {"": 12})
    for account in list(org.accounts.values())[:4]:
        org.in_use(account, list(REGIONS))
    gateway = management(aws)
    sessions = Sessions(gateway, role_arn_template(None, None, "aws"), home="us-east-1")
    config = RunnerConfig(endpoint_url=aws.endpoint_url, regions=REGIONS)
    fleet = FleetConfig(max_concurrent_accounts=3, calls_in_flight=5)
    runner = FleetRunner(FAST, open_journal(tmp_path), config, fleet, sessions, codes=exits.CODES)
    seen, names, before = [0], set(), threading.active_count()

    def work(account_runner: Runner, _: str) -> tuple[Outcome, dict[str, Any]]:
        account, world, _ = account_runner.status()
        seen[0] = max(seen[0], threading.active_count())
        names.update(t.name.split("_")[0] for t in threading.enumerate())
        return Outcome.DONE, {"account": account, "active": len(world.active)}

    accounts = sorted(org.accounts.values())
    result = runner.run("status", accounts, work, {"command": "status"})
    assert [r.outcome.value for r in result.accounts] == ["succeeded"] * 12
    # 3 account workers, their 3 claims' heartbeats, the pool's 5 threads: no pool of its own
    # per account (Gateway.map's would be named ThreadPoolExecutor-N).
    assert seen[0] <= before + 3 + 3 + 5
    assert not any(name.startswith("ThreadPoolExecutor") for name in names), names


def test_only_active_accounts_count_whichever_field_says_so() -> None:
    from lifecycle.fleet.accounts import active

    assert active({"Id": "1", "State": "ACTIVE"})
    assert active({"Id": "1", "Status": "ACTIVE"})  # the field botocore retires
    assert not active({"Id": "1", "State": "CLOSED", "Status": "ACTIVE"})
    assert not active({"Id": "1", "State": "SUSPENDED"})
    assert not active({"Id": "1"})
