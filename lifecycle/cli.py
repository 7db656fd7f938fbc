"""The ``slr`` command: a thin layer over the runner, the renderers and the local AWS.

Heavy modules (boto3, graphviz, moto) are imported inside the commands that need them, so
``slr --help`` and ``slr diagram --format dot`` start quickly.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

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
) -> None:
    """Create, watch, drain and delete AWS service-linked roles, safely."""
    ctx.obj = Settings(workflow, regions, endpoint_url, profile, output, log_format, state_dir)


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
@click.pass_obj
def diagram(
    settings: Settings, fmt: str, state: str | None, target: str | None, out: Path | None
) -> None:
    """The lifecycle diagram, annotated with the workflow's operations and retries."""
    from lifecycle import render

    workflow = _workflow(settings)
    highlight = None
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


def _offline_highlight(workflow, state: str, target: str | None):  # type: ignore[no-untyped-def]
    from lifecycle.render import Highlight

    definition = workflow.definition
    try:
        start = definition.state(state).id
        path = definition.shortest_path(start, definition.state(target).id) if target else ()
    except KeyError as error:
        raise Failure(str(error.args[0]), exits.USAGE) from None
    if path is None:
        raise Failure(f"{target} cannot be reached from {state}", exits.USAGE)
    return Highlight(start, tuple(t.trigger for t in path))


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
        from lifecycle.localaws import serve
    except ImportError as error:
        raise Failure(
            f"the local AWS needs the 'local' extra: pip install 'slr-lifecycle[local]' ({error})"
        ) from None
    serve(port=port, deletion_seconds=deletion_seconds)


@cli.command()
def demo() -> None:
    """The main job on the embedded local AWS (being built: see issue 5)."""
    click.echo(
        "slr demo will start the embedded local AWS, build an account whose MediaTailor role\n"
        "is in use in two regions and by a channel, then show status, plan, a step-by-step\n"
        "dry run, apply, and the diagram of the path taken. The runner it needs is not built\n"
        "yet; meanwhile: slr diagram --format markdown --state in-use --target deleted"
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps every expected failure to one line on stderr and its exit code."""
    try:
        cli.main(args=argv, prog_name="slr", standalone_mode=False)
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
    except KeyboardInterrupt:
        click.echo("slr: interrupted", err=True)
        return 130
    return exits.OK


if __name__ == "__main__":
    sys.exit(main())
