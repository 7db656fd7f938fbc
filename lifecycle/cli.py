"""The ``slr`` command: a thin layer over the runner, the renderers and the local AWS.

Heavy modules (boto3, graphviz, moto) are imported inside the commands that need them, so
``slr --help`` and ``slr diagram --format dot`` start quickly.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from lifecycle import exits
from lifecycle.definition import DefinitionError

if TYPE_CHECKING:
    from lifecycle.decide import PlanOptions
    from lifecycle.journal import Journal
    from lifecycle.log import Format
    from lifecycle.observation import Observation
    from lifecycle.render import Diagram, Highlight
    from lifecycle.results import RunResult
    from lifecycle.runner import Runner
    from lifecycle.workflow import Workflow

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])


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
    #: Where the journal and the lease live: a directory, sqlite:///PATH or dynamodb://TABLE.
    state: str | None = None


class Failure(Exception):
    """An expected failure: one line on stderr and a documented exit code."""

    def __init__(self, message: str, exit_code: int = exits.ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


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
    help="Old spelling of --state DIR.",
)
@click.option(
    "--state",
    "state",
    envvar="SLR_STATE",
    metavar="URL",
    default=None,
    help="Where the journal and the lease live: a directory, sqlite:///PATH or "
    "dynamodb://TABLE[?region=R] (default: $XDG_STATE_HOME/slr-lifecycle).",
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
    state: str | None,
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
        state or (str(state_dir) if state_dir else None),
    )


def _journal(settings: Settings) -> Journal:
    """The journal ``--state`` names, reached with the runner's own credentials."""
    from lifecycle.journal import JournalError, StateUrlError, open_journal

    try:
        return open_journal(
            settings.state, profile=settings.profile, endpoint_url=settings.endpoint_url
        )
    except StateUrlError as error:
        raise Failure(str(error), exits.USAGE) from None
    except JournalError as error:
        raise Failure(str(error)) from None


def _workflow(settings: Settings) -> Workflow:
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
        from lifecycle.results import SCHEMA_VERSION

        click.echo(json.dumps({"schema_version": SCHEMA_VERSION, "workflows": rows}, indent=2))
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


def _write_all(model: Diagram, folder: Path) -> None:
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


def _offline_highlight(
    workflow: Workflow, state: str, target: str | None, world: Observation | None = None
) -> Highlight:
    from lifecycle.decide import PlanOptions, path_to
    from lifecycle.observation import Observation
    from lifecycle.render import Highlight

    definition = workflow.definition
    try:
        start = definition.state(state).id
        if world is None:  # no observation: any declared way, but never through reject
            world = Observation(role=None)
            path = (
                definition.shortest_path(start, definition.state(target).id, avoid=("reject",))
                if target
                else ()
            )
        else:
            path = path_to(workflow, world, _target(target), PlanOptions()) if target else ()
    except KeyError as error:
        raise Failure(str(error.args[0]), exits.USAGE) from None
    if path is None:
        raise Failure(f"{target} cannot be reached from {state}", exits.USAGE)
    return Highlight(start, tuple(t.trigger for t in path))


def _run_highlight(settings: Settings, run_id: str) -> Highlight | None:
    from lifecycle.journal import JournalError
    from lifecycle.review.page import run_highlight

    try:
        steps = _journal(settings).steps(run_id)
    except JournalError as error:
        raise Failure(str(error)) from None
    if not steps:
        raise Failure(f"no run {run_id!r} in the journal", exits.USAGE)
    return run_highlight(steps)


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
def local_aws(port: int, deletion_seconds: float) -> None:
    """Run the embedded local AWS in the foreground (Ctrl-C stops it)."""
    try:
        from localaws import serve
    except ImportError as error:
        raise Failure(
            f"the local AWS needs the 'local' extra: pip install 'slr-lifecycle[local]' ({error})"
        ) from None
    serve(port=port, deletion_seconds=deletion_seconds)


# -- commands that talk to AWS ----------------------------------------------------------------


def _targets() -> tuple[str, ...]:
    from lifecycle.definition import LIFECYCLE

    return tuple(state.label for state in LIFECYCLE.targets)


TARGETS = _targets()


def _regions(settings: Settings, workflow: Workflow) -> tuple[str, ...] | None:
    if settings.regions == "all":
        return None
    from lifecycle.aws import available_regions

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


