"""lifecycle.testing: fast(), and crash_at() killing the process at a request of any client
(the contract suite runs in tests/lifecycle/journal/test_journal.py)."""

from __future__ import annotations

import ast
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.client import ClientCreator
from botocore.stub import Stubber

from lifecycle.cli.crash import arm_crash_point
from lifecycle.cli.entry import main
from lifecycle.testing import crash_at, fast
from workflows.mediatailor import WORKFLOW

ROOT = Path(__file__).resolve().parents[2]
#: Nothing listens there: a request sent to it fails without an answer.
NOWHERE = "http://127.0.0.1:9"


def test_fast_keeps_the_attempts_and_shortens_the_sleeps() -> None:
    quick = fast(WORKFLOW)
    for trigger, binding in WORKFLOW.bindings.items():
        retry = quick.bindings[trigger].retry
        assert retry.max_attempts == binding.retry.max_attempts
        assert retry.max_delay_seconds == 0.05
    assert quick.poll.max_delay_seconds == 0.2
    assert quick.operations() == WORKFLOW.operations()


def iam(endpoint: str = NOWHERE) -> Any:
    return botocore.session.get_session().create_client(
        "iam",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def run(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter, after ``iam()`` and the imports it needs."""
    prelude = textwrap.dedent(
        f"""
        import botocore.config
        import botocore.session
        from botocore.stub import Stubber
        from lifecycle.testing import crash_at
        NOWHERE = {NOWHERE!r}
        def iam():
            return botocore.session.get_session().create_client(
                "iam", region_name="us-east-1", endpoint_url=NOWHERE,
                aws_access_key_id="testing", aws_secret_access_key="testing",
                config=botocore.config.Config(retries={{"total_max_attempts": 1}},
                                              connect_timeout=1),
            )
        """
    )
    script = prelude + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_before_kills_the_process_before_the_nth_request_is_sent() -> None:
    # The first request is sent (and fails: nothing listens); the second never is.
    done = run(
        """
        with crash_at("before", "GetRole", 2):
            client = iam()
            for n in (1, 2, 3):
                try:
                    client.get_role(RoleName="r")
                except Exception as error:
                    print("sent", n, type(error).__name__, flush=True)
        """
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    *printed, logged = done.stdout.splitlines()  # structlog's default: stdout
    assert printed == ["sent 1 EndpointConnectionError"]
    assert "crash.injected" in logged
    assert "operation=GetRole" in logged


def test_after_kills_the_process_once_the_nth_answer_arrived() -> None:
    done = run(
        """
        with crash_at("after", "GetRole", 2):
            client = iam()
            with Stubber(client) as stub:
                for n in (1, 2, 3):
                    stub.add_response("get_role", {"Role": {
                        "Path": "/", "RoleName": "r", "RoleId": "AROAEXAMPLEEXAMPLE1",
                        "Arn": "arn:aws:iam::123456789012:role/r",
                        "CreateDate": "2024-01-01T00:00:00Z"}})
                for n in (1, 2, 3):
                    client.get_role(RoleName="r")
                    print("answered", n, flush=True)
        """
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    *printed, logged = done.stdout.splitlines()
    assert printed == ["answered 1"]
    assert "crash.injected" in logged


def test_no_answer_no_crash_after() -> None:
    done = run(
        """
        with crash_at("after", "GetRole", 1):
            try:
                iam().get_role(RoleName="r")
            except Exception as error:
                print(type(error).__name__)
        """
    )
    assert (done.returncode, done.stdout.strip()) == (0, "EndpointConnectionError"), done.stderr


def test_only_clients_created_while_it_is_active_count() -> None:
    before = iam()
    with crash_at("after", "GetRole", 1) as point:
        during = iam()
    after = iam()
    for client in (before, during, after):
        with Stubber(client) as stub:
            stub.add_client_error("get_role", "NoSuchEntity", http_status_code=404)
            with pytest.raises(client.exceptions.NoSuchEntityException):
                client.get_role(RoleName="r")
    assert point.seen == 0  # the one client made meanwhile counts only while it is active
    assert not point.active


def test_requests_are_counted_per_operation_over_every_client() -> None:
    with crash_at("after", "GetRole", 3) as point:
        clients = [iam(), iam()]
        for client in clients:
            with Stubber(client) as stub:
                stub.add_client_error("get_role", "NoSuchEntity", http_status_code=404)
                stub.add_client_error("list_roles", "ServiceFailure", http_status_code=500)
                with pytest.raises(client.exceptions.NoSuchEntityException):
                    client.get_role(RoleName="r")
                with pytest.raises(client.exceptions.ServiceFailureException):
                    client.list_roles()
        assert point.seen == 2


def test_when_is_before_or_after() -> None:
    with (
        pytest.raises(ValueError, match="when is before or after, not 'during'"),
        crash_at("during", "GetRole", 1),  # type: ignore[arg-type]
    ):
        pass


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("after:GetRole", "SLR_CRASH_AT takes when:Operation:n, not 'after:GetRole'"),
        ("after:GetRole:x", "SLR_CRASH_AT takes when:Operation:n, not 'after:GetRole:x'"),
        ("during:GetRole:1", "SLR_CRASH_AT: when is before or after, not 'during'"),
    ],
)
def test_a_malformed_slr_crash_at_is_a_usage_error(
    spec: str, message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLR_CRASH_AT", spec)
    assert main(["status"]) == 64
    assert capsys.readouterr().err == f"slr: error: {message}\n"


def test_slr_crash_at_arms_crash_at_until_disarmed() -> None:
    unarmed = ClientCreator.create_client
    try:
        arm_crash_point("after:GetRole:2")
        assert ClientCreator.create_client is not unarmed
        client = iam()
    finally:
        arm_crash_point(None)
    assert ClientCreator.create_client is unarmed
    with Stubber(client) as stub:
        stub.add_client_error("get_role", "NoSuchEntity", http_status_code=404)
        with pytest.raises(client.exceptions.NoSuchEntityException):
            client.get_role(RoleName="r")  # disarmed: its handler does nothing


def test_no_production_module_knows_of_crashes() -> None:
    # crash_at hooks clients from outside: the gateway and the rest import neither it nor the
    # command line's arming of it.
    for path in sorted((ROOT / "lifecycle").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(("lifecycle/cli/", "lifecycle/testing/")):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith(("lifecycle.cli.crash", "lifecycle.testing")), relative
