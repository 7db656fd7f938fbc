"""The baseline of the fleet inventory benchmark: a hand-written boto3 script that lists the
service-linked roles of every account of an organization, as a careful user writes it today.

It makes the calls ``slr --accounts org inventory`` makes: list the organization's accounts
(every page), then in each account: assume its ``OrganizationAccountAccessRole`` (not in its
own account) and read every page of ``GetAccountAuthorizationDetails`` (roles), keeping the
roles under ``/aws-service-role/``. Eight accounts at once, as slr's default. No journal, no
retries, no logs.

It imports nothing from this project and prints one JSON document: the accounts, the roles
found, the calls sent per ``service:Operation``.

    python benchmarks/boto3_fleet_inventory.py --endpoint-url URL
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config

ACCOUNTS_AT_ONCE = 8


class Fleet:
    def __init__(self, endpoint_url: str) -> None:
        self.session = boto3.session.Session(region_name="us-east-1")
        self.endpoint_url = endpoint_url
        self.config = Config(retries={"total_max_attempts": 1}, max_pool_connections=32)
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.session.events.register("before-call", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def client(self, service: str, creds: dict[str, str] | None) -> Any:
        keys = {}
        if creds:
            keys = {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            }
        with self._lock:  # boto3 sessions are not thread-safe; clients are
            return self.session.client(
                service,
                region_name="us-east-1",
                endpoint_url=self.endpoint_url,
                config=self.config,
                **keys,
            )

    def accounts(self) -> list[str]:
        pages = self.client("organizations", None).get_paginator("list_accounts").paginate()
        return sorted(a["Id"] for p in pages for a in p["Accounts"] if a["Status"] == "ACTIVE")

    def roles(self, account: str, own: str) -> int:
        creds = None
        if account != own:
            arn = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
            sts = self.client("sts", None)
            creds = sts.assume_role(RoleArn=arn, RoleSessionName="script")["Credentials"]
        iam = self.client("iam", creds)
        pages = iam.get_paginator("get_account_authorization_details").paginate(
            Filter=["Role"], PaginationConfig={"PageSize": 1000}
        )
        return sum(
            1
            for page in pages
            for role in page["RoleDetailList"]
            if role["Path"].startswith("/aws-service-role/")
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint-url", required=True)
    args = parser.parse_args()
    fleet = Fleet(args.endpoint_url)
    accounts = fleet.accounts()
    own = fleet.client("sts", None).get_caller_identity()["Account"]
    with ThreadPoolExecutor(max_workers=ACCOUNTS_AT_ONCE) as pool:
        found = sum(pool.map(lambda a: fleet.roles(a, own), accounts))
    print(json.dumps({"accounts": len(accounts), "roles": found, "calls": fleet.calls}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