def _runner(settings: Settings, progress: Callable[[str], None] | None = None) -> Runner:
    """A Runner for the global options, with logging configured and the journal open."""
    from lifecycle.log import configure
    from lifecycle.runner import Runner, RunnerConfig

    configure(cast("Format", settings.log_format), level=settings.log_level)
    workflow = _workflow(settings)
    config = RunnerConfig(
        profile=settings.profile,
        endpoint_url=settings.endpoint_url,
        regions=_regions(settings, workflow),
        assume_role_arn=settings.assume_role,
        external_id=settings.external_id,
        reject_wait_seconds=_float_env("SLR_REJECT_WAIT_SECONDS"),
    )
    return Runner(workflow, _journal(settings), config, progress=progress)


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


def _options(activate: tuple[str, ...], percent: int, description: str | None) -> PlanOptions:
    from lifecycle.decide import PlanOptions
    from lifecycle.workflow import Activation

    targets = []
    for item in activate:
        region, _, name = item.partition("/")
        if not region or not name:
            raise Failure(f"--activate takes REGION/NAME, not {item!r}", exits.USAGE)
        targets.append((region, name))
    activation = Activation(tuple(targets), percent) if targets else None
    return PlanOptions(activation=activation, description=description)


_activation_options = [
    click.option(
        "--activate",
        multiple=True,
        metavar="REGION/NAME",
        help="For target in-use: a resource to turn on (repeatable).",
    ),
    click.option(
        "--percent",
        type=click.IntRange(1, 100),
        default=100,
        show_default=True,
        help="Session-logging percentage --activate sets.",
    ),
    click.option("--description", default=None, help="Role description (create, converge)."),
]


def _with_activation(fn: F) -> F:
    for option in reversed(_activation_options):
        fn = option(fn)
    return fn


@cli.command()
@click.pass_obj
def status(settings: Settings) -> None:
    """Observe and print the state, the role, and every dependent per region."""
    from lifecycle import output
    from lifecycle.results import SCHEMA_VERSION

    runner = _runner(settings)
    with _aws_errors():
        account, world, state = runner.status()
    facts = world.as_dict() | {"dependents": runner.dependents_of(world)}
    document = {
        "schema_version": SCHEMA_VERSION,
        "command": "status",
        "workflow": runner.workflow.name,
        "account": account,
        "state": runner.workflow.definition.state(state).label,
        **{
            key: facts[key]
            for key in (
                "role",
                "dependents",
                "scanned_regions",
                "unscanned_regions",
                "skipped_regions",
                "deletion_task",
            )
        },
    }
    if settings.output == "json":
        _print_json(document)
    else:
        click.echo(output.status_text(document, world), nl=False)


