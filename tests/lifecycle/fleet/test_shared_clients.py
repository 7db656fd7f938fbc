"""A fleet's accounts call through shared clients (lifecycle.aws.signing), each request signed
as its account and checked by its account's run: the same calls, retries and log events as
when every account had clients of its own, over HTTP on the local AWS."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import botocore.credentials
import botocore.exceptions
import pytest
import structlog

from lifecycle.aws.gateway import CLIENT_CONFIG, Gateway
from lifecycle.aws.sessions import assumed_session, botocore_of
from lifecycle.aws.signing import CallerCredentials, SharedClients, Signing
from lifecycle.cli import exits
from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.runner import Runner
from lifecycle.errors import AwsError, Refused
from lifecycle.fleet import FleetConfig, FleetRunner, Sessions, role_arn_template
from lifecycle.fleet.accounts import AccountSession
from lifecycle.journal import open_journal
from lifecycle.model.outcome import Outcome
from lifecycle.model.retry import RetryPolicy
from localaws import Fault, LocalAWS
from tests import recorder
from tests.lifecycle.conftest import FAST, REGIONS
from tests.lifecycle.fleet.conftest import Organization
from tests.lifecycle.fleet.test_accounts import management

#: What a log event says of a call, leaving out what differs between two runs of the same
#: calls (latency, request ids, timestamps).
_SAID = ("event", "account", "service", "operation", "region", "attempt", "outcome", "error_code")


class OwnClients(Sessions):
    """Every account's clients its own, from its own session: how a fleet called before its
    clients were shared."""

    def of(self, account: str) -> AccountSession:
        session = super().of(account)
        session.signing = None
        return session


def fleet_status(
    aws: LocalAWS, org: Organization, sessions: type[Sessions], state: Path
) -> tuple[dict[str, Any], list[dict[str, Any]], Counter[str]]:
    """A fleet status over ``org`` (a MediaTailor answer throttled, an IAM 500 on the
    way): each account's document, the log events of calls, the requests AWS received."""
    aws.set_faults(
        [
            Fault(service="mediatailor", operation="ListChannels", kind="throttle", count=1),
            Fault(service="iam", operation="GetRole", kind="server_error", count=1),
        ]
    )
    gateway = management(aws)
    config = RunnerConfig(endpoint_url=aws.endpoint_url, regions=REGIONS)
    fleet = FleetRunner(
        FAST,
        open_journal(state),
        config,
        FleetConfig(max_concurrent_accounts=3, calls_in_flight=6),
        sessions(gateway, role_arn_template(None, None, "aws"), home="us-east-1"),
        codes=exits.CODES,
    )

    def work(runner: Runner, _: str) -> tuple[Outcome, dict[str, Any]]:
        account, world, state = runner.status()
        names = sorted(d.arn for d in world.dependents)
        return Outcome.DONE, {"account": account, "state": state, "arns": names}

    recorder.start(aws)
    with structlog.testing.capture_logs([structlog.contextvars.merge_contextvars]) as logs:
        result = fleet.run("status", sorted(org.accounts.values()), work, {"command": "status"})
    recorder.stop(aws)
    documents = {r.account: r.document or {"error": r.error} for r in result.accounts}
    calls = [
        {key: event.get(key) for key in _SAID}
        for event in logs
        if str(event.get("event", "")).startswith("aws.")
    ]
    received = Counter(action for _, action, _, _ in recorder.requests(aws))
    aws.clear_faults()
    return documents, calls, received


def test_shared_clients_make_the_same_calls_retries_and_logs_as_clients_of_its_own(
    aws: LocalAWS, small_org: Organization, tmp_path: Path
) -> None:
    for account in sorted(set(small_org.accounts.values()) - small_org.without_role)[:2]:
        # IAM shows a role made a moment ago only after a while: both runs see it.
        small_org.member(account).wait_for_role()
    shared = fleet_status(aws, small_org, Sessions, tmp_path / "shared")
    own = fleet_status(aws, small_org, OwnClients, tmp_path / "own")
    documents, calls, received = shared
    assert documents == own[0]
    # Each account read as itself: its own identity and its own dependents, nobody else's.
    for account, document in documents.items():
        if account in small_org.without_role:
            assert "error" in document
            continue
        assert document.get("account") == account, documents
        assert all(account in name for name in document["arns"]), document
    assert sum(bool(d.get("arns")) for d in documents.values()) == 2
    # The same log events of each account's calls; the same retries (which account a fault
    # answers depends on which asks first): attempts and error codes over the whole fleet.
    per_account = ("event", "account", "service", "operation", "region")
    assert said(calls, per_account, "aws.call") == said(own[1], per_account, "aws.call")
    retries = ("event", "service", "operation", "attempt")
    assert said(calls, retries) == said(own[1], retries)
    assert said(calls, ("event",))[("aws.retry",)] == 2
    assert received == own[2]


def said(
    events: list[dict[str, Any]], keys: tuple[str, ...], only: str | None = None
) -> Counter[tuple[str, ...]]:
    """How many events say each combination of ``keys`` (of the event ``only`` names)."""
    return Counter(
        tuple(str(event[k]) for k in keys) for event in events if only in (None, event["event"])
    )


def test_a_shared_client_refuses_a_call_made_outside_an_accounts_run(aws: LocalAWS) -> None:
    base = boto3.session.Session(region_name="us-east-1")
    clients = SharedClients(
        assumed_session(CallerCredentials(), like=botocore_of(base)), CLIENT_CONFIG
    )
    sts = clients.client("sts", "us-east-1", aws.endpoint_url)
    with pytest.raises(Refused):
        sts.get_caller_identity()


def test_caller_credentials_are_none_outside_an_accounts_call() -> None:
    with pytest.raises(botocore.exceptions.NoCredentialsError):
        CallerCredentials().get_frozen_credentials()


def test_an_accounts_dry_run_refuses_a_write_through_a_shared_client(aws: LocalAWS) -> None:
    base = boto3.session.Session(region_name="us-east-1")
    clients = SharedClients(
        assumed_session(CallerCredentials(), like=botocore_of(base)), CLIENT_CONFIG
    )

    class AccountSide:
        """What a gateway reads of a fleet account's session."""

        region_name = "us-east-1"
        signing = Signing(clients, botocore.credentials.Credentials("testing", "testing"))

    def gateway(dry_run: bool) -> Gateway:
        return Gateway(
            AccountSide(),
            declared=frozenset((op.service, op.name) for op in FAST.operations()),
            read_only=FAST.read_only_operations(),
            dry_run=dry_run,
            endpoint_url=aws.endpoint_url,
        )

    write = {"PlaybackConfigurationName": "live", "PercentEnabled": 0}
    policy = RetryPolicy(0.001, 1, 0)
    with pytest.raises(Refused, match="a dry run sends no write"):
        gateway(True).call(
            "mediatailor",
            "ConfigureLogsForPlaybackConfiguration",
            "us-east-1",
            write,
            policy=policy,
        )
    # The same shared client, in a run that may write: sent (there is no such configuration).
    with pytest.raises(AwsError) as sent:
        gateway(False).call(
            "mediatailor",
            "ConfigureLogsForPlaybackConfiguration",
            "us-east-1",
            write,
            policy=policy,
        )
    assert not isinstance(sent.value, Refused)
