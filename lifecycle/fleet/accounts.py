"""Which accounts a fleet command works on, and a session in each.

``--accounts`` names them: account ids, ``org`` (every ACTIVE account of the organization) or
``org:ou-xxxx-yyyyyyyy`` (an organizational unit, nested OUs included; ``org:r-xxxx``, the
root, is the whole organization). In each account the runner assumes ``--role-name`` (default
``OrganizationAccountAccessRole``, the role AWS Organizations makes in the accounts it
creates) or an ``--assume-role`` ARN template with ``{account}``; in its own account (the
management account) it assumes nothing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config
import botocore.credentials
import botocore.session

from lifecycle.aws.gateway import CLIENT_CONFIG, Gateway
from lifecycle.aws.sessions import assumed_session, botocore_of, refreshing
from lifecycle.aws.signing import CallerCredentials, SharedClients, Signing
from lifecycle.errors import SelectionError
from lifecycle.model.options import partition_of
from lifecycle.model.retry import RetryPolicy

__all__ = [
    "DEFAULT_ROLE_NAME",
    "FLEET_OPERATIONS",
    "AccountSession",
    "Selection",
    "Sessions",
    "organization_accounts",
    "parse_accounts",
    "role_arn_template",
]

DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"

#: What the management account calls for a fleet (``slr policy --scope fleet``).
FLEET_OPERATIONS = frozenset(
    {
        ("organizations", "ListAccounts"),
        ("organizations", "ListAccountsForParent"),
        ("organizations", "ListOrganizationalUnitsForParent"),
        ("sts", "AssumeRole"),
    }
)

_ACCOUNT = re.compile(r"^\d{12}$")
#: Organizations' own patterns for an OU id and a root id.
_OU = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
_ROOT = re.compile(r"^r-[0-9a-z]{4,32}$")
#: Organizations is served from us-east-1 in the commercial partition.
_ORGANIZATIONS_REGION = {
    "aws": "us-east-1",
    "aws-cn": "cn-northwest-1",
    "aws-us-gov": "us-gov-west-1",
}
#: A shared client's connections: as many as the fleet's calls in flight (FleetConfig's
#: default), which may all go to one region (urllib3 opens more and drops them after).
SHARED_CLIENT_CONFIG = CLIENT_CONFIG.merge(botocore.config.Config(max_pool_connections=64))
_LISTS = RetryPolicy(interval_seconds=0.5, max_attempts=5, max_delay_seconds=5.0)


@dataclass(frozen=True)
class Selection:
    """What ``--accounts`` asked for: account ids, or a part of the organization."""

    #: Explicit account ids, in the order given (duplicates dropped).
    ids: tuple[str, ...] = ()
    #: ``True`` for ``org`` and ``org:PARENT``: listed from AWS Organizations.
    organization: bool = False
    #: An OU or root id for ``org:PARENT``; ``None`` for the whole organization.
    parent: str | None = None

    def __str__(self) -> str:
        if not self.organization:
            return ",".join(self.ids)
        return f"org:{self.parent}" if self.parent else "org"


def parse_accounts(text: str) -> Selection:
    """``111111111111,222222222222``, ``org`` or ``org:ou-xxxx-yyyyyyyy`` (or ``org:r-xxxx``)."""
    text = text.strip()
    if text == "org":
        return Selection(organization=True)
    if text.startswith("org:"):
        parent = text[4:]
        if not (_OU.match(parent) or _ROOT.match(parent)):
            raise SelectionError(
                f"--accounts {text}: org: takes an OU id (ou-xxxx-yyyyyyyy) or a root id (r-xxxx)"
            )
        return Selection(organization=True, parent=parent)
    ids = [part.strip() for part in text.split(",") if part.strip()]
    bad = [i for i in ids if not _ACCOUNT.match(i)]
    if bad or not ids:
        raise SelectionError(
            f"--accounts takes 12-digit account ids, org or org:OU_ID, not "
            f"{', '.join(bad) or repr(text)}"
        )
    return Selection(ids=tuple(dict.fromkeys(ids)))


def role_arn_template(role_name: str | None, assume_role: str | None, partition: str) -> str:
    """The role to assume in each account, with ``{account}`` in it."""
    if assume_role is not None:
        if "{account}" not in assume_role:
            raise SelectionError(
                "with --accounts, --assume-role is a template containing {account} "
                "(arn:aws:iam::{account}:role/NAME)"
            )
        if role_name is not None:
            raise SelectionError("give --role-name or an --assume-role template, not both")
        return assume_role
    name = role_name or DEFAULT_ROLE_NAME
    if not re.match(r"^[\w+=,.@/-]{1,512}$", name):
        raise SelectionError(f"--role-name {name!r} is not an IAM role name")
    return f"arn:{partition}:iam::{{account}}:role/{name}"


def organization_accounts(management: Gateway, selection: Selection, home: str) -> list[str]:
    """The ACTIVE accounts ``selection`` names, sorted; an organization's part is listed page
    by page (short and empty pages included) and its OUs walked to the bottom."""
    if not selection.organization:
        return list(selection.ids)
    region = _ORGANIZATIONS_REGION.get(partition_of(home), "us-east-1")

    def listed(operation: str, items: str, **params: str) -> Iterator[dict[str, Any]]:
        return management.paginate(
            "organizations", operation, region, params, items=items, policy=_LISTS
        )

    if selection.parent is None or _ROOT.match(selection.parent):
        found = list(listed("ListAccounts", "Accounts"))
    else:
        found, parents = [], [selection.parent]
        while parents:
            parent = parents.pop()
            found += listed("ListAccountsForParent", "Accounts", ParentId=parent)
            parents += [
                ou["Id"]
                for ou in listed(
                    "ListOrganizationalUnitsForParent", "OrganizationalUnits", ParentId=parent
                )
            ]
    return sorted({a["Id"] for a in found if active(a)})


def active(account: Mapping[str, Any]) -> bool:
    """Whether an Organizations account is ACTIVE. botocore's model retires ``Status`` on
    2026-09-09 for ``State`` (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED...): read the new
    field first, and take an account that says neither as not active (fail closed)."""
    return (account.get("State") or account.get("Status")) == "ACTIVE"


class AccountSession:
    """One account's session in a fleet: its credentials (an assumed role's refreshed before
    they expire) and the fleet's shared clients, which its runner's gateway calls through as
    this account (:mod:`lifecycle.aws.signing`). A fleet loads botocore's data once, and
    makes each client once, not once per account."""

    def __init__(
        self,
        base: boto3.Session,
        credentials: botocore.credentials.Credentials | None,
        lock: threading.Lock,
        shared: SharedClients | None = None,
    ) -> None:
        """``credentials``: ``None`` for the fleet's own (its own account's)."""
        self._base, self._lock, self._credentials = base, lock, credentials
        own = base.get_credentials() if credentials is None else credentials
        #: What the account's gateway calls with: the shared clients, as this account.
        self.signing = None if shared is None or own is None else Signing(shared, own)
        self._assumed: botocore.session.Session | None = None

    @property
    def region_name(self) -> str | None:
        region: str | None = self._base.region_name
        return region

    def get_available_regions(self, service: str) -> list[str]:
        regions: list[str] = self._base.get_available_regions(service)
        return regions

    def client(self, service_name: str, **kwargs: Any) -> Any:
        """A client of this account's own, as a session makes it."""
        # Sessions are not thread-safe, and the accounts' share one loader: clients are, once
        # made.
        with self._lock:
            if self._credentials is None:
                return self._base.client(service_name, **kwargs)
            if self._assumed is None:
                self._assumed = assumed_session(self._credentials, like=botocore_of(self._base))
            return self._assumed.create_client(service_name, **kwargs)