class _aws_errors:
    """Turns the failures a run can meet into one line and its exit code."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        if error is None:
            return
        from lifecycle.decide import Blocked, Unreachable
        from lifecycle.errors import AwsError
        from lifecycle.journal import JournalError, LockHeld
        from lifecycle.plans import StalePlan

        if isinstance(error, LockHeld):
            raise Failure(str(error), exits.LOCK_HELD) from None
        if isinstance(error, Unreachable):
            raise Failure(str(error), exits.USAGE) from None
        if isinstance(error, StalePlan):
            raise Failure(str(error), exits.STALE_PLAN) from None
        if isinstance(error, AwsError | JournalError | Blocked):
            raise Failure(str(error)) from None


def _finish(settings: Settings, result: RunResult) -> None:
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
    help="Also save the plan here: JSON for `slr apply PLAN`, or Markdown (.md).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "markdown"]),
    default=None,
    help="The saved plan's format (default: by -o's suffix, .md is markdown); without -o, "
    "printed on stdout instead of the text.",
)
@_with_activation
@click.pass_obj
def plan(
    settings: Settings,
    target: str,
    out: Path | None,
    fmt: str | None,
    activate: tuple[str, ...],
    percent: int,
    description: str | None,
) -> None:
    """Dry run of the whole way: transitions and the exact AWS calls each would make.

    Exits 2 when changes are pending, 0 when the world is already at the target.
    --format markdown: the plan as a pull-request comment."""
    runner = _runner(settings)
    options = _options(activate, percent, description)
    if out is not None and fmt is None:
        fmt = "markdown" if out.suffix.lower() in (".md", ".markdown") else "json"
    with _aws_errors():
        result = runner.plan(_target(target), options)
    if fmt is None:
        _finish(settings, result)
        return
    from lifecycle import plans
    from lifecycle.review import plan_comment

    document = plans.document(result, _options_dict(options))
    if fmt == "json":
        data = json.dumps(document, indent=2, default=str) + "\n"
    else:
        data = str(plan_comment(runner.workflow, [document]))
    _emit(data.encode(), out)
    if out is not None:
        _finish(settings, result)
    elif result.exit_code != exits.OK:
        raise click.exceptions.Exit(result.exit_code)


def _options_dict(options: PlanOptions) -> dict[str, Any]:
    activation = options.activation
    return {
        "activate": [f"{r}/{n}" for r, n in activation.targets] if activation else [],
        "percent": activation.level if activation else 100,
        "description": options.description,
    }


def _load_plan(path: Path) -> dict[str, Any]:
    from lifecycle import plans

    try:
        return plans.load(path)
    except plans.PlanFileError as error:
        raise Failure(str(error), exits.USAGE) from None


@cli.command()
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--target", default=None, help=f"One of: {', '.join(TARGETS)} (or give PLAN).")
@click.option("--dry-run", is_flag=True, help="Write nothing: simulate the world instead.")
@click.option("--step", is_flag=True, help="Run one transition and stop (exit 2 if more left).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (non-interactive use).")
@_with_activation
@click.pass_obj
def apply(
    settings: Settings,
    plan_file: Path | None,
    target: str | None,
    dry_run: bool,
    step: bool,
    yes: bool,
    activate: tuple[str, ...],
    percent: int,
    description: str | None,
) -> None:
    """Walk to the target; with PLAN, only if that plan still holds."""
    saved = _load_plan(plan_file) if plan_file else None
    if saved is not None:
        if target and target != saved["target"]:
            raise Failure(
                f"--target {target} contradicts the plan's {saved['target']}", exits.USAGE
            )
        if saved["workflow"] != settings.workflow:
            raise Failure(f"plan is for workflow {saved['workflow']!r}", exits.USAGE)
        target = saved["target"]
        opts = saved["options"]
        activate, percent, description = (
            tuple(opts.get("activate", ())),
            int(opts.get("percent", 100)),
            opts.get("description"),
        )
    if target is None:
        raise Failure("apply needs --target STATE or a PLAN file", exits.USAGE)
    options = _options(activate, percent, description)
    if not dry_run and not yes:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise Failure(
                "apply changes AWS: pass --yes to confirm (no terminal to ask on)", exits.USAGE
            )
        if not click.confirm(f"Walk {settings.workflow} to {target} in this account?", err=True):
            raise Failure("not confirmed; nothing changed", exits.ERROR)
    from lifecycle.output import Progress

    progress = Progress()
    runner = _runner(settings, progress)
    try:
        with _aws_errors():
            result = runner.apply(_target(target), options, dry_run=dry_run, step=step, plan=saved)
    finally:
        progress.done()
    _finish(settings, result)


@cli.command()
@click.option("--run", "run_id", default=None, help="Show one run's steps and calls.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html"]),
    default=None,
    help="html: one run (--run) as a self-contained page.",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the page here instead of stdout.",
)
@click.pass_obj
def history(
    settings: Settings, run_id: str | None, limit: int, fmt: str | None, out: Path | None
) -> None:
    """The journal: runs, steps, calls, outcomes; --format html: one run as a page."""
    if fmt == "html" or out is not None:
        if not run_id:
            raise Failure("--format html and -o need --run RUN_ID", exits.USAGE)
        _emit(_run_page(settings, run_id).encode(), out)
        return
    from lifecycle import output
    from lifecycle.journal import JournalError
    from lifecycle.results import SCHEMA_VERSION

    journal = _journal(settings)
    try:
        runs = journal.runs(limit)
        steps = journal.steps(run_id) if run_id else None
    except JournalError as error:
        raise Failure(str(error)) from None
    if run_id and not steps and not any(r["run_id"] == run_id for r in journal.runs(1000)):
        raise Failure(f"no run {run_id!r} in the journal", exits.USAGE)
    if settings.output == "json":
        _print_json(
            {"schema_version": SCHEMA_VERSION, "command": "history", "runs": runs}
            | ({"steps": steps} if steps is not None else {})
        )
    else:
        click.echo(output.history_text(runs, steps), nl=False)


def _run_page(settings: Settings, run_id: str) -> str:
    import workflows
    from lifecycle import render
    from lifecycle.journal import JournalError
    from lifecycle.review import run_page
    from lifecycle.review.page import run_highlight

    try:
        journal = _journal(settings)
        run = next((r for r in journal.runs(1000) if r["run_id"] == run_id), None)
        if run is None:
            raise Failure(f"no run {run_id!r} in the journal", exits.USAGE)
        steps = journal.steps(run_id)
        memory = journal.memory(run["account"], run["role"])
    except JournalError as error:
        raise Failure(str(error)) from None
    workflow = workflows.get(run["workflow"])
    highlight = run_highlight(steps)
    try:
        svg = render.to_image(render.extract(workflow, highlight), "svg").decode()
    except render.GraphvizMissing:
        svg = None  # the page says so and shows a table instead
    return str(run_page(workflow, run, steps, memory, svg if highlight else None))


@cli.command()
@click.option(
    "--scope",
    type=click.Choice(["provision", "decommission", "state", "all"]),
    default="all",
    show_default=True,
    help="state: the shared state table of --state dynamodb://TABLE.",
)
@click.option(
    "--partition",
    type=click.Choice(["aws", "aws-cn", "aws-us-gov"]),
    default=None,
    help="ARN partition (default: the one of AWS_REGION, else aws).",
)
@click.pass_obj
def policy(settings: Settings, scope: str, partition: str | None) -> None:
    """The least-privilege IAM policy the workflow needs (with --assume-role: sts:AssumeRole
    on that role too)."""
    from lifecycle.effects import partition_of
    from lifecycle.policy import policy_document, state_policy_document

    if scope == "state":
        from lifecycle.journal import StateUrlError, table_of

        try:
            shared = table_of(settings.state)
        except StateUrlError as error:
            raise Failure(str(error), exits.USAGE) from None
        if shared is None:
            raise Failure("--scope state needs --state dynamodb://TABLE", exits.USAGE)
        click.echo(json.dumps(state_policy_document(*shared), indent=2))
        return
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
    document = policy_document(
        _workflow(settings),
        scope,
        cross_account=settings.assume_role,
        partition=partition or partition_of(region),
    )
    click.echo(json.dumps(document, indent=2))


@cli.group()
def state() -> None:
    """The shared state table (--state dynamodb://TABLE): create it, fill it."""


def _state_table(settings: Settings) -> Any:
    from lifecycle.journal import JournalError, StateUrlError, table_of
    from lifecycle.journal.dynamodb import connect_table

    try:
        shared = table_of(settings.state)
        if shared is None:
            raise Failure("this command needs --state dynamodb://TABLE (or SLR_STATE)", exits.USAGE)
        return connect_table(
            shared[0],
            region=shared[1],
            profile=settings.profile,
            endpoint_url=settings.endpoint_url,
        )
    except StateUrlError as error:
        raise Failure(str(error), exits.USAGE) from None
    except JournalError as error:
        raise Failure(str(error)) from None


@state.command("init")
@click.pass_obj
def state_init(settings: Settings) -> None:
    """Create the state table: on-demand billing, server-side encryption (idempotent)."""
    from lifecycle.journal import JournalError
    from lifecycle.journal.dynamodb import create_table

    table = _state_table(settings)
    try:
        created = create_table(table)
    except JournalError as error:
        raise Failure(str(error)) from None
    click.echo(f"{table}: {'created' if created else 'exists already'}")


@state.command("migrate")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(path_type=Path),
    help="The state directory (or journal file) to copy from.",
)
@click.pass_obj
def state_migrate(settings: Settings, source: Path) -> None:
    """Copy a local SQLite journal (runs, steps, calls, memory) into the state table."""
    from lifecycle.journal import JournalError
    from lifecycle.journal.migrate import migrate

    _state_table(settings)  # a usage error before anything is opened
    journal_file = source / "journal.sqlite3" if source.is_dir() else source
    if not journal_file.is_file():
        raise Failure(f"no journal at {journal_file}", exits.USAGE)
    try:
        counts = migrate(journal_file, _journal(settings))
    except JournalError as error:
        raise Failure(str(error)) from None
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()) + " copied")


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
        raise Failure(
            f"the demo needs the 'local' extra: pip install 'slr-lifecycle[local]' ({error})"
        ) from None
    code = run_demo(main, output_dir)
    if code:
        raise click.exceptions.Exit(code)


def _arm_crash_point() -> None:
    """``SLR_CRASH_AT=before|after:Operation:N`` kills the process at that write boundary, to
    rehearse a crash (and to test resuming). Read here, at start, never at import."""
    spec = os.environ.get("SLR_CRASH_AT")
    if not spec:
        return
    from lifecycle.crash import arm_crash_point

    try:
        arm_crash_point(spec)
    except ValueError as error:
        raise Failure(str(error), exits.USAGE) from None


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps every expected failure to one line on stderr and its exit code."""
    try:
        _arm_crash_point()
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
