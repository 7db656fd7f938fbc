"""What the local AWS answers, as a test reads it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from localaws import LocalAWS
from localaws.seed import Account

__all__ = ["error_of", "prompt_account"]


def error_of(call: Callable[[], object]) -> tuple[str, int, str]:
    """The error code, HTTP status and message ``call`` is refused with."""
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def prompt_account(aws: LocalAWS, *, retention: float) -> Account:
    """An account of ``aws`` for tests that pin what a service does with its role, not when
    IAM shows it: IAM's eventual consistency, a new task's late visibility and the usage lag
    off (each has tests of its own), and a finished task kept for ``retention`` seconds
    however late a loaded machine reads it (forgetting has its own tests too)."""
    aws.set_settings(
        iam_consistency_seconds=0,
        task_visibility_seconds=0,
        usage_lag_seconds=0,
        task_retention_seconds=retention,
    )
    return Account(aws.endpoint_url)