class Sessions:
    """A session in each account of a fleet: assumed through STS from the runner's own
    credentials, except in the runner's own account."""

    def __init__(
        self,
        management: Gateway,
        template: str,
        *,
        home: str,
        external_id: str | None = None,
    ) -> None:
        self.management, self.template, self.home = management, template, home
        self.external_id = external_id
        self._lock = threading.Lock()
        self.own_account = management.account_id()
        #: Every account's clients: one per service and region, signing as the caller.
        self.shared = SharedClients(
            assumed_session(CallerCredentials(), like=botocore_of(management.session)),
            SHARED_CLIENT_CONFIG,
        )

    def of(self, account: str) -> AccountSession:
        """A session in ``account``; :class:`~lifecycle.errors.AwsError` when its role cannot
        be assumed (the account fails, the fleet goes on)."""
        base: boto3.Session = self.management.session
        if account == self.own_account:
            return AccountSession(base, None, self._lock, self.shared)
        role_arn = self.role_arn(account)
        params = {"RoleArn": role_arn, "RoleSessionName": "slr-lifecycle"}
        if self.external_id:
            params["ExternalId"] = self.external_id
        answer = self.management.call("sts", "AssumeRole", self.home, params, policy=_LISTS)
        sts = self.management.client("sts", self.home)

        def assume() -> Mapping[str, Any]:
            again: Mapping[str, Any] = sts.assume_role(**params)["Credentials"]
            return again

        credentials = refreshing(role_arn, answer["Credentials"], assume)
        return AccountSession(base, credentials, self._lock, self.shared)

    def role_arn(self, account: str) -> str:
        return self.template.replace("{account}", account)
