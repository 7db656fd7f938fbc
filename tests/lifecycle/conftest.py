"""Fixtures for the engine's tests: a fast MediaTailor workflow, runners, a seeded account."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.runner import Runner
from lifecycle.journal import open_journal
from lifecycle.model.workflow import Workflow
from lifecycle.testing import fast
from localaws import LocalAWS
from localaws.seed import Account
from workflows.mediatailor import WORKFLOW

#: Three regions keep scans short; the region-scan behaviour is the same for 21.
REGIONS = ("us-east-1", "eu-west-1", "us-west-2")
#: The shipped workflow with retries of milliseconds (lifecycle.testing.fast).
FAST = fast(WORKFLOW)
RunnerFactory = Callable[..., Runner]


@pytest.fixture
def account(aws: LocalAWS) -> Account:
    return Account(aws.endpoint_url)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def make_runner(aws: LocalAWS, state_dir: Path) -> RunnerFactory:
    """``make_runner()`` -> a Runner on the local AWS with its own journal in ``state_dir``."""

    def make(
        workflow: Workflow = FAST,
        *,
        session: Any = None,
        progress: Callable[[str], None] | None = None,
        regions: tuple[str, ...] = REGIONS,
        **config: Any,
    ) -> Runner:
        config.setdefault("reject_wait_seconds", 0.0)
        settings = RunnerConfig(endpoint_url=aws.endpoint_url, regions=regions, **config)
        return Runner(
            workflow, open_journal(state_dir), settings, session=session, progress=progress
        )

    return make


@pytest.fixture
def session() -> boto3.session.Session:
    """A fresh boto3 session whose botocore events a test may hook."""
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
