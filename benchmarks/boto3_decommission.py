"""The baseline of the overhead benchmark: a hand-written boto3 script that decommissions
``AWSServiceRoleForMediaTailor``, as a careful user writes it today, with no engine.

It makes the calls the engine documents (DESIGN.md, section 2), in the same order: who am I
(``sts:GetCallerIdentity``), does the role exist (``iam:GetRole``), what uses it (the regions
the account enabled, then both list operations, every page, in each of them), deactivate each
active dependent, look again to
verify (``GetRole`` and every list), ``DeleteServiceLinkedRole``, then poll the deletion
status: first at once, then every ``--poll-interval`` seconds, at most ``--max-polls`` times.
No journal, no lock, no retries, no logs. Scans and deactivations run in a pool of
``--workers`` threads (1: one after the other).

It imports nothing from this project (it stands for a user's own script) and prints one JSON
document: the calls it sent per ``service:Operation``, the polls, the final status.

    python benchmarks/boto3_decommission.py --endpoint-url URL [--regions r1,r2] [--workers 8]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import boto3
from botocore.config import Config

ROLE = "AWSServiceRoleForMediaTailor"
#: What a deactivation sends back unchanged next to ``PercentEnabled=0``.
_LOG_SETTINGS = ("EnabledLoggingStrategies", "AdsInteractionLog", "ManifestServiceInteractionLog")
T = TypeVar("T")
R = TypeVar("R")


class Decommission:
    """One account's clients, the calls counted as they are sent."""

    def __init__(self, endpoint_url: str | None, workers: int) -> None:
        self.session = boto3.session.Session()
        self.endpoint_url = endpoint_url
        self.workers = workers
        self.config = Config(
            retries={"total_max_attempts": 1, "mode": "standard"}, max_pool_connections=32
        )
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        # Registered before any client exists: every client copies the session's handlers.
        self.session.events.register("before-call", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def client(self, service: str, region: str = "us-east-1") -> Any:
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self.session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=self.config,
                )
            return self._clients[key]

    def each(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        items = list(items)
        if self.workers <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(items) or 1)) as pool:
            return list(pool.map(fn, items))

    def role_exists(self) -> bool:
        iam = self.client("iam")
        try:
            iam.get_role(RoleName=ROLE)
        except iam.exceptions.NoSuchEntityException:
            return False
        return True

    def active_in(self, region: str) -> list[tuple[str, str, str, dict[str, Any]]]:
        """(region, kind, name, log settings) of every dependent using the role in a region."""
        mediatailor = self.client("mediatailor", region)
        found = []
        pages = mediatailor.get_paginator("list_playback_configurations")
        for page in pages.paginate(MaxResults=100):
            for item in page.get("Items", []):
                log = item.get("LogConfiguration") or {}
                if log.get("PercentEnabled", 0) > 0:
                    found.append((region, "configuration", item["Name"], log))
        for page in mediatailor.get_paginator("list_channels").paginate(MaxResults=100):
            for item in page.get("Items", []):
                if "AS_RUN" in ((item.get("LogConfiguration") or {}).get("LogTypes") or []):
                    found.append((region, "channel", item["ChannelName"], {}))
        return found

    def enabled(self, regions: list[str]) -> list[str]:
        """The regions the account has enabled (opt-in regions start disabled): one call."""
        listed = {}
        pages = self.client("account").get_paginator("list_regions")
        for page in pages.paginate(MaxResults=50):
            for item in page["Regions"]:
                listed[item["RegionName"]] = item["RegionOptStatus"]
        enabled = ("ENABLED", "ENABLED_BY_DEFAULT")
        return [r for r in regions if listed.get(r, "ENABLED") in enabled]

    def scan(self, regions: list[str]) -> list[tuple[str, str, str, dict[str, Any]]]:
        enabled = self.enabled(regions)
        return [d for found in self.each(self.active_in, enabled) for d in found]

    def deactivate(self, dependent: tuple[str, str, str, dict[str, Any]]) -> None:
        region, kind, name, log = dependent
        mediatailor = self.client("mediatailor", region)
        if kind == "channel":
            mediatailor.configure_logs_for_channel(ChannelName=name, LogTypes=[])
            return
        settings = {k: log[k] for k in _LOG_SETTINGS if k in log}
        mediatailor.configure_logs_for_playback_configuration(
            PlaybackConfigurationName=name, PercentEnabled=0, **settings
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--endpoint-url", default=None)
    parser.add_argument("--regions", default="all")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--max-polls", type=int, default=120)
    args = parser.parse_args(argv)
    run = Decommission(args.endpoint_url, args.workers)
    regions = (
        sorted(run.session.get_available_regions("mediatailor"))
        if args.regions == "all"
        else args.regions.split(",")
    )
    account = run.client("sts").get_caller_identity()["Account"]
    status = "NO_ROLE"
    polls = 0
    if run.role_exists():
        active = run.scan(regions)
        run.each(run.deactivate, active)
        if not run.role_exists():
            status = "GONE"
        elif leftover := run.scan(regions):
            print(f"still in use: {leftover}", file=sys.stderr)
            return 1
        else:
            iam = run.client("iam")
            task = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
            while polls < args.max_polls:
                if polls:
                    time.sleep(args.poll_interval)
                polls += 1
                try:
                    answer = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
                except iam.exceptions.NoSuchEntityException:
                    continue  # IAM shows a new deletion task late: ask again
                status = answer["Status"]
                if status in ("SUCCEEDED", "FAILED"):
                    break
    print(
        json.dumps(
            {
                "account": account,
                "status": status,
                "polls": polls,
                "calls": dict(sorted(run.calls.items())),
            }
        )
    )
    return 0 if status in ("SUCCEEDED", "NO_ROLE", "GONE") else 1


if __name__ == "__main__":
    sys.exit(main())
