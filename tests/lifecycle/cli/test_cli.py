"""`slr` as runners use it: a subprocess against the local AWS, read by exit code and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lifecycle.cli import exits
from localaws import Fault, LocalAWS
from localaws.seed import Account
from tests import recorder
from tests.lifecycle.conftest import FAST

REGIONS = "us-east-1,eu-west-1,us-west-2"


def in_use(account: Account) -> None:
    account.configuration("us-east-1", "east-live", 100)
    account.configuration("eu-west-1", "west-live", 25)
    account.channel("us-west-2", "linear", ["AS_RUN"])


class Slr:
    """Runs `python -m lifecycle.cli` with the local AWS and a state dir of its own."""

    def __init__(self, aws: LocalAWS, state_dir: Path) -> None:
        self.aws, self.state_dir = aws, state_dir
        self.env = {**os.environ, "SLR_REJECT_WAIT_SECONDS": "0", "PYTHONUNBUFFERED": "1"}
        #: ``--regions`` for every command; ``None``: none given (every region).
        self.regions: str | None = REGIONS

    def argv(self, *args: str) -> list[str]:
        regions = ["--regions", self.regions] if self.regions else []
        return [
            sys.executable,
            "-m",
            "lifecycle.cli",
            "--endpoint-url",
            self.aws.endpoint_url,
            "--state-dir",
            str(self.state_dir),
            *regions,
            *args,
        ]

    def __call__(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args),
            capture_output=True,
            text=True,
            timeout=120,
            env=env or self.env,
            check=False,
        )

    def json(self, *args: str) -> tuple[int, dict[str, Any]]:
        done = self("--output", "json", *args)
        return done.returncode, json.loads(done.stdout) if done.stdout else {}

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.argv(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env or self.env,
        )


@pytest.fixture
def slr(aws: LocalAWS, tmp_path: Path) -> Slr:
    return Slr(aws, tmp_path / "state")


def aws_region_alone(env: dict[str, str], region: str) -> dict[str, str]:
    """``env`` configured as many runners are: ``AWS_REGION`` set, no ``AWS_DEFAULT_REGION``."""
    return {k: v for k, v in env.items() if k != "AWS_DEFAULT_REGION"} | {"AWS_REGION": region}


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("slr:")]
    assert len(lines) == 1, done.stderr
    return lines[0]


# -- the recorder: which writes reached the server -------------------------------------------


def record(aws: LocalAWS) -> None:
    recorder.start(aws)


def writes(aws: LocalAWS) -> list[tuple[str, str]]:
    """(operation, target) of every write the server received since `record`."""
    recorder.stop(aws)
    found = []
    for _method, _action, entry, body in recorder.requests(aws):
        if "Action=" in body:
            fields = dict(p.split("=", 1) for p in body.split("&") if "=" in p)
            if not fields["Action"].startswith(("Get", "List")):
                found.append((fields["Action"], fields.get("RoleName", "")))
        elif entry["method"] in ("PUT", "POST", "DELETE") and "configureLogs" in entry["url"]:
            data = json.loads(body or "{}")
            name = data.get("PlaybackConfigurationName") or data.get("ChannelName", "")
            found.append((entry["url"].split("?")[0].rsplit("/", 1)[-1], name))
    return found


# -- plan, apply, step ----------------------------------------------------------------------


def test_plan_exits_2_then_0_after_apply(slr: Slr, account: Account) -> None:
    in_use(account)
    code, plan = slr.json("plan", "--target", "deleted")
    assert code == exits.CHANGES_PENDING
    assert plan["schema_version"] == 1
    assert (plan["start_state"], plan["target"], plan["final_state"]) == (
        "in-use",
        "deleted",
        "deleted",
    )
    assert [s["transition"] for s in plan["steps"]] == ["drain", "verify", "delete"]
    for step in plan["steps"]:
        assert {"transition", "from", "to", "status", "operations"} <= set(step)
        for op in step["operations"]:
            assert {"service", "operation", "region", "parameters", "attempts"} <= set(op)
    code, applied = slr.json("apply", "--target", "deleted", "--yes")
    assert code == exits.OK, applied
    assert applied["final_state"] == "deleted"
    code, again = slr.json("plan", "--target", "deleted")
    assert (code, again["steps"]) == (exits.OK, [])


def test_a_second_apply_exits_0_and_sends_no_write(
    slr: Slr, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    assert slr("apply", "--target", "deleted", "--yes").returncode == exits.OK
    record(aws)
    again = slr("apply", "--target", "deleted", "--yes")
    assert again.returncode == exits.OK
    assert writes(aws) == []


@pytest.mark.parametrize("target", ["deleted", "deletable"])
def test_a_decommission_where_the_role_is_absent_has_nothing_to_do(
    slr: Slr, aws: LocalAWS, target: str
) -> None:
    record(aws)
    code, plan = slr.json("plan", "--target", target)
    assert (code, plan["steps"], plan["final_state"]) == (exits.OK, [], "absent")
    code, applied = slr.json("apply", "--target", target, "--yes")
    assert (code, applied["final_state"]) == (exits.OK, "absent")
    assert writes(aws) == []


def test_an_unreadable_region_stops_a_decommission_before_any_write(
    slr: Slr, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                region="eu-west-1",
                kind="error",
                error_code="UnrecognizedClientException",
                http_status=403,
                message="The security token included in the request is invalid.",
            )
        ]
    )
    record(aws)
    for command in (("plan",), ("apply", "--yes")):
        done = slr(*command, "--target", "deleted")
        assert done.returncode == exits.USAGE, done.stderr
        line = one_line_error(done)
        assert "eu-west-1 (not enabled for this account (UnrecognizedClientException))" in line
    assert writes(aws) == []
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 100


def test_apply_step_walks_one_transition_per_call(slr: Slr, account: Account) -> None:
    in_use(account)
    seen = []
    for _ in range(3):
        code, result = slr.json("apply", "--target", "deleted", "--step", "--yes")
        seen.append((code, [s["transition"] for s in result["steps"]], result["final_state"]))
    assert seen == [
        (exits.CHANGES_PENDING, ["drain"], "draining"),
        (exits.CHANGES_PENDING, ["verify"], "deletable"),
        (exits.OK, ["delete"], "deleted"),
    ]
    account.wait_for_no_role()


def test_dry_run_steps_walk_a_simulated_world_and_write_nothing(
    slr: Slr, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    record(aws)
    seen = []
    for _ in range(3):
        code, result = slr.json("apply", "--target", "deleted", "--step", "--dry-run")
        seen.append((code, result["start_state"], result["steps"][0]["transition"]))
    assert seen == [
        (exits.CHANGES_PENDING, "in-use", "drain"),
        (exits.CHANGES_PENDING, "draining", "verify"),
        (exits.OK, "deletable", "delete"),
    ]
    assert writes(aws) == []
    assert account.wait_for_role()
    # The simulated world was kept apart and is gone once it reached the target.
    code, result = slr.json("apply", "--target", "deleted", "--step", "--dry-run")
    assert (code, result["start_state"]) == (exits.CHANGES_PENDING, "in-use")


def test_a_dry_run_with_changes_pending_exits_2_as_plan_does(slr: Slr, account: Account) -> None:
    in_use(account)
    code, result = slr.json("apply", "--target", "deleted", "--dry-run")
    assert [s["transition"] for s in result["steps"]] == ["drain", "verify", "delete"]
    assert (code, result["exit_code"]) == (exits.CHANGES_PENDING, exits.CHANGES_PENDING)
    assert slr.json("plan", "--target", "deleted")[0] == exits.CHANGES_PENDING


def test_a_dry_run_with_nothing_pending_exits_0(slr: Slr, account: Account) -> None:
    code, result = slr.json("apply", "--target", "deleted", "--dry-run")
    assert (code, result["exit_code"], result["steps"]) == (exits.OK, exits.OK, [])


@pytest.mark.parametrize(
    "args",
    [("plan",), ("apply", "--dry-run"), ("apply", "--step", "--dry-run")],
    ids=["plan", "dry-run", "step-dry-run"],
)
def test_a_dry_runs_printed_run_id_can_be_looked_up(
    slr: Slr, account: Account, aws: LocalAWS, args: tuple[str, ...]
) -> None:
    in_use(account)
    record(aws)
    _, ran = slr.json(*args, "--target", "deleted")
    assert writes(aws) == []
    code, history = slr.json("history", "--run", ran["run_id"])
    assert code == exits.OK, history
    [run] = [r for r in history["runs"] if r["run_id"] == ran["run_id"]]
    assert (run["dry_run"], run["command"], run["final_state"]) == (
        True,
        args[0],
        ran["final_state"],
    )
    assert [(s["transition"], s["status"]) for s in history["steps"]] == [
        (s["transition"], "simulated") for s in ran["steps"]
    ]
    done = slr("diagram", "--run", ran["run_id"], "--format", "mermaid")
    assert done.returncode == exits.OK, done.stderr


def test_apply_without_yes_and_without_terminal_refuses(slr: Slr, account: Account) -> None:
    in_use(account)
    done = slr("apply", "--target", "deleted")
    assert done.returncode == exits.USAGE
    assert "pass --yes" in one_line_error(done)
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 100


# -- saved plans ----------------------------------------------------------------------------


def test_a_saved_plan_is_applied_while_it_holds(slr: Slr, account: Account, tmp_path: Path) -> None:
    in_use(account)
    plan = tmp_path / "plan.json"
    assert slr("plan", "--target", "deleted", "-o", str(plan)).returncode == exits.CHANGES_PENDING
    code, result = slr.json("apply", str(plan), "--yes")
    assert (code, result["final_state"]) == (exits.OK, "deleted")


def test_a_plan_with_fewer_regions_says_so_and_is_applied_to_its_own_regions(
    slr: Slr, account: Account, aws: LocalAWS, tmp_path: Path
) -> None:
    in_use(account)
    # The deletion fails for what us-east-1 does not show, and its task must still be there
    # when slr's first poll (after a second) asks: IAM's usage list is what leads to the rest.
    aws.set_settings(task_retention_seconds=5)
    slr.regions = "us-east-1"
    saved = tmp_path / "plan.json"
    done = slr("plan", "--target", "deleted", "-o", str(saved))
    assert done.returncode == exits.CHANGES_PENDING, done.stderr
    left_out = [line for line in done.stdout.splitlines() if line.startswith("regions left out")]
    assert len(left_out) == 1
    assert "eu-west-1" in left_out[0]
    assert json.loads(saved.read_text())["regions"] == ["us-east-1"]
    slr.regions = None  # nothing changed: the plan holds, for the regions it was made for
    applied = slr("--output", "json", "apply", str(saved), "--yes")
    assert applied.returncode == exits.OK, applied.stderr
    assert json.loads(applied.stdout)["regions"] == ["us-east-1"]
    slr.regions = "eu-west-1"
    contradicting = slr("apply", str(saved), "--yes")
    assert contradicting.returncode == exits.USAGE
    assert "contradicts the plan's us-east-1" in one_line_error(contradicting)


def test_a_stale_plan_is_refused_and_changes_nothing(
    slr: Slr, account: Account, tmp_path: Path
) -> None:
    in_use(account)
    plan = tmp_path / "plan.json"
    slr("plan", "--target", "deleted", "-o", str(plan))
    account.configuration("eu-west-1", "new-live", 50)  # the world moved on
    done = slr("apply", str(plan), "--yes")
    assert done.returncode == exits.STALE_PLAN
    assert "the world changed" in one_line_error(done)
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 100


def test_a_plan_made_from_other_definitions_is_refused(
    slr: Slr, account: Account, tmp_path: Path
) -> None:
    in_use(account)
    plan = tmp_path / "plan.json"
    slr("plan", "--target", "deleted", "-o", str(plan))
    document = json.loads(plan.read_text())
    document["fingerprints"]["definition"] = "0" * 16
    plan.write_text(json.dumps(document))
    done = slr("apply", str(plan), "--yes")
    assert done.returncode == exits.STALE_PLAN
    assert "the definitions changed" in one_line_error(done)


@pytest.mark.parametrize("content", ["not json", "[]", '{"schema_version": 1}'])
def test_a_malformed_plan_is_a_usage_error(slr: Slr, tmp_path: Path, content: str) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(content)
    done = slr("apply", str(plan), "--yes")
    assert done.returncode == exits.USAGE
    assert str(plan) in one_line_error(done)


def test_plan_to_an_unreachable_target_says_why_and_sends_nothing(
    slr: Slr, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    record(aws)
    done = slr("plan", "--target", "created")
    assert done.returncode == exits.USAGE
    line = one_line_error(done)
    assert line.startswith("slr: error: created cannot be reached from in-use: only create")
    assert "delete, which a way takes only to deleted" in line
    assert writes(aws) == []


# -- bad input: one line, its exit code, nothing changed --------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("--workflow", "ecs", "status"), exits.USAGE, "unknown workflow 'ecs'"),
        (("plan", "--target", "gone"), exits.USAGE, "unknown target 'gone'"),
        (("--regions", "us-east-1,mars-1", "status"), exits.USAGE, "unknown region mars-1"),
        (("apply", "--target", "created", "--yes"), exits.USAGE, "created cannot be reached from"),
        (("plan",), exits.USAGE, "Missing option '--target'"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    slr: Slr, account: Account, args: tuple[str, ...], code: int, words: str
) -> None:
    in_use(account)
    done = slr(*args)
    assert done.returncode == code
    assert words in one_line_error(done)
    assert account.configurations("us-east-1")["east-live"]["PercentEnabled"] == 100
    assert account.wait_for_role()


def test_an_unwritable_state_dir_is_one_line(slr: Slr, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    slr.state_dir = blocker / "state"
    done = slr("status")
    assert done.returncode == exits.ERROR
    assert str(blocker) in one_line_error(done)


def test_a_corrupt_journal_is_one_line_and_left_as_it_was(slr: Slr) -> None:
    slr.state_dir.mkdir(parents=True)
    journal = slr.state_dir / "journal.sqlite3"
    journal.write_bytes(b"\x00garbage" * 64)
    done = slr("apply", "--target", "created", "--yes")
    assert done.returncode == exits.ERROR
    assert "journal.sqlite3" in one_line_error(done)
    assert journal.read_bytes() == b"\x00garbage" * 64


def test_missing_credentials_are_one_line(slr: Slr, tmp_path: Path) -> None:
    env = {k: v for k, v in slr.env.items() if not k.startswith("AWS_")}
    env |= {
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    done = slr("status", env=env)
    assert done.returncode == exits.ERROR
    assert "no AWS credentials" in one_line_error(done)


# -- crash at every write boundary, then resume -----------------------------------------------

WRITES = [
    "ConfigureLogsForPlaybackConfiguration:1",
    "ConfigureLogsForPlaybackConfiguration:2",
    "ConfigureLogsForChannel:1",
    "DeleteServiceLinkedRole:1",
]
BOUNDARIES = [f"{when}:{write}" for write in WRITES for when in ("before", "after")]


def hold_after(service: str, operation: str, gate: str) -> Fault:
    """The next ``operation`` takes effect, then waits at ``gate`` before it answers."""
    return Fault(
        service=service, operation=operation, kind="hold", gate=gate, applied=True, count=1
    )


@pytest.mark.parametrize("crash_at", BOUNDARIES)
def test_kill_at_a_write_boundary_then_apply_resumes_without_repeating(
    slr: Slr, account: Account, aws: LocalAWS, crash_at: str
) -> None:
    in_use(account)
    task_outlives_the_crash = crash_at == "after:DeleteServiceLinkedRole:1"
    if task_outlives_the_crash:
        # The task runs until the test moves the local AWS's clock past it: it is still
        # running when the next run looks, however long that run takes to start.
        aws.set_deletion_seconds(600.0)
    record(aws)
    crashed = slr("apply", "--target", "deleted", "--yes", env=slr.env | {"SLR_CRASH_AT": crash_at})
    assert crashed.returncode == -9, crashed.stderr
    if task_outlives_the_crash:
        aws.set_faults([hold_after("iam", "DeleteServiceLinkedRole", "resubmitted")])
        running = slr.start("--output", "json", "apply", "--target", "deleted", "--yes")
        try:
            aws.wait_for_gate("resubmitted")  # sent again while the task runs
            aws.advance_clock(600.0)  # the task is done
        finally:
            aws.open_gate("resubmitted")
        stdout, stderr = running.communicate(timeout=120)
        resumed = subprocess.CompletedProcess(running.args, running.returncode, stdout, stderr)
    else:
        resumed = slr("--output", "json", "apply", "--target", "deleted", "--yes")
    assert resumed.returncode == exits.OK, resumed.stdout + resumed.stderr
    assert json.loads(resumed.stdout)["final_state"] == "deleted"
    account.wait_for_no_role()
    sent = Counter(writes(aws))
    repeated = {write: n for write, n in sent.items() if n > 1}
    if task_outlives_the_crash:
        # The task id never reached the journal: AWS's idempotent re-submit returns it.
        assert repeated == {("DeleteServiceLinkedRole", "AWSServiceRoleForMediaTailor"): 2}
        assert "delete.resubmit" in resumed.stderr
    else:
        assert repeated == {}
    assert {name for _, name in sent} >= {"east-live", "west-live", "linear"}


# -- two runners ----------------------------------------------------------------------------


def test_a_second_runner_exits_lock_held_naming_the_first(
    slr: Slr, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    # The first runner's drain waits at a gate, holding the lock, until the second is done.
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                operation="ConfigureLogsForChannel",
                kind="hold",
                gate="drain",
            )
        ]
    )
    first = slr.start("apply", "--target", "deleted", "--yes")
    try:
        aws.wait_for_gate("drain")  # the first holds the lock, mid-drain
        second = slr("apply", "--target", "deleted", "--yes")
        assert second.returncode == exits.LOCK_HELD, second.stderr
        assert f":{first.pid} until" in one_line_error(second)
    finally:
        aws.open_gate("drain")
        first.wait(timeout=60)
    assert first.returncode == exits.OK
    account.wait_for_no_role()


# -- status, history, diagram, local-aws, demo -----------------------------------------------


def test_status_json_names_state_role_and_dependents(slr: Slr, account: Account) -> None:
    in_use(account)
    code, status = slr.json("status")
    assert code == exits.OK
    assert (status["schema_version"], status["state"]) == (1, "in-use")
    assert status["role"]["name"] == "AWSServiceRoleForMediaTailor"
    active = {(d["region"], d["name"]) for d in status["dependents"] if d["active"]}
    assert active == {
        ("us-east-1", "east-live"),
        ("eu-west-1", "west-live"),
        ("us-west-2", "linear"),
    }
    assert status["scanned_regions"] == REGIONS.split(",")


# -- a region that keeps failing ------------------------------------------------------------
# In process (main()) with the fast workflow: a persistent 500 takes every retry of the
# shipped policy, about 20 s a command; the fast one's retries take milliseconds.

InProcess = Callable[..., tuple[int, str, str]]


@pytest.fixture
def slr_in_process(
    aws: LocalAWS,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[InProcess]:
    """``run(*args)`` -> (exit code, stdout, stderr) of `slr` in this process, 4 regions."""
    import structlog

    from lifecycle import registry
    from lifecycle.cli import main

    fast = registry.Registered(FAST.name, "tests", "tests.lifecycle.conftest:FAST", FAST)
    monkeypatch.setitem(registry.registered(), FAST.name, fast)
    logging = structlog.get_config()  # the command configures logging onto capsys's stderr

    def run(*args: str) -> tuple[int, str, str]:
        common = ["--endpoint-url", aws.endpoint_url, "--state-dir", str(tmp_path / "state")]
        code = main([*common, "--regions", f"{REGIONS},eu-west-2", *args])
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    structlog.configure(**logging)


def fail_eu_west_2(aws: LocalAWS) -> None:
    aws.set_faults(
        [
            Fault(
                service="mediatailor",
                operation="ListChannels",
                region="eu-west-2",
                kind="server_error",
            )
        ]
    )


#: The reason a region gets after the fast workflow's last attempt.
ATTEMPTS = FAST.binding("observe").retry.max_attempts + 1
FAILING = f"mediatailor:ListChannels failed after {ATTEMPTS} attempts: InternalServerErrorException"


def test_status_shows_a_region_that_keeps_failing_beside_the_others(
    slr_in_process: InProcess, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    fail_eu_west_2(aws)
    code, text, _ = slr_in_process("status")
    assert code == exits.OK
    assert f"not scanned eu-west-2: {FAILING}" in text
    assert "3 active, 3 regions scanned" in text
    code, out, _ = slr_in_process("--output", "json", "status")
    status = json.loads(out)
    assert code == exits.OK
    assert status["unscanned_regions"] == {"eu-west-2": FAILING}
    assert status["scanned_regions"] == REGIONS.split(",")
    assert {d["name"] for d in status["dependents"] if d["active"]} == {
        "east-live",
        "west-live",
        "linear",
    }


def test_plan_refuses_the_way_at_verify_naming_a_region_that_keeps_failing(
    slr_in_process: InProcess, account: Account, aws: LocalAWS
) -> None:
    in_use(account)
    fail_eu_west_2(aws)
    code, out, err = slr_in_process("plan", "--target", "deleted")
    assert (code, out) == (exits.USAGE, "")  # a way that cannot finish never starts
    errors = [line for line in err.splitlines() if line.startswith("slr:")]
    assert len(errors) == 1
    assert (
        f"verify: verify needs every region scanned; not scanned: eu-west-2 ({FAILING})"
        in (errors[0])
    )


def test_history_lists_runs_then_one_runs_steps_and_calls(slr: Slr, account: Account) -> None:
    in_use(account)
    _, applied = slr.json("apply", "--target", "deleted", "--yes")
    code, history = slr.json("history")
    assert code == exits.OK
    assert [(r["run_id"], r["outcome"]) for r in history["runs"]] == [
        (applied["run_id"], "succeeded")
    ]
    code, one = slr.json("history", "--run", applied["run_id"])
    assert [s["transition"] for s in one["steps"]] == ["drain", "verify", "delete"]
    assert {c["operation"] for c in one["steps"][0]["calls"]} == {
        "ConfigureLogsForPlaybackConfiguration",
        "ConfigureLogsForChannel",
    }
    assert all(c["ok"] for s in one["steps"] for c in s["calls"])


def test_diagram_highlight_marks_the_observed_state_and_planned_path(
    slr: Slr, account: Account
) -> None:
    in_use(account)
    done = slr("diagram", "--highlight", "--target", "deleted", "--format", "markdown")
    assert done.returncode == exits.OK, done.stderr
    assert "Observed state: **in-use**." in done.stdout
    assert "Planned path: drain then verify then delete." in done.stdout


def test_diagram_run_marks_the_path_a_run_took(slr: Slr, account: Account) -> None:
    in_use(account)
    _, applied = slr.json("apply", "--target", "deleted", "--yes")
    done = slr("diagram", "--run", applied["run_id"], "--format", "mermaid")
    assert done.returncode == exits.OK
    assert "class IN_USE observed" in done.stdout
    assert "path taken drain then verify then delete" in done.stdout


def test_local_aws_prints_the_endpoint_to_export() -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "lifecycle.cli", "local-aws", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(4)]
        export = next(line for line in lines if line.startswith("export AWS_ENDPOINT_URL="))
        endpoint = export.strip().split("=", 1)[1]
        with urllib.request.urlopen(endpoint + "/_localaws/health") as answer:
            assert answer.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


def local_aws_children(parent: int) -> set[int]:
    """Pids of the running local AWS servers started by process ``parent`` (each is started
    with ``--parent-pid``; read from /proc: no ps needed). Other servers on the machine, a
    parallel test run's, are not counted."""
    mark = f"--parent-pid\0{parent}\0".encode()
    found = set()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes()
        except OSError:
            continue  # the process ended while we looked
        if b"localaws" in text and mark in text:
            found.add(int(cmdline.parent.name))
    return found


