"""The ``slr`` command: a thin layer over the runner, the renderers and the local AWS.

Heavy modules (boto3, graphviz, moto) are imported inside the commands that need them, so
``slr --help`` and ``slr diagram --format dot`` start quickly.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from lifecycle import exits
from lifecycle.definition import DefinitionError

__all__ = ["main"]


@dataclass(frozen=True)
class Settings:
    """The global options, as every command sees them."""

    workflow: str
    regions: str
    endpoint_url: str | None
    profile: str | None
    output: str
    log_format: str
    state_dir: Path | None
    log_level: int = 20
    assume_role: str | None = None
    external_id: str | None = None


class Failure(click.ClickException):
    """An expected failure: one line on stderr and a documented exit code."""

    def __init__(self, message: str, exit_code: int = exits.ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click declares it on the class


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--workflow",
    default="mediatailor",
    show_default=True,
    help="The service-linked role to work on (see `slr workflows`).",
)
@click.option(
    "--regions",
    default="all",
    show_default=True,
    help="Regions to scan: all, or a comma-separated list.",
)
@click.option(
    "--endpoint-url",
    envvar="AWS_ENDPOINT_URL",
    default=None,
    help="Send every AWS call here (the local AWS, a proxy).",
)
@click.option("--profile", envvar="AWS_PROFILE", default=None, help="AWS profile name.")
@click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Result on stdout: for people, or one JSON document.",
)
@click.option(
    "--log-format",
    type=click.Choice(["auto", "console", "json"]),
    default="auto",
    show_default=True,
    help="Logs on stderr: auto is console on a terminal, else JSON.",
)
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the journal lives (default: $XDG_STATE_HOME/slr-lifecycle).",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="Least severe log event shown.",
)
@click.option(
    "--assume-role",
    metavar="ROLE_ARN",
    default=None,
    help="Work in another account through STS AssumeRole.",
)
@click.option("--external-id", default=None, help="External id for --assume-role.")
@click.pass_context
def cli(
    ctx: click.Context,
    workflow: str,
    regions: str,
    endpoint_url: str | None,
    profile: str | None,
    output: str,
    log_format: str,
    state_dir: Path | None,
    log_level: str,
    assume_role: str | None,
    external_id: str | None,
) -> None:
    """Create, watch, drain and delete AWS service-linked roles, safely."""
    import logging

    level = logging.getLevelName(log_level.upper())
    ctx.obj = Settings(
        workflow,
        regions,
        endpoint_url,
        profile,
        output,
        log_format,
        state_dir,
        level,
        assume_role,
        external_id,
    )


def _workflow(settings: Settings):  # type: ignore[no-untyped-def]
    import workflows

    try:
        return workflows.get(settings.workflow)
    except KeyError as error:
        raise Failure(str(error.args[0]), exits.USAGE) from None


@cli.command("workflows")
@click.pass_obj
def list_workflows(settings: Settings) -> None:
    """List the known workflows."""
    import json

    import workflows

    rows = [
        {"name": w.name, "role": w.role_name, "principal": w.principal, "title": w.title}
        for w in workflows.WORKFLOWS.values()
    ]
    if settings.output == "json":
        click.echo(json.dumps({"schema_version": 1, "workflows": rows}, indent=2))
        return
    for row in rows:
        click.echo(f"{row['name']:<14}{row['role']:<34}{row['principal']}")


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dot", "mermaid", "markdown", "svg", "png", "all"]),
    default="dot",
    show_default=True,
    help="all: write .dot, .mmd, .md and .svg into the folder -o names.",
)
@click.option(
    "--state",
    "state",
    default=None,
    help="Mark this state (offline; --highlight observes it instead).",
)
@click.option("--target", default=None, help="Mark the shortest path from the state to this.")
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Write to this file (a folder with --format all) instead of stdout.",
)
@click.option(
    "--highlight",
    "highlight_observed",
    is_flag=True,
    help="Observe the role and mark its state (and the path to --target).",
)
@click.option("--run", "run_id", default=None, help="Mark the path this journaled run took.")
@click.pass_obj
def diagram(
    settings: Settings,
    fmt: str,
    state: str | None,
    target: str | None,
    out: Path | None,
    highlight_observed: bool,
    run_id: str | None,
) -> None:
    """The lifecycle diagram, annotated with the workflow's operations and retries.

    --highlight marks the observed state (and, with --target, the planned path); --run marks
    the path a journaled run took; --state marks a state without asking AWS."""
    from lifecycle import render

    workflow = _workflow(settings)
    highlight = None
    if run_id:
        highlight = _run_highlight(settings, run_id)
    elif highlight_observed:
        runner = _runner(settings)
        with _aws_errors():
            _, world, observed = runner.status()
        highlight = _offline_highlight(workflow, observed, target, world)
    else:
        if target and not state:
            state = workflow.definition.initial.id
        if state:
            highlight = _offline_highlight(workflow, state, target)
    model = render.extract(workflow, highlight)
    if fmt == "all":
        _write_all(model, out or Path("diagrams"))
        return
    try:
        data = render.render(model, fmt)
    except render.GraphvizMissing as error:
        raise Failure(str(error)) from None
    _emit(data, out)


def _write_all(model, folder: Path) -> None:  # type: ignore[no-untyped-def]
    from lifecycle import render

    folder.mkdir(parents=True, exist_ok=True)
    for fmt in render.COMMITTED_FORMATS:
        path = folder / f"{model.name}.{render.SUFFIXES[fmt]}"
        try:
            _emit(render.render(model, fmt), path)
        except render.GraphvizMissing as error:
            click.echo(f"slr: warning: {path} not written: {error}", err=True)
            continue
        click.echo(str(path))


def _offline_highlight(workflow: Any, state: str, target: str | None, world: Any = None) -> Any:
    from lifecycle.decide import Options, path_to
    from lifecycle.observation import Observation
    from lifecycle.render import Highlight

    definition = workflow.definition
    try:
        start = definition.state(state).id
        if world is None:  # no observation: any declared way, but never through reject
            world = Observation(role=None)
            path = definition.shortest_path(start, definition.state(target).id,
                                            avoid=("reject",)) if target else ()  # fmt: skip
        else:
            path = path_to(workflow, world, _target(target), Options()) if target else ()
    except KeyError as error:
        raise Failure(str(error.args[0]), exits.USAGE) from None
    if path is None:
        raise Failure(f"{target} cannot be reached from {state}", exits.USAGE)
    return Highlight(start, tuple(t.trigger for t in path))


def _run_highlight(settings: Settings, run_id: str) -> Any:
    from lifecycle.journal import Journal, JournalError
    from lifecycle.render import Highlight

    try:
        steps = Journal.open(settings.state_dir).steps(run_id)
    except JournalError as error:
        raise Failure(str(error)) from None
    taken = [step for step in steps if step["to_state"] != step["from_state"]]
    if not steps:
        raise Failure(f"no run {run_id!r} in the journal", exits.USAGE)
    path = tuple(step["transition"] for step in taken)
    return Highlight(steps[0]["from_state"], path, taken=True)


def _emit(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as error:
        raise Failure(f"cannot write {out}: {error.strerror}") from None


@cli.command("local-aws")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True)
@click.option(
    "--deletion-seconds",
    type=click.FloatRange(0),
    default=5.0,
    show_default=True,
    help="How long an emulated role-deletion task runs.",
)
@click.option(
    "--task-retention-seconds",
    type=click.FloatRange(0),
    help="How long IAM remembers a finished deletion task [default: 5.0].",
)
@click.option(
    "--iam-consistency-seconds",
    type=click.FloatRange(0),
    help="How long a new role stays invisible, and a deleted one visible [default: 1.0].",
)
@click.option(
    "--opt-in-regions-disabled/--opt-in-regions-enabled",
    default=None,
    help="Whether opt-in regions start disabled in every account [default: disabled].",
)
@click.option(
    "--short-pages/--full-pages",
    default=None,
    help="Whether MediaTailor's lists answer short and empty pages [default: short].",
)
@click.option(
    "--list-omits-log-configuration",
    is_flag=True,
    default=None,
    help="List items of playback configurations carry no LogConfiguration.",
)
def local_aws(port: int, deletion_seconds: float, **settings: Any) -> None:
    """Run the embedded local AWS in the foreground (Ctrl-C stops it).

    It is as harsh as AWS by default (localaws/README.md lists every setting).
    """
    try:
        from localaws import serve
    except ImportError as error:
        raise Failure(
            f"the local AWS needs the 'local' extra: pip install 'slr-lifecycle[local]' ({error})"
        ) from None
    given = {name: value for name, value in settings.items() if value is not None}
    serve(port=port, deletion_seconds=deletion_seconds, **given)


# -- commands that talk to AWS ----------------------------------------------------------------

TARGETS = ("created", "in-use", "deletable", "deleted")


def _regions(settings: Settings, workflow: Any) -> tuple[str, ...] | None:
    if settings.regions == "all":
        return None
    from lifecycle.engine import available_regions

    asked = tuple(r.strip() for r in settings.regions.split(",") if r.strip())
    known = set(available_regions(workflow.service))
    unknown = [r for r in asked if r not in known]
    if unknown or not asked:
        raise Failure(
            f"unknown region {', '.join(unknown) or repr(settings.regions)} for "
            f"{workflow.service} (known: {', '.join(sorted(known))})",
            exits.USAGE,
        )
    return asked


def _runner(settings: Settings, progress: Any = None) -> Any:
    """A Runner for the global options, with logging configured and the journal open."""
    from lifecycle.engine import Runner, RunnerConfig
    from lifecycle.journal import Journal, JournalError
    from lifecycle.log import configure

    configure(settings.log_format, level=settings.log_level)  # type: ignore[arg-type]
    workflow = _workflow(settings)
    config = RunnerConfig(
        profile=settings.profile,
        endpoint_url=settings.endpoint_url,
        regions=_regions(settings, workflow),
        assume_role_arn=settings.assume_role,
        external_id=settings.external_id,
        reject_wait_seconds=_float_env("SLR_REJECT_WAIT_SECONDS"),
    )
    try:
        journal = Journal.open(settings.state_dir)
    except JournalError as error:
        raise Failure(str(error)) from None
    return Runner(workflow, journal, config, progress=progress)


def _float_env(name: str) -> float | None:
    value = os.environ.get(name)
    try:
        return float(value) if value else None
    except ValueError:
        raise Failure(f"{name} must be a number of seconds, not {value!r}", exits.USAGE) from None


def _print_json(document: dict[str, Any]) -> None:
    click.echo(json.dumps(document, indent=2, default=str))


def _target(target: str) -> str:
    if target not in TARGETS:
        raise Failure(f"unknown target {target!r} (known: {', '.join(TARGETS)})", exits.USAGE)
    return target


def _options(activate: tuple[str, ...], percent: int, description: str | None) -> Any:
    from lifecycle.decide import Options
    from lifecycle.workflow import Activation

    targets = []
    for item in activate:
        region, _, name = item.partition("/")
        if not region or not name:
            raise Failure(f"--activate takes REGION/NAME, not {item!r}", exits.USAGE)
        targets.append((region, name))
    activation = Activation(tuple(targets), percent) if targets else None
    return Options(activation=activation, description=description)


_activation_options = [
    click.option("--activate", multiple=True, metavar="REGION/NAME",
                 help="For target in-use: a resource to turn on (repeatable)."),
    click.option("--percent", type=click.IntRange(1, 100), default=100, show_default=True,
                 help="Session-logging percentage --activate sets."),
    click.option("--description", default=None, help="Role description (create, converge)."),
]  # fmt: skip


def _with_activation(fn: Any) -> Any:
    for option in reversed(_activation_options):
        fn = option(fn)
    return fn


@cli.command()
@click.pass_obj
def status(settings: Settings) -> None:
    """Observe and print the state, the role, and every dependent per region."""
    from lifecycle import output
    from lifecycle.engine import SCHEMA_VERSION

    runner = _runner(settings)
    with _aws_errors():
        account, world, state = runner.status()
    facts = world.as_dict()
    document = {
        "schema_version": SCHEMA_VERSION,
        "command": "status",
        "workflow": runner.workflow.name,
        "account": account,
        "state": runner.workflow.definition.state(state).label,
        **{key: facts[key] for key in ("role", "dependents", "scanned_regions",
                                       "unscanned_regions", "deletion_task")},
    }  # fmt: skip
    if settings.output == "json":
        _print_json(document)
    else:
        click.echo(output.status_text(document, world), nl=False)


class _aws_errors:
    """Turns the failures a run can meet into one line and its exit code."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, _tb: Any) -> None:
        if error is None:
            return
        from lifecycle.aws import AwsError
        from lifecycle.decide import Blocked, Unreachable
        from lifecycle.engine import StalePlan
        from lifecycle.journal import JournalError, LockHeld

        if isinstance(error, LockHeld):
            raise Failure(str(error), exits.LOCK_HELD) from None
        if isinstance(error, Unreachable):
            raise Failure(str(error), exits.USAGE) from None
        if isinstance(error, StalePlan):
            raise Failure(str(error), exits.STALE_PLAN) from None
        if isinstance(error, AwsError | JournalError | Blocked):
            raise Failure(str(error)) from None


