"""What a runner is configured with: the endpoint, regions, retries, timeouts and pools of one
run, as the command line or a library caller sets them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SIMULATED_WORLD", "RunnerConfig"]


#: The journal's name for the world a ``--step --dry-run`` walks, kept apart from the real one.
SIMULATED_WORLD = "dry-run"


@dataclass(frozen=True)
class RunnerConfig:
    """Where and how a runner talks to AWS."""

    profile: str | None = None
    endpoint_url: str | None = None
    #: Regions to scan; ``None``: the workflow's, else every region of its service.
    regions: tuple[str, ...] | None = None
    #: IAM's region (IAM is global; its calls go to one endpoint): ``None`` for the session's
    #: region (``AWS_REGION``), else us-east-1. Its partition is the ARNs' partition.
    home_region: str | None = None
    assume_role_arn: str | None = None
    external_id: str | None = None
    #: Bound of the worker pool that sends a transition's writes (drain, restore).
    concurrency: int = 8
    #: Bound of the pool that scans, one worker per (region, kind of dependent) up to it: each
    #: region is its own endpoint and throttling bucket, and a region sees one list request
    #: per kind at once, so a scan takes about one list's time (21 regions and 2 kinds: 42
    #: lists).
    scan_concurrency: int = 64
    #: One time limit over a whole run, retries and polls included.
    deadline_seconds: float | None = 3600.0
    lease_seconds: float = 60.0
    #: Overrides the workflow's wait after a failed deletion (tests shorten it).
    reject_wait_seconds: float | None = None
    #: Overrides how long the workflow tries again a deletion that fails while nothing is
    #: active (``--deletion-patience``).
    deletion_patience_seconds: float | None = None
