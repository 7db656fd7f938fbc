"""Commands that observe and change AWS: status, plan, apply, and the journal's history."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lifecycle.cli import exits
from lifecycle.errors import GraphvizMissing, PlanFileError
from lifecycle.model.outcome import Outcome

if TYPE_CHECKING:
    from lifecycle.model.decide import PlanOptions

from lifecycle.cli.base import Settings, cli, journal_of, one_line_errors, runner_of
from lifecycle.cli.ending import confirm_apply, emit, finish, print_json
from lifecycle.cli.options import (
    TARGETS,
    options_of,
    settings_given,
    target_of,
    with_activation,
)
from lifecycle.errors import Failure


@cli.command()
@click.pass_obj
def status(settings: Settings) -> None:
    """Observe and print the state, the role, and every dependent per region."""
    from lifecycle.views import text

    if settings.fleet:
        from lifecycle.cli.fleet import fleet_status

        fleet_status(settings)
        return

    runner = runner_of(settings)
    with one_line_errors():
        account, world, state = runner.status()
    document = text.status_document(runner, account, world, state)
    if settings.output == "json":
        print_json(document)
    else:
        click.echo(text.status_text(document, world), nl=False)


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
@with_activation
@click.pass_obj
def plan(
    settings: Settings,
    target: str,
    out: Path | None,
    fmt: str | None,
    activate: tuple[str, ...],
    sets: tuple[str, ...],
    description: str | None,
    accept_unknown_dependents: bool,
) -> None:
    """Dry run of the whole way: transitions and the exact AWS calls each would make.

    Exits 2 when changes are pending, 0 when the world is already at the target.
    --format markdown: the plan as a pull-request comment."""
    options = options_of(
        settings,
        activate,
        settings_given(sets),
        description,
        accept_unknown_dependents=accept_unknown_dependents,
    )
    if out is not None and fmt is None:
        fmt = "markdown" if out.suffix.lower() in (".md", ".markdown") else "json"
    if settings.fleet:
        from lifecycle.cli.fleet import fleet_plan

        fleet_plan(settings, target_of(target), options, _options_dict(options), out, fmt)
        return
    runner = runner_of(settings)
    with one_line_errors():
        result = runner.plan(target_of(target), options)
    if fmt is None:
        finish(settings, result)
        return
    from lifecycle.cli import planfiles
    from lifecycle.views.review import plan_comment

    document = planfiles.document(result, _options_dict(options), exits.CODES)
    if fmt == "json":
        data = json.dumps(document, indent=2, default=str) + "\n"
    else:
        data = str(plan_comment(runner.workflow, [document]))
    emit(data.encode(), out)
    if out is not None:
        finish(settings, result)
    elif (code := exits.code(result.outcome)) != exits.OK:
        raise click.exceptions.Exit(code)


def _options_dict(options: PlanOptions) -> dict[str, Any]:
    activation = options.activation
    return {
        "activate": [f"{r}/{n}" for r, n in activation.targets] if activation else [],
        "settings": dict(activation.options) if activation else {},
        "description": options.description,
    }


def _load_plan(path: Path) -> dict[str, Any]:
    from lifecycle.cli import planfiles

    try:
        return planfiles.load(path)
    except PlanFileError as error:
        raise Failure(str(error), Outcome.USAGE) from None


@cli.command()
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--target", default=None, help=f"One of: {', '.join(TARGETS)} (or give PLAN).")
@click.option("--dry-run", is_flag=True, help="Write nothing: simulate the world instead.")
@click.option("--step", is_flag=True, help="Run one transition and stop (exit 2 if more left).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (non-interactive use).")
@with_activation
@click.pass_obj
def apply(
    settings: Settings,
    plan_file: Path | None,
    target: str | None,
    dry_run: bool,
    step: bool,
    yes: bool,
    activate: tuple[str, ...],
    sets: tuple[str, ...],
    description: str | None,
    accept_unknown_dependents: bool,
) -> None:
    """Walk to the target; with PLAN, only if that plan still holds."""
    saved = _load_plan(plan_file) if plan_file else None
    if saved is not None:
        if target and target != saved["target"]:
            raise Failure(
                f"--target {target} contradicts the plan's {saved['target']}", Outcome.USAGE
            )
        if saved["workflow"] != settings.workflow:
            raise Failure(f"plan is for workflow {saved['workflow']!r}", Outcome.USAGE)
        target = saved["target"]
        settings = _with_plan_regions(settings, saved)
        opts = saved["options"]
        activate, description = tuple(opts.get("activate", ())), opts.get("description")
        # The workflow's settings, kept opaquely (a plan before them kept them beside these).
        given = (
            opts["settings"]
            if "settings" in opts
            else {k: v for k, v in opts.items() if k not in ("activate", "description")}
        )
    else:
        given = settings_given(sets)
    if target is None:
        raise Failure("apply needs --target STATE or a PLAN file", Outcome.USAGE)
    options = options_of(
        settings, activate, given, description, accept_unknown_dependents=accept_unknown_dependents
    )
    if settings.fleet or (saved and "accounts" in saved):
        from lifecycle.cli.fleet import fleet_apply

        fleet_apply(settings, target, options, dry_run=dry_run, step=step, yes=yes, saved=saved)
        return
    if not dry_run and not yes:
        confirm_apply(settings, target, "in this account")
    from lifecycle.views.text import Progress

    progress = Progress()
    runner = runner_of(settings, progress)
    try:
        with one_line_errors():
            result = runner.apply(
                target_of(target), options, dry_run=dry_run, step=step, plan=saved
            )
    finally:
        progress.done()
    finish(settings, result)


def _with_plan_regions(settings: Settings, saved: dict[str, Any]) -> Settings:
    """A plan made with ``--regions`` is applied to those regions; another ``--regions``
    contradicts it."""
    regions = saved.get("regions") or []
    if not saved.get("regions_left_out"):
        return settings  # made over every region
    if settings.regions == "all":
        return dataclasses.replace(settings, regions=",".join(regions))
    asked = [r.strip() for r in settings.regions.split(",") if r.strip()]
    if asked != regions:
        raise Failure(
            f"--regions {settings.regions} contradicts the plan's {','.join(regions)}",
            Outcome.USAGE,
        )
    return settings


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
            raise Failure("--format html and -o need --run RUN_ID", Outcome.USAGE)
        emit(_run_page(settings, run_id).encode(), out)
        return
    from lifecycle.errors import JournalError
    from lifecycle.model.results import SCHEMA_VERSION
    from lifecycle.views import text

    if settings.fleet and not run_id:
        from lifecycle.cli.fleet import fleet_history

        fleet_history(settings, limit)
        return
    journal = journal_of(settings)
    try:
        runs = journal.runs(limit)
        steps = journal.steps(run_id) if run_id else None
    except JournalError as error:
        raise Failure(str(error)) from None
    if run_id and not steps and not any(r["run_id"] == run_id for r in journal.runs(1000)):
        raise Failure(f"no run {run_id!r} in the journal", Outcome.USAGE)
    if settings.output == "json":
        print_json(
            {"schema_version": SCHEMA_VERSION, "command": "history", "runs": runs}
            | ({"steps": steps} if steps is not None else {})
        )
    else:
        click.echo(text.history_text(runs, steps), nl=False)


def _run_page(settings: Settings, run_id: str) -> str:
    from lifecycle import registry
    from lifecycle.errors import JournalError
    from lifecycle.views import diagrams
    from lifecycle.views.review import run_page
    from lifecycle.views.review.page import run_highlight

    try:
        journal = journal_of(settings)
        run = next((r for r in journal.runs(1000) if r["run_id"] == run_id), None)
        if run is None:
            raise Failure(f"no run {run_id!r} in the journal", Outcome.USAGE)
        steps = journal.steps(run_id)
        memory = journal.memory(run["account"], run["role"])
    except JournalError as error:
        raise Failure(str(error)) from None
    workflow = registry.get(run["workflow"])
    highlight = run_highlight(steps)
    try:
        svg = diagrams.to_image(diagrams.extract(workflow, highlight), "svg").decode()
    except GraphvizMissing:
        svg = None  # the page says so and shows a table instead
    return str(run_page(workflow, run, steps, memory, svg if highlight else None))
