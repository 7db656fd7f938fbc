"""The floor of the fleet benchmark: the calls of ``boto3_fleet_status.py`` (the calls ``slr
--accounts org status`` makes) made the cheapest documented way, to measure what a runner's
CPU per call can come down to.

Beside the plain script, what changes is only how clients are made: one boto3 session for
the whole fleet (botocore loads its models and endpoint data once), each client made once per
account and region with the account's credentials given explicitly, and then shared by the
threads that call there (botocore's clients are thread-safe; sessions are not, so clients are
made under a lock). No journal, no retries, no logs: a floor, not a runner.

It imports nothing from this project and prints one JSON document: the accounts, the
dependents found and the calls sent per ``service:Operation``.

    python benchmarks/floor_fleet_status.py --endpoint-url URL [--workers 64]
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
    def __init__(self, endpoint_url: str, workers: int) -> None:
        self.session = boto3.session.Session(region_name="us-east-1")
        self.endpoint_url = endpoint_url
        self.config = Config(retries={"total_max_attempts": 1}, max_pool_connections=32)
        self.pool = ThreadPoolExecutor(max_workers=workers - ACCOUNTS_AT_ONCE)
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.session.events.register("before-call", self._count)
        self.regions = self.session.get_available_regions("mediatailor")
        self._own: dict[tuple[str, str], Any] = {}

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def clients(self, creds: dict[str, str] | None) -> Any:
        """A maker of one account's clients: each (service, region) made once, then reused."""
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
                if (service, region) not in made:
                    made[service, region] = self.session.client(
                        service,
                        region_name=region,
                        endpoint_url=self.endpoint_url,
                        config=self.config,
                        **keys,
                    )
                return made[service, region]

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
            creds = sts.assume_role(RoleArn=arn, RoleSessionName="floor")["Credentials"]
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
    args = parser.parse_args()
    fleet = Fleet(args.endpoint_url, args.workers)
    accounts = fleet.accounts()
    own = fleet.clients(None)("sts", "us-east-1").get_caller_identity()["Account"]
    with ThreadPoolExecutor(max_workers=ACCOUNTS_AT_ONCE) as starter:
        found = sum(starter.map(lambda a: fleet.account(a, own), accounts))
    print(json.dumps({"accounts": len(accounts), "dependents": found, "calls": fleet.calls}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
