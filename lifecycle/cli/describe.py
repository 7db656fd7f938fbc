"""Commands that describe the workflow without changing AWS: the workflows, the diagram, the
IAM policy."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lifecycle.errors import GraphvizMissing
from lifecycle.model.outcome import Outcome

if TYPE_CHECKING:
    from lifecycle.model.observation import Observation
    from lifecycle.model.workflow import Workflow
    from lifecycle.views.diagrams import Diagram, Highlight

from lifecycle.cli.base import Settings, cli, journal_of, one_line_errors, runner_of, workflow_of
from lifecycle.cli.ending import emit
from lifecycle.cli.options import target_of
from lifecycle.errors import Failure


@cli.command("workflows")
@click.pass_obj
def list_workflows(settings: Settings) -> None:
    """List the known workflows: each with its role, its settings and where it came from
    (the package that registered it under the ``slr_lifecycle.workflows`` entry points)."""
    import json

    from lifecycle.registry import registered

    rows: list[dict[str, Any]] = []
    for entry in registered().values():
        w = entry.workflow
        rows.append(
            {
                "name": entry.name,
                "role": w.role_name if w else None,
                "principal": w.principal if w else None,
                "title": w.title if w else None,
                "kinds": [k.name for k in w.kinds] if w else [],
                "by_hand": [k.name for k in w.kinds if k.person_only] if w else [],
                "settings": [
                    {"name": o.name, "default": o.default, "help": o.help} for o in w.options
                ]
                if w
                else [],
                "package": entry.package,
                "source": entry.value,
                "error": entry.error,
            }
        )
    if settings.output == "json":
        from lifecycle.model.results import SCHEMA_VERSION

        click.echo(json.dumps({"schema_version": SCHEMA_VERSION, "workflows": rows}, indent=2))
        return
    for row in rows:
        if row["error"]:
            click.echo(f"{row['name']:<14}does not load: {row['error']} ({row['package']})")
            continue
        click.echo(f"{row['name']:<14}{row['role']:<34}{row['principal']:<30}from {row['package']}")
        for option in row["settings"]:
            click.echo(f"{'':<14}--set {option['name']}=... {option['help']}")


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dot", "mermaid", "markdown", "svg", "png", "all"]),
    default="dot",
    show_default=True,
    help="all: write .dot, .mmd, .md and .svg into the folder -o names (required).",
)
@click.option(
    "--state",
    "state",
    default=None,
    help="Mark this state (offline; --highlight observes it instead).",
)
@click.option(
    "--target",
    default=None,
    help="Mark the shortest path to this from --state (or, with --highlight, the observed one).",
)
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
@click.option(
    "--run",
    "run_id",
    default=None,
    help="Mark the path this journaled run took (not with --highlight).",
)
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
    from lifecycle.views import diagrams

    # Refused before anything is read or written: each would otherwise do what was not asked.
    if fmt == "all" and out is None:
        raise Failure(
            "--format all writes several files: name their folder with -o DIR", Outcome.USAGE
        )
    if target and not (state or highlight_observed):
        raise Failure(
            "--target needs where the path starts: --state STATE, or --highlight to observe it",
            Outcome.USAGE,
        )
    if run_id and highlight_observed:
        raise Failure(
            "--run marks the path a run took; --highlight marks the observed state: choose one",
            Outcome.USAGE,
        )
    workflow = workflow_of(settings, template=not highlight_observed)
    highlight = None
    if run_id:
        highlight = _run_highlight(settings, run_id)
    elif highlight_observed:
        runner = runner_of(settings)
        with one_line_errors():
            _, world, observed = runner.status()
        highlight = _offline_highlight(workflow, observed, target, world)
    else:
        if state:
            highlight = _offline_highlight(workflow, state, target)
    model = diagrams.extract(workflow, highlight)
    if fmt == "all":
        assert out is not None  # refused above
        _write_all(model, out)
        return
    try:
        data = diagrams.render(model, fmt)
    except GraphvizMissing as error:
        raise Failure(str(error)) from None
    emit(data, out)


def _write_all(model: Diagram, folder: Path) -> None:
    from lifecycle.views import diagrams

    folder.mkdir(parents=True, exist_ok=True)
    for fmt in diagrams.COMMITTED_FORMATS:
        path = folder / f"{model.name}.{diagrams.SUFFIXES[fmt]}"
        try:
            emit(diagrams.render(model, fmt), path)
        except GraphvizMissing as error:
            click.echo(f"slr: warning: {path} not written: {error}", err=True)
            continue
        click.echo(str(path))


def _offline_highlight(
    workflow: Workflow, state: str, target: str | None, world: Observation | None = None
) -> Highlight:
    from lifecycle.model.decide import PlanOptions, path_to
    from lifecycle.model.observation import Observation
    from lifecycle.views.diagrams import Highlight

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
            path = path_to(workflow, world, target_of(target), PlanOptions()) if target else ()
    except KeyError as error:
        raise Failure(str(error.args[0]), Outcome.USAGE) from None
    if path is None:
        why = definition.why_unreachable(start, definition.state(target or "").id)
        raise Failure(f"{target} cannot be reached from {state}: {why}", Outcome.USAGE)
    return Highlight(start, tuple(t.trigger for t in path))


def _run_highlight(settings: Settings, run_id: str) -> Highlight | None:
    from lifecycle.errors import JournalError
    from lifecycle.views.review.page import run_highlight

    try:
        steps = journal_of(settings).steps(run_id)
    except JournalError as error:
        raise Failure(str(error)) from None
    if not steps:
        raise Failure(f"no run {run_id!r} in the journal", Outcome.USAGE)
    return run_highlight(steps)


@cli.command()
@click.option(
    "--scope",
    type=click.Choice(
        ["provision", "decommission", "state", "fleet", "inventory", "inventory-scan", "all"]
    ),
    default="all",
    show_default=True,
    help="state: the shared state table of --state dynamodb://TABLE; fleet: the management "
    "account's (listing the organization, assuming the role) next to each member's (all); "
    "inventory: `slr inventory`'s (inventory-scan: with --scan, every workflow's status).",
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
    from lifecycle.errors import StateUrlError
    from lifecycle.journal import table_of
    from lifecycle.model.options import partition_of
    from lifecycle.views.policy import policy_document, state_policy_document

    try:
        shared = table_of(settings.state)
    except StateUrlError as error:
        raise Failure(str(error), Outcome.USAGE) from None
    if scope == "state":
        if shared is None:
            raise Failure("--scope state needs --state dynamodb://TABLE", Outcome.USAGE)
        click.echo(json.dumps(state_policy_document(*shared), indent=2))
        return
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
    if scope.startswith("inventory"):
        from lifecycle import registry
        from lifecycle.views.policy import inventory_policy_document

        scanned = [w for w in registry.workflows().values() if w.dependents_known]
        document = inventory_policy_document(
            scanned if scope == "inventory-scan" else (),
            partition=partition or partition_of(region),
        )
        click.echo(json.dumps(document, indent=2))
        return
    if scope == "fleet":
        click.echo(json.dumps(_fleet_policy(settings, partition or partition_of(region)), indent=2))
        return
    document = policy_document(
        workflow_of(settings),
        scope,
        cross_account=settings.assume_role,
        partition=partition or partition_of(region),
    )
    if shared is not None:
        # A runner with shared state writes its journal there, whatever the scope it runs.
        document["Statement"] += state_policy_document(*shared)["Statement"]
    click.echo(json.dumps(document, indent=2))


def _fleet_policy(settings: Settings, partition: str) -> dict[str, Any]:
    from lifecycle.errors import SelectionError
    from lifecycle.fleet.accounts import FLEET_OPERATIONS, role_arn_template
    from lifecycle.views.policy import fleet_policy_document

    options = settings.fleet
    try:
        template = role_arn_template(
            options.role_name if options else None, settings.assume_role, partition
        )
    except SelectionError as error:
        raise Failure(str(error), Outcome.USAGE) from None
    return fleet_policy_document(workflow_of(settings), template, FLEET_OPERATIONS, "all")
