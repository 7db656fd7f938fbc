"""Target 4, deletion detection: how soon after an emulated 3 s deletion task completes the
run sees ``SUCCEEDED``, with the workflow's own poll policy (``WORKFLOW.poll``).

In-process: a runner walks ``created -> deletable -> deleted``; botocore events on its
session time ``DeleteServiceLinkedRole`` (the task starts when the server handles it) and
every ``GetServiceLinkedRoleDeletionStatus`` answer. The local AWS completes a due task at
the next request, so detection is the first poll after completion. The baseline is the
task's own duration; Terraform's schedule (first poll after 10 s, then every 10 s) and the
previous policy are computed for comparison.
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import boto3

from benchmarks.local import Bench
from benchmarks.report import Row
from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.runner import Runner
from lifecycle.journal import open_journal
from lifecycle.model.retry import RetryPolicy
from workflows.mediatailor import WORKFLOW

__all__ = ["run"]

TASK_SECONDS = 3.0
LATE_LIMIT = 1.5
#: Terraform's ``aws_iam_service_linked_role``: first status read after 10 s, then every 10 s.
TERRAFORM_INTERVAL = 10.0
#: The policy before this benchmark (``lifecycle.model.workflow.Workflow.poll``'s default).
PREVIOUS = RetryPolicy(1.0, 1.5, 30, max_delay_seconds=10.0, jitter="NONE")


def poll_times(policy: RetryPolicy) -> list[float]:
    """Seconds after the delete at which an unjittered ``policy`` polls (first one at once)."""
    sleeps = (policy.delay(n) for n in range(1, policy.max_attempts + 1))
    return [0.0, *itertools.accumulate(sleeps)]


def seen_at(policy: RetryPolicy, completes: float) -> float:
    """When ``policy`` first polls at or after ``completes`` seconds (inf: never)."""
    return next((t for t in poll_times(policy) if t >= completes), math.inf)


def run(bench: Bench) -> list[Row]:
    account = bench.fresh(deletion_seconds=TASK_SECONDS)
    # IAM shows a new role late: a run that started before it does would find it absent,
    # which already meets deleted, and time nothing. create_role waits until IAM shows it.
    account.create_role()
    session = boto3.session.Session(region_name="us-east-1")
    deleted: list[float] = []
    polls: list[tuple[float, str]] = []

    def on_delete(**_: Any) -> None:
        deleted.append(time.monotonic())

    def on_status(parsed: dict[str, Any], **_: Any) -> None:
        polls.append((time.monotonic(), str(parsed.get("Status"))))

    # Registered on the session before the runner makes its clients: each client copies them.
    session.events.register("before-call.iam.DeleteServiceLinkedRole", on_delete)
    session.events.register("after-call.iam.GetServiceLinkedRoleDeletionStatus", on_status)
    config = RunnerConfig(endpoint_url=bench.endpoint_url)
    runner = Runner(WORKFLOW, open_journal(bench.state_dir("deletion")), config, session=session)
    result = runner.apply("deleted")
    if result.final_state != "deleted" or not deleted:
        raise RuntimeError(f"the deletion run ended {result.final_state}: {result.error}")
    start = deleted[0]
    seen = next(t - start for t, status in polls if status == "SUCCEEDED")
    late = seen - TASK_SECONDS
    policy = WORKFLOW.poll
    notes = [
        "polls (s after DeleteServiceLinkedRole): "
        + ", ".join(f"{t - start:.2f} {status}" for t, status in polls),
        f"policy: {policy.describe()} (jitter {policy.jitter}): polls at "
        + ", ".join(f"{t:.2f}" for t in poll_times(policy)[:8])
        + f" s...; gives up after {poll_times(policy)[-1]:.0f} s",
        f"seen {late:.2f} s after completion (limit {LATE_LIMIT:g} s); the previous policy "
        f"({PREVIOUS.describe()}) would see it at {seen_at(PREVIOUS, TASK_SECONDS):g} s, "
        f"Terraform (first read after {TERRAFORM_INTERVAL:g} s, then every "
        f"{TERRAFORM_INTERVAL:g} s) at {TERRAFORM_INTERVAL:g} s "
        f"({TERRAFORM_INTERVAL / TASK_SECONDS:.2f}x)",
    ]
    return [
        Row(
            "4. deletion detection",
            f"task {TASK_SECONDS:.2f} s",
            f"seen at {seen:.2f} s (+{late:.2f} s)",
            seen / TASK_SECONDS,
            f"<= {(TASK_SECONDS + LATE_LIMIT) / TASK_SECONDS:.2f} (+{LATE_LIMIT:g} s)",
            late <= LATE_LIMIT,
            notes,
        )
    ]