def _finish(settings: Settings, result: Any) -> None:
    from lifecycle import output

    document = result.as_dict()
    if settings.output == "json":
        _print_json(document)
    else:
        click.echo(output.run_text(document), nl=False)
    if result.exit_code != exits.OK:
        raise click.exceptions.Exit(result.exit_code)


@cli.command()
@click.option("--target", required=True, help=f"One of: {', '.join(TARGETS)}.")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also save the plan here, for `slr apply PLAN`.",
)
@_with_activation
@click.pass_obj
def plan(
    settings: Settings,
    target: str,
    out: Path | None,
    activate: tuple[str, ...],
    percent: int,
    description: str | None,
) -> None:
    """Dry run of the whole way: transitions and the exact AWS calls each would make.

    Exits 2 when changes are pending, 0 when the world is already at the target."""
    runner = _runner(settings)
    options = _options(activate, percent, description)
    with _aws_errors():
        result = runner.plan(_target(target), options)
    if out is not None:
        document = result.as_dict() | {"options": _options_dict(options)}
        _emit((json.dumps(document, indent=2, default=str) + "\n").encode(), out)
    _finish(settings, result)


def _options_dict(options: Any) -> dict[str, Any]:
    activation = options.activation
    return {
        "activate": [f"{r}/{n}" for r, n in activation.targets] if activation else [],
        "percent": activation.level if activation else 100,
        "description": options.description,
    }


