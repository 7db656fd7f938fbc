"""The baseline of the fleet benchmark: a hand-written boto3 script that reads the state of
``AWSServiceRoleForMediaTailor`` in every account of an organization, as a careful user
writes it today, with no engine.

It makes the calls ``slr --accounts org status`` makes: list the organization's accounts
(every page), then in each account: assume its ``OrganizationAccountAccessRole`` (not in its
own account), who am I, the role, the regions the account has enabled (the Account API; a
refusal means every region), both MediaTailor lists (every page) in each region. Every call
of the whole fleet goes through one pool of ``--workers`` threads; clients come from one
session (a session per account would load botocore's data again each time). No journal, no
retries, no logs.

With ``--reuse-clients`` it is the floor of the runner's CPU: the same calls made the cheapest
documented way, each client made once per account and region with the account's credentials
given explicitly and then shared by the threads that call there (botocore's clients are
thread-safe; sessions are not, so clients are made under a lock).

It imports nothing from this project and prints one JSON document: the accounts, the
dependents found, the calls sent per ``service:Operation``, and its peak RSS.

    python benchmarks/boto3_fleet_status.py --endpoint-url URL [--workers 64] [--reuse-clients]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ROLE = "AWSServiceRoleForMediaTailor"
LISTS = ("list_playback_configurations", "list_channels")
ACCOUNTS_AT_ONCE = 8


class Fleet:
    def __init__(self, endpoint_url: str, workers: int, *, reuse_clients: bool = False) -> None:
        self.session = boto3.session.Session(region_name="us-east-1")
        self.endpoint_url = endpoint_url
        self.config = Config(retries={"total_max_attempts": 1}, max_pool_connections=32)
        self.pool = ThreadPoolExecutor(max_workers=workers - ACCOUNTS_AT_ONCE)
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.session.events.register("before-call", self._count)
        self.regions = self.session.get_available_regions("mediatailor")
        self.reuse_clients = reuse_clients
        self._own: dict[tuple[str, str], Any] = {}

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def clients(self, creds: dict[str, str] | None) -> Any:
        """A maker of one account's clients (its own account's, without ``creds``): a new
        client per call, or with ``--reuse-clients`` each (service, region) made once."""
        made: dict[tuple[str, str], Any] = {} if creds else self._own
        keys = {}
        if creds:
            keys = {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            }

        def client(service: str, region: str) -> Any:
            with self._lock:  # boto3 sessions are not thread-safe; clients are
                if self.reuse_clients and (service, region) in made:
                    return made[service, region]
                new = self.session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=self.config,
                    **keys,
                )
                if self.reuse_clients:
                    made[service, region] = new
                return new

        return client

    def accounts(self) -> list[str]:
        orgs = self.clients(None)("organizations", "us-east-1")
        pages = orgs.get_paginator("list_accounts").paginate()
        return sorted(a["Id"] for p in pages for a in p["Accounts"] if a["Status"] == "ACTIVE")

    def account(self, account: str, own: str) -> int:
        """The account's calls (its scans on the pool); the dependents found."""
        creds = None
        if account != own:
            sts = self.clients(None)("sts", "us-east-1")
            arn = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
            creds = sts.assume_role(RoleArn=arn, RoleSessionName="script")["Credentials"]
        client = self.clients(creds)
        client("sts", "us-east-1").get_caller_identity()
        with contextlib.suppress(ClientError):  # NoSuchEntity: no role
            client("iam", "us-east-1").get_role(RoleName=ROLE)
        regions = self.regions
        try:
            listed = client("account", "us-east-1").list_regions(MaxResults=50)
            enabled = {
                r["RegionName"]
                for r in listed["Regions"]
                if r["RegionOptStatus"] in ("ENABLED", "ENABLED_BY_DEFAULT")
            }
            regions = [r for r in regions if r in enabled]
        except ClientError:
            pass
        scans = [self.pool.submit(self.scan, client, r, op) for r in regions for op in LISTS]
        return sum(f.result() for f in scans)

    def scan(self, client: Any, region: str, operation: str) -> int:
        pages = client("mediatailor", region).get_paginator(operation).paginate(MaxResults=100)
        return sum(len(page["Items"]) for page in pages)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--reuse-clients", action="store_true", help="the floor: see above")
    args = parser.parse_args()
    fleet = Fleet(args.endpoint_url, args.workers, reuse_clients=args.reuse_clients)
    accounts = fleet.accounts()
    own = fleet.clients(None)("sts", "us-east-1").get_caller_identity()["Account"]
    # 8 accounts at once (slr's default), each on its thread for its first calls, its
    # scans on the pool: at most --workers calls in flight in all, as slr's bound.
    with ThreadPoolExecutor(max_workers=ACCOUNTS_AT_ONCE) as starter:
        found = sum(starter.map(lambda a: fleet.account(a, own), accounts))
    print(
        json.dumps(
            {
                "accounts": len(accounts),
                "dependents": found,
                "calls": fleet.calls,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
