"""The baselines of the fleet decommission benchmark: a hand-written boto3 script that
decommissions ``AWSServiceRoleForMediaTailor`` in every account of an organization, with no
engine; as a careful user writes it (a client per call, from one shared session), or, with
``--reuse-clients``, the same calls the cheapest documented way (each client made once per
account and region with the account's credentials, then shared by the threads): the floor.

In each account (8 at once), the calls of ``boto3_decommission.py``: assume its
``OrganizationAccountAccessRole`` (not in its own account), who am I, does the role exist and
(whatever the answer, as ``slr`` looks at both) the regions the account enabled, both
MediaTailor lists in each (every page), deactivate what uses the role, the role and the lists
again to verify, ``DeleteServiceLinkedRole``, then the deletion status at once and every
second until it ends. Scans and writes of every account go through one pool of ``--workers``
threads less the 8 accounts'. No journal, no retries, no logs.

It imports nothing from this project and prints one JSON document: the accounts, how their
deletions ended, the calls sent per ``service:Operation``.

    python benchmarks/boto3_fleet_decommission.py --endpoint-url URL [--reuse-clients]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ROLE = "AWSServiceRoleForMediaTailor"
ACCOUNTS_AT_ONCE = 8
_LOG_SETTINGS = ("EnabledLoggingStrategies", "AdsInteractionLog", "ManifestServiceInteractionLog")
Dependent = tuple[str, str, str, dict[str, Any]]


class Fleet:
    def __init__(self, endpoint_url: str, workers: int, reuse: bool) -> None:
        self.session = boto3.session.Session(region_name="us-east-1")
        self.endpoint_url, self.reuse = endpoint_url, reuse
        self.config = Config(retries={"total_max_attempts": 1}, max_pool_connections=32)
        self.pool = ThreadPoolExecutor(max_workers=workers - ACCOUNTS_AT_ONCE)
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.session.events.register("before-call", self._count)
        self.regions = sorted(self.session.get_available_regions("mediatailor"))

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def clients(self, creds: dict[str, str] | None) -> Any:
        """One account's client maker: a new client per call, or (``--reuse-clients``) one
        per service and region, made once."""
        made: dict[tuple[str, str], Any] = {}
        keys = {}
        if creds:
            keys = {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            }

        def client(service: str, region: str = "us-east-1") -> Any:
            with self._lock:  # boto3 sessions are not thread-safe; clients are
                if not self.reuse or (service, region) not in made:
                    made[service, region] = self.session.client(
                        service,
                        region_name=region,
                        endpoint_url=self.endpoint_url,
                        config=self.config,
                        **keys,
                    )
                return made[service, region]

        return client

    def each(self, fn: Any, items: list[Any]) -> list[Any]:
        return [f.result() for f in [self.pool.submit(fn, item) for item in items]]

    def account(self, account: str, own: str, sts: Any) -> str:
        creds = None
        if account != own:
            arn = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
            creds = sts.assume_role(RoleArn=arn, RoleSessionName="script")["Credentials"]
        client = self.clients(creds)
        client("sts").get_caller_identity()
        # The role and what uses it are looked up together, as slr does: a dependent while
        # IAM shows no role yet is a role made a moment ago.
        exists, active = self.role_exists(client), self.scan(client)
        if not exists and not active:
            return "NO_ROLE"
        self.each(lambda d: self.deactivate(client, d), active)
        if not self.role_exists(client):
            return "GONE"
        if self.scan(client):
            return "IN_USE"
        iam = client("iam")
        task = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
        for polls in range(300):
            if polls:
                time.sleep(1.0)
            try:
                status = str(
                    client("iam").get_service_linked_role_deletion_status(DeletionTaskId=task)[
                        "Status"
                    ]
                )
            except ClientError:
                continue  # IAM shows a new deletion task late: ask again
            if status in ("SUCCEEDED", "FAILED"):
                return status
        return "TIMED_OUT"

    def role_exists(self, client: Any) -> bool:
        try:
            client("iam").get_role(RoleName=ROLE)
        except ClientError:
            return False
        return True

    def scan(self, client: Any) -> list[Dependent]:
        listed: dict[str, str] = {}
        for page in client("account").get_paginator("list_regions").paginate(MaxResults=50):
            listed |= {r["RegionName"]: r["RegionOptStatus"] for r in page["Regions"]}
        enabled = ("ENABLED", "ENABLED_BY_DEFAULT")
        regions = [r for r in self.regions if listed.get(r, "ENABLED") in enabled]
        work = [(r, op) for r in regions for op in ("configurations", "channels")]
        return [d for found in self.each(lambda w: self.active_in(client, *w), work) for d in found]

    def active_in(self, client: Any, region: str, kind: str) -> list[Dependent]:
        found: list[Dependent] = []
        if kind == "configurations":
            pages = client("mediatailor", region).get_paginator("list_playback_configurations")
            for page in pages.paginate(MaxResults=100):
                for item in page.get("Items", []):
                    log = item.get("LogConfiguration") or {}
                    if log.get("PercentEnabled", 0) > 0:
                        found.append((region, "configuration", item["Name"], log))
            return found
        pages = client("mediatailor", region).get_paginator("list_channels")
        for page in pages.paginate(MaxResults=100):
            for item in page.get("Items", []):
                if "AS_RUN" in ((item.get("LogConfiguration") or {}).get("LogTypes") or []):
                    found.append((region, "channel", item["ChannelName"], {}))
        return found

    def deactivate(self, client: Any, dependent: Dependent) -> None:
        region, kind, name, log = dependent
        mediatailor = client("mediatailor", region)
        if kind == "channel":
            mediatailor.configure_logs_for_channel(ChannelName=name, LogTypes=[])
            return
        settings = {k: log[k] for k in _LOG_SETTINGS if k in log}
        mediatailor.configure_logs_for_playback_configuration(
            PlaybackConfigurationName=name, PercentEnabled=0, **settings
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--reuse-clients", action="store_true")
    args = parser.parse_args()
    fleet = Fleet(args.endpoint_url, args.workers, args.reuse_clients)
    own_clients = fleet.clients(None)
    pages = own_clients("organizations").get_paginator("list_accounts").paginate()
    accounts = sorted(a["Id"] for p in pages for a in p["Accounts"] if a["Status"] == "ACTIVE")
    own = own_clients("sts").get_caller_identity()["Account"]
    sts = own_clients("sts")
    with ThreadPoolExecutor(max_workers=ACCOUNTS_AT_ONCE) as starter:
        ended = list(starter.map(lambda a: fleet.account(a, own, sts), accounts))
    print(json.dumps({"accounts": len(accounts), "ended": Counter(ended), "calls": fleet.calls}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
