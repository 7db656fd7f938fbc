"""An AWS Organization on the local AWS: nested OUs, member accounts made by Organizations
(each with its OrganizationAccountAccessRole), some without that role, some closed, and
MediaTailor resources seeded in members through the role, as an operator would."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from localaws import LocalAWS
from localaws.seed import Account

#: The account of the local AWS's default credentials: the organization's management account.
MANAGEMENT = "123456789012"


@dataclass
class Organization:
    """What was built: OU ids and account ids by name."""

    aws: LocalAWS
    root: str
    ous: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    #: Member accounts made without the OrganizationAccountAccessRole.
    without_role: set[str] = field(default_factory=set)
    closed: set[str] = field(default_factory=set)

    def client(self, service: str = "organizations") -> Any:
        return boto3.client(service, region_name="us-east-1", endpoint_url=self.aws.endpoint_url)

    def member(self, account: str) -> Account:
        """Clients in a member account, through its role (a member without it: its own keys
        as moto maps them, for seeding only)."""
        sts = self.client("sts")
        role = "OrganizationAccountAccessRole" if account not in self.without_role else "Admin"
        creds = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="seed"
        )["Credentials"]
        return Account(
            self.aws.endpoint_url, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"]
        )

    def in_use(self, account: str, regions: Sequence[str]) -> None:
        """The role in use in ``regions``: a configuration with session logs, a channel with
        an As Run log in the last one."""
        member = self.member(account)
        for region in regions:
            member.configuration(region, f"{account}-{region}", 100)
        member.channel(regions[-1], f"linear-{account}", ["AS_RUN"])


def build(
    aws: LocalAWS, layout: Mapping[str, int], *, without_role: int = 0, closed: int = 0
) -> Organization:
    """An organization with ``layout``: OU path ("" for the root, "a/b" nested) -> how many
    member accounts; the first ``without_role`` accounts made have another role instead,
    the next ``closed`` ones are closed (SUSPENDED)."""
    client = boto3.client("organizations", region_name="us-east-1", endpoint_url=aws.endpoint_url)
    client.create_organization(FeatureSet="ALL")
    org = Organization(aws, client.list_roots()["Roots"][0]["Id"])
    n = 0
    for path, count in layout.items():
        parent = org.root
        for depth, name in enumerate(path.split("/") if path else []):
            key = "/".join(path.split("/")[: depth + 1])
            if key not in org.ous:
                org.ous[key] = client.create_organizational_unit(ParentId=parent, Name=name)[
                    "OrganizationalUnit"
                ]["Id"]
            parent = org.ous[key]
        for _ in range(count):
            name = f"member-{n}"
            role = {"RoleName": "Admin"} if n < without_role else {}
            made = client.create_account(AccountName=name, Email=f"{name}@example.com", **role)
            account = made["CreateAccountStatus"]["AccountId"]
            if parent != org.root:
                client.move_account(
                    AccountId=account, SourceParentId=org.root, DestinationParentId=parent
                )
            if n < without_role:
                org.without_role.add(account)
            elif n < without_role + closed:
                client.close_account(AccountId=account)
                org.closed.add(account)
            org.accounts[name] = account
            n += 1
    return org


@pytest.fixture
def small_org(aws: LocalAWS) -> Organization:
    """Five members in nested OUs, the first without the role; two in use."""
    org = build(aws, {"": 1, "workloads/prod": 2, "workloads/dev": 1, "sandbox": 1}, without_role=1)
    members = sorted(set(org.accounts.values()) - org.without_role)
    org.in_use(members[0], ["us-east-1", "eu-west-1"])
    org.in_use(members[1], ["us-west-2"])
    return org
