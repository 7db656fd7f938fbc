"""Shared fixtures: one embedded local AWS per test session, reset before each test.

Tests never reach real AWS: fake credentials and no profile are forced below, before any
boto3 session exists, and every client is pointed at the local endpoint.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from localaws import LocalAWS
from localaws.control import use_fake_credentials

use_fake_credentials()
# The policy proofs' local AWS with IAM enforcement, and its administrator (tests/enforcement).
pytest_plugins = ["tests.enforcement"]
# The journal's contract suite is shipped in lifecycle.testing: its assertions explain
# themselves as a test module's do.
pytest.register_assert_rewrite("lifecycle.testing.journal", "lifecycle.testing.records")

#: How long deletion tasks run unless a test changes it.
DELETION_SECONDS = 0.3
#: The session server is as harsh as AWS (localaws's defaults: opt-in regions disabled, short
#: pages, IAM's eventual consistency, forgotten deletion tasks), only faster: AWS's delays,
#: shortened to a few tenths of a second. A test that needs otherwise says so with a setting.
IAM_CONSISTENCY_SECONDS = 0.3
TASK_RETENTION_SECONDS = 0.5
TASK_VISIBILITY_SECONDS = 0.1
USAGE_LAG_SECONDS = 0.3
#: An opt-in region's EnableRegion/DisableRegion holds after this (AWS: minutes to hours).
REGION_CHANGE_SECONDS = 0.3

ClientFactory = Callable[..., Any]


@pytest.fixture(scope="session", autouse=True)
def measured_worker_threads() -> Iterator[None]:
    """While coverage measures the suite, the engine's worker threads are measured too.

    coverage follows the threads ``threading`` starts; ``lifecycle.aws.threads`` starts its
    own with ``_thread`` (a run does not wait for them to start), which no tracer follows:
    each gets the trace hook here, as a ``threading`` thread would.
    """
    hook = threading.gettrace()
    if hook is None:
        yield
        return
    from lifecycle.aws import threads

    work = threads._work

    def traced(*args: Any) -> None:
        sys.settrace(hook)
        work(*args)

    threads._work = traced
    yield
    threads._work = work


@pytest.fixture(scope="session")
def recording_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where moto's request recorder writes (MOTO_RECORDER_FILEPATH of the session server)."""
    return tmp_path_factory.mktemp("localaws") / "moto_recording.jsonl"


@pytest.fixture(scope="session")
def local_aws(recording_path: Path) -> Iterator[LocalAWS]:
    """The session's local AWS; prefer ``aws``, which resets it first."""
    with LocalAWS(
        port=0,
        deletion_seconds=DELETION_SECONDS,
        iam_consistency_seconds=IAM_CONSISTENCY_SECONDS,
        task_retention_seconds=TASK_RETENTION_SECONDS,
        task_visibility_seconds=TASK_VISIBILITY_SECONDS,
        usage_lag_seconds=USAGE_LAG_SECONDS,
        region_change_seconds=REGION_CHANGE_SECONDS,
        env={"MOTO_RECORDER_FILEPATH": str(recording_path)},
    ) as server:
        yield server


@pytest.fixture
def aws(local_aws: LocalAWS) -> LocalAWS:
    """The local AWS, empty: no state, no faults, start settings."""
    local_aws.reset()
    return local_aws


@pytest.fixture(scope="session")
def boto_session() -> boto3.session.Session:
    """One boto3 session (client creation reuses its loaded models)."""
    return boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )


@pytest.fixture
def client(aws: LocalAWS, boto_session: boto3.session.Session) -> ClientFactory:
    """``client("iam")``, ``client("mediatailor", "eu-west-1")``: clients of the local AWS.

    One attempt per call (no botocore retries), so tests see every error the server sends.
    """
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})

    def make(service_name: str, region_name: str = "us-east-1") -> Any:
        return boto_session.client(
            service_name,
            region_name=region_name,
            endpoint_url=aws.endpoint_url,
            config=config,
        )

    return make
