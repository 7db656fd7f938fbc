"""``slr demo``: the whole lifecycle on the embedded local AWS, with no AWS account.

A realistic account (the workflow seeds it: its role in use in a few regions), then the
commands an operator would type: status, plan, a step-by-step dry run,
apply, history, and the diagram of the path taken, written under ``demo-output/`` with the
plan as a pull-request comment (``plan.md``) and the run as a page (``run.html``).
"""

from __future__ import annotations

import os
import shlex
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from lifecycle.cli.exits import NEEDS_PERSON
from lifecycle.errors import Failure
from lifecycle.model.workflow import Workflow
from localaws.control import use_fake_credentials
from localaws.process import LocalAWS
from localaws.seed import Account

__all__ = ["run_demo"]

EXIT_MEANINGS = {0: "done", 2: "changes pending", NEEDS_PERSON: "needs a person"}


def run_demo(
    main: Callable[[list[str]], int], workflow: Workflow, output: Path = Path("demo-output")
) -> int:
    """Run ``workflow``'s demo through ``main`` (the ``slr`` entry point); returns 0 when it
    all went as the lifecycle says it should."""
    demo = workflow.demo
    if demo is None:
        raise Failure(f"workflow {workflow.name!r} has no demo")
    output.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    state_dir = Path(tempfile.mkdtemp(prefix="slr-demo-"))
    use_fake_credentials("demo")  # the local AWS takes any; never send real ones to it
    # A service reports what stopped using the role for seconds here (AWS: minutes), so a
    # deletion that fails meanwhile is tried again after as many seconds, not AWS's minute.
    os.environ.setdefault("SLR_REJECT_WAIT_SECONDS", "3")
    with LocalAWS(port=0, deletion_seconds=2.0) as local:
        _say(
            f"Local AWS (moto + our plug-ins) on {local.endpoint_url}, "
            f"started in {local.startup_seconds:.2f}s"
        )
        made = demo.seed(local.endpoint_url)
        # IAM shows a new role only after a moment, as in AWS.
        Account(local.endpoint_url).wait_for_role(workflow.role_name)
        _say(
            f"Seeded: {made} The local AWS is as harsh as AWS: the opt-in regions are "
            "disabled in this account."
        )
        base = [
            "--workflow",
            workflow.name,
            "--endpoint-url",
            local.endpoint_url,
            "--state-dir",
            str(state_dir),
            "--log-level",
            "warning",
        ]
        plan = output / "plan.json"

        def slr(*args: str, expect: Sequence[int] = (0,)) -> int:
            click.secho(f"\n$ slr {shlex.join(args)}", bold=True)
            code = main([*base, *args])
            click.secho(f"(exit {code}: {EXIT_MEANINGS.get(code, 'error')})", dim=True)
            if code not in expect:
                raise click.ClickException(f"demo: `slr {shlex.join(args)}` exited {code}")
            return code

        slr("status")
        if demo.by_hand is not None:
            slr("plan", "--target", "deleted", expect=(NEEDS_PERSON,))
            _say(
                "Only a person can clear what uses the role: the plan stopped before any "
                "write and said what to do. A person does it now: "
                f"{demo.by_hand(local.endpoint_url)}"
            )
        slr("plan", "--target", "deleted", "-o", str(plan), expect=(2,))
        slr("plan", "--target", "deleted", "-o", str(output / "plan.md"), expect=(2,))
        _say(
            "A step-by-step dry run: each call fires one transition on a simulated world "
            "kept in the journal, and writes nothing."
        )
        while slr("apply", "--target", "deleted", "--step", "--dry-run", expect=(0, 2)) == 2:
            pass
        slr("apply", str(plan), "--yes")
        slr("status")
        slr("history")
        runs = _last_run(main, base)
        for fmt, suffix in (("markdown", "md"), ("mermaid", "mmd"), ("dot", "dot")):
            slr("diagram", "--run", runs, "--format", fmt, "-o", str(output / f"path.{suffix}"))
        if _has_dot():
            slr("diagram", "--run", runs, "--format", "svg", "-o", str(output / "path.svg"))
        slr("history", "--run", runs, "--format", "html", "-o", str(output / "run.html"))
    _say(
        f"\nThe diagram of the path taken is under {output}/ (path.md, path.mmd, path.dot"
        f"{', path.svg' if _has_dot() else ''}); the plan is {plan}, as a pull-request "
        f"comment {output / 'plan.md'}; the run as a page: {output / 'run.html'}."
    )
    _say(f"Demo finished in {time.monotonic() - started:.1f}s; the local AWS is stopped.")
    return 0


def _say(text: str) -> None:
    click.secho(text, fg="cyan")


def _has_dot() -> bool:
    import shutil

    return shutil.which("dot") is not None


def _last_run(main: Callable[[list[str]], int], base: list[str]) -> str:
    """The id of the newest real run in the journal (the apply just made)."""
    import contextlib
    import io
    import json

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main([*base, "--output", "json", "history", "--limit", "20"])
    runs = json.loads(buffer.getvalue())["runs"]
    return str(next(r["run_id"] for r in runs if not r["dry_run"] and r["command"] == "apply"))