def _load_plan(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise Failure(f"cannot read plan {path}: {error.strerror}", exits.USAGE) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise Failure(f"plan {path} is not JSON: {error}", exits.USAGE) from None
    from lifecycle.engine import SCHEMA_VERSION

    needed = ("schema_version", "command", "workflow", "target", "fingerprints", "options")
    if not isinstance(document, dict) or any(key not in document for key in needed):
        raise Failure(f"plan {path} is not a plan made by `slr plan -o`", exits.USAGE)
    if document["schema_version"] != SCHEMA_VERSION or document["command"] != "plan":
        raise Failure(f"plan {path} has schema {document['schema_version']!r}; this slr "
                      f"reads {SCHEMA_VERSION}", exits.USAGE)  # fmt: skip
    return document


@cli.command()
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--target", default=None, help=f"One of: {', '.join(TARGETS)} (or give PLAN).")
@click.option("--dry-run", is_flag=True, help="Write nothing: simulate the world instead.")
@click.option("--step", is_flag=True, help="Run one transition and stop (exit 2 if more left).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (non-interactive use).")
@_with_activation
@click.pass_obj
def apply(settings: Settings, plan_file: Path | None, target: str | None, dry_run: bool,
          step: bool, yes: bool, activate: tuple[str, ...], percent: int,
          description: str | None) -> None:  # fmt: skip
    """Walk to the target; with PLAN, only if that plan still holds."""
    saved = _load_plan(plan_file) if plan_file else None
    if saved is not None:
        if target and target != saved["target"]:
            raise Failure(f"--target {target} contradicts the plan's {saved['target']}",
                          exits.USAGE)  # fmt: skip
        if saved["workflow"] != settings.workflow:
            raise Failure(f"plan is for workflow {saved['workflow']!r}", exits.USAGE)
        target = saved["target"]
        opts = saved["options"]
        activate, percent, description = (tuple(opts.get("activate", ())),
                                          int(opts.get("percent", 100)),
                                          opts.get("description"))  # fmt: skip
    if target is None:
        raise Failure("apply needs --target STATE or a PLAN file", exits.USAGE)
    options = _options(activate, percent, description)
    if not dry_run and not yes:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise Failure("apply changes AWS: pass --yes to confirm (no terminal to ask on)",
                          exits.USAGE)  # fmt: skip
        if not click.confirm(f"Walk {settings.workflow} to {target} in this account?", err=True):
            raise Failure("not confirmed; nothing changed", exits.ERROR)
    from lifecycle.output import Progress

    progress = Progress()
    runner = _runner(settings, progress)
    try:
        with _aws_errors():
            result = runner.apply(_target(target), options, dry_run=dry_run,
                                  step=step, plan=saved)  # fmt: skip
    finally:
        progress.done()
    _finish(settings, result)


@cli.command()
@click.option("--run", "run_id", default=None, help="Show one run's steps and calls.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.pass_obj
def history(settings: Settings, run_id: str | None, limit: int) -> None:
    """The journal: runs, steps, calls, outcomes."""
    from lifecycle import output
    from lifecycle.engine import SCHEMA_VERSION
    from lifecycle.journal import Journal, JournalError

    try:
        journal = Journal.open(settings.state_dir)
        runs = journal.runs(limit)
        steps = journal.steps(run_id) if run_id else None
    except JournalError as error:
        raise Failure(str(error)) from None
    if run_id and not steps and not any(r["run_id"] == run_id for r in journal.runs(1000)):
        raise Failure(f"no run {run_id!r} in the journal", exits.USAGE)
    if settings.output == "json":
        _print_json({"schema_version": SCHEMA_VERSION, "command": "history", "runs": runs}
                    | ({"steps": steps} if steps is not None else {}))  # fmt: skip
    else:
        click.echo(output.history_text(runs, steps), nl=False)


@cli.command()
@click.option(
    "--scope",
    type=click.Choice(["provision", "decommission", "all"]),
    default="all",
    show_default=True,
)
@click.pass_obj
def policy(settings: Settings, scope: str) -> None:
    """The least-privilege IAM policy the workflow needs (with --assume-role: sts:AssumeRole
    on that role too)."""
    from lifecycle.policy import policy_document

    document = policy_document(_workflow(settings), scope, cross_account=settings.assume_role)
    click.echo(json.dumps(document, indent=2))


@cli.command()
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Where the plan and the diagrams of the path taken are written.",
)
def demo(output_dir: Path) -> None:
    """The main job on the embedded local AWS: a realistic account, then status, plan, a
    step-by-step dry run, apply, and the diagram of the path taken."""
    try:
        from lifecycle.demo import run_demo
    except ImportError as error:
        raise Failure(f"the demo needs the 'local' extra: pip install 'slr-lifecycle[local]' "
                      f"({error})") from None  # fmt: skip
    code = run_demo(main, output_dir)
    if code:
        raise click.exceptions.Exit(code)


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps every expected failure to one line on stderr and its exit code."""
    try:
        # With standalone_mode off, click returns a command's Exit code instead of raising.
        code = cli.main(args=argv, prog_name="slr", standalone_mode=False)
    except Failure as failure:
        click.echo(f"slr: error: {failure.message}", err=True)
        return failure.exit_code
    except click.UsageError as error:
        click.echo(f"slr: usage error: {error.format_message()}", err=True)
        return exits.USAGE
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:
        click.echo("slr: aborted", err=True)
        return exits.ERROR
    except DefinitionError as error:
        click.echo(f"slr: error: invalid definition: {error}", err=True)
        return exits.ERROR
    except click.ClickException as error:
        click.echo(f"slr: error: {error.format_message()}", err=True)
        return error.exit_code
    except KeyboardInterrupt:
        click.echo("slr: interrupted", err=True)
        return 130
    return code if isinstance(code, int) else exits.OK


if __name__ == "__main__":
    sys.exit(main())
