"""Workflows for tests: the same calls with retry sleeps of milliseconds."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from lifecycle.model.retry import RetryPolicy

if TYPE_CHECKING:
    from lifecycle.model.workflow import Workflow

__all__ = ["fast"]


def fast(workflow: Workflow) -> Workflow:
    """``workflow`` with retry sleeps of milliseconds, so that a test of retries, throttling
    or a deletion task takes milliseconds instead of the shipped policies' seconds.

    Every binding keeps its number of attempts; the deletion poll checks every 50 to 200 ms,
    200 times; a deletion task IAM does not show for half a second counts as lost."""
    bindings = {
        trigger: dataclasses.replace(
            binding,
            retry=dataclasses.replace(
                binding.retry, interval_seconds=0.005, max_delay_seconds=0.05
            ),
        )
        for trigger, binding in workflow.bindings.items()
    }
    poll = RetryPolicy(0.05, 1.5, 200, max_delay_seconds=0.2, jitter="NONE")
    return dataclasses.replace(workflow, bindings=bindings, poll=poll, task_visibility_seconds=0.5)
