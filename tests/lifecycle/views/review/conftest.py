"""Documents to render: plans built as the engine builds them, runs kept in a real journal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from lifecycle.cli import exits
from lifecycle.journal import Journal, open_journal
from lifecycle.model.calls import Access, Call, CallRecord
from lifecycle.model.decide import PlanOptions, writes_for
from lifecycle.model.observation import Dependent, Observation, Role
from lifecycle.model.outcome import Outcome
from lifecycle.model.results import RunResult, StepResult, StepStatus
from workflows.mediatailor import CHANNEL, PLAYBACK_CONFIGURATION, WORKFLOW

ROLE = Role(WORKFLOW.role_name, "arn:aws:iam::123456789012:role/x", WORKFLOW.role_path)
PlanOf = Callable[..., dict[str, Any]]


def configuration(region: str, name: str, percent: int, strategy: str) -> Dependent:
    settings = {"PercentEnabled": percent, "EnabledLoggingStrategies": [strategy]}
    return Dependent(region, PLAYBACK_CONFIGURATION, name, f"arn:{name}", percent > 0, settings)


def channel(region: str, name: str) -> Dependent:
    return Dependent(region, CHANNEL, name, f"arn:{name}", True, {"LogTypes": ["AS_RUN"]})


#: The demo's account: two configurations using vended logs, one legacy and off, a channel.
DEMO = (
    configuration("eu-west-1", "vod-catalog", 20, "VENDED_LOGS"),
    configuration("us-east-1", "live-news", 100, "VENDED_LOGS"),
    configuration("us-east-1", "ad-test", 0, "LEGACY_CLOUDWATCH"),
    channel("us-west-2", "linear-24x7"),
)


def _operations(trigger: str, world: Observation, reads: int) -> list[dict[str, Any]]:
    writes = [
        CallRecord(c, 0, "simulated", access=Access.WRITE).as_dict()
        for c in writes_for(WORKFLOW, trigger, world, PlanOptions(), "us-east-1")
    ]
    listed = Call("mediatailor", "ListPlaybackConfigurations", "us-east-1", {})
    read = CallRecord(listed, 0, "simulated").as_dict()
    return writes + [read] * reads


@pytest.fixture
def plan_of() -> PlanOf:
    """``plan_of(dependents)``: the plan document of a decommission (drain, verify, delete)
    of a role those dependents use, as ``slr plan -o`` saves it, with the dependents."""

    def make(
        dependents: Sequence[Dependent] = DEMO, *, account: str = "123456789012", **extra: Any
    ) -> dict[str, Any]:
        world = Observation(ROLE, tuple(dependents))
        steps = [
            StepResult(
                "drain", "in-use", "draining", StepStatus.SIMULATED, _operations("drain", world, 0)
            ),
            StepResult(
                "verify",
                "draining",
                "deletable",
                StepStatus.SIMULATED,
                _operations("verify", world, 43),
            ),
            StepResult(
                "delete",
                "deletable",
                "deleted",
                StepStatus.SIMULATED,
                _operations("delete", world, 1),
            ),
        ]
        result = RunResult(
            "0123456789ab",
            "plan",
            WORKFLOW.name,
            account,
            WORKFLOW.role_name,
            True,
            "in-use",
            "deleted",
            "deleted",
            steps,
            outcome=Outcome.PENDING,
            fingerprints={"definition": "d" * 16, "observed": "o" * 16},
        )
        return result.as_dict(exits.CODES) | {"dependents": world.as_dict()["dependents"], **extra}

    return make


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return open_journal(tmp_path / "state")


RunOf = Callable[..., tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]]


@pytest.fixture
def run_of(journal: Journal) -> RunOf:
    """``run_of(calls=..., outcome=...)``: a decommission run kept in a real journal, as
    (run, steps, memory) read back from it. ``calls``: (operation, region, params, ok,
    attempts, error) of the drain's writes (``ok`` None: no result). ``outcome`` None: the
    run was interrupted, its step left unfinished."""

    def make(
        *,
        calls: Sequence[tuple[str, str, dict[str, Any], bool | None, int, str | None]] = (),
        outcome: str | None = "succeeded",
        drained: Sequence[Dependent] = DEMO[:2],
        run_id: str = "run1",
    ) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
        account, role = "123456789012", WORKFLOW.role_name
        journal.start_run(
            run_id,
            workflow=WORKFLOW.name,
            account=account,
            role=role,
            command="apply",
            target="deleted",
            dry_run=False,
        )
        step = journal.start_step(run_id, transition="drain", from_state="IN_USE")
        for operation, region, params, ok, attempts, error in calls:
            # As the workflow names each write's target: the configuration or the channel.
            names = ("PlaybackConfigurationName", "ChannelName")
            target = next((str(v) for k, v in params.items() if k in names), "")
            key = f"{operation}:{region}:{target}"
            call = journal.intent(
                step,
                service="mediatailor",
                operation=operation,
                region=region,
                params=params,
                key=key,
            )
            if ok is not None:
                journal.result(call, ok=ok, error=error, attempts=attempts)
        last = calls[-1][3] if calls else True
        if outcome is not None:
            journal.finish_step(
                step,
                status="succeeded" if last else "failed",
                to_state="DRAINING" if last else None,
                error=None if last else calls[-1][5],
            )
        journal.remember(
            account,
            role,
            {
                "drained": [
                    {
                        "region": d.region,
                        "kind": d.kind,
                        "name": d.name,
                        "arn": d.arn,
                        "active": d.active,
                        "settings": dict(d.settings),
                    }
                    for d in drained
                ]
            },
        )
        if outcome is not None:
            journal.finish_run(
                run_id, outcome=outcome, final_state="DRAINING" if last else "IN_USE"
            )
        run = next(r for r in journal.runs() if r["run_id"] == run_id)
        return run, journal.steps(run_id), journal.memory(account, role)

    return make