def test_demo_runs_the_whole_lifecycle_and_leaves_nothing_running(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    demo = subprocess.Popen(
        [sys.executable, "-m", "lifecycle.cli", "demo", "--output-dir", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = demo.communicate(timeout=120)
    assert demo.returncode == exits.OK, stdout[-2000:] + stderr[-2000:]
    assert "$ slr apply" in stdout
    assert "final state: deleted" in stdout
    assert {p.name for p in out.iterdir()} >= {"plan.json", "path.md", "path.mmd", "path.dot"}
    assert "Path taken: drain then verify then delete." in (out / "path.md").read_text()
    assert '<span class="outcome succeeded"' in (out / "run.html").read_text()
    readme = (Path(__file__).parents[3] / "README.md").read_text()
    shown = readme.split("<!-- plan-comment:begin -->\n")[1].split("\n<!-- plan-comment:end")[0]
    assert (out / "plan.md").read_text() == shown + "\n", "README's plan comment is stale"
    assert local_aws_children(demo.pid) == set()


def test_assume_role_is_used_by_runs_and_by_the_policy(slr: Slr) -> None:
    role = "arn:aws:iam::210987654321:role/decommissioner"
    code, status = slr.json("--assume-role", role, "--external-id", "ticket-4711", "status")
    assert (code, status["account"]) == (exits.OK, "210987654321")
    done = slr("--assume-role", role, "policy", "--scope", "decommission")
    statements = json.loads(done.stdout)["Statement"]
    assert {
        "Sid": "AssumeRunnerRole",
        "Effect": "Allow",
        "Action": ["sts:AssumeRole"],
        "Resource": role,
    } in statements


def test_a_description_change_is_shown_as_a_converge_step(slr: Slr, account: Account) -> None:
    in_use(account)
    done = slr("plan", "--target", "in-use", "--description", "session logs")
    assert done.returncode == exits.CHANGES_PENDING
    assert "1. converge description: in-use -> in-use  [simulated]" in done.stdout
    assert "iam:UpdateRole [us-east-1] Description=session logs" in done.stdout


#: roleDescriptionType's pattern, as botocore's IAM model has it.
DESCRIPTION_PATTERN = r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*"


@pytest.mark.parametrize("command", [("plan",), ("apply", "--yes")], ids=["plan", "apply"])
@pytest.mark.parametrize(
    ("description", "why"),
    [
        (
            "session logs \u2014 MediaTailor",
            "character U+2014 (EM DASH) at position 14 is not one IAM accepts "
            f"(pattern {DESCRIPTION_PATTERN})",
        ),
        ("x" * 1001, "1001 characters; IAM accepts at most 1000"),
    ],
    ids=["em-dash", "too-long"],
)
def test_a_description_iam_would_refuse_is_refused_before_any_request(
    slr: Slr, aws: LocalAWS, command: tuple[str, ...], description: str, why: str
) -> None:
    record(aws)
    done = slr(*command, "--target", "created", "--description", description)
    recorder.stop(aws)
    assert done.returncode == exits.USAGE
    assert one_line_error(done) == f"slr: error: --description: {why}"
    assert recorder.requests(aws) == []


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--activate", "east-live"), "--activate takes REGION/NAME, not 'east-live'"),
        (
            ("--activate", "us-east-1/east-live", "--set", "percent"),
            "--set takes NAME=VALUE, not 'percent'",
        ),
    ],
    ids=["activate-without-region", "set-without-value"],
)
def test_a_malformed_activation_is_a_usage_error_and_writes_nothing(
    slr_in_process: InProcess, account: Account, aws: LocalAWS, args: tuple[str, ...], error: str
) -> None:
    account.configuration("us-east-1", "east-live", 0)
    record(aws)
    code, out, err = slr_in_process("apply", "--target", "in-use", "--yes", *args)
    assert code == exits.USAGE
    assert (out, [line for line in err.splitlines() if line.startswith("slr:")]) == (
        "",
        [f"slr: error: {error}"],
    )
    assert writes(aws) == []
