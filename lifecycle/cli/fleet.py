"""The run commands on a fleet (``--accounts``): status, plan, apply and history, one
``Runner`` per account (see :mod:`lifecycle.fleet`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lifecycle.cli import exits
from lifecycle.cli.base import Settings, config_of, configured, journal_of, one_line_errors
from lifecycle.cli.ending import confirm_apply, emit, finish, print_json
from lifecycle.errors import Failure
from lifecycle.model.outcome import Outcome

if TYPE_CHECKING:
    from lifecycle.engine.runner import Runner
    from lifecycle.fleet import FleetResult, FleetRunner
    from lifecycle.model.decide import PlanOptions

__all__ = ["fleet_apply", "fleet_history", "fleet_plan", "fleet_status"]


def _fleet(settings: Settings) -> tuple[FleetRunner, list[str]]:
    """The fleet runner and the accounts ``--accounts`` names (the organization listed)."""
    from lifecycle.aws.gateway import Gateway
    from lifecycle.aws.retry import Deadline
    from lifecycle.aws.sessions import make_session
    from lifecycle.errors import SelectionError
    from lifecycle.fleet import (
        FLEET_OPERATIONS,
        FleetConfig,
        FleetProgress,
        FleetRunner,
        Sessions,
        organization_accounts,
        parse_accounts,
        role_arn_template,
    )
    from lifecycle.model.options import partition_of

    options = settings.fleet
    assert options is not None
    workflow = configured(settings)
    config = config_of(settings, workflow)
    with one_line_errors():
        base = make_session(profile=settings.profile, region=config.home_region)
        home = config.home_region or base.region_name or "us-east-1"
        try:
            selection = parse_accounts(options.accounts)
            template = role_arn_template(
                options.role_name, settings.assume_role, partition_of(home)
            )
        except SelectionError as error:
            raise Failure(str(error), Outcome.USAGE) from None
        management = Gateway(
            base,
            declared=FLEET_OPERATIONS,
            read_only=FLEET_OPERATIONS,
            endpoint_url=settings.endpoint_url,
            deadline=Deadline(config.deadline_seconds),
        )
        accounts = organization_accounts(management, selection, home)
        if not accounts:
            raise Failure(f"--accounts {selection}: no ACTIVE account there")
        sessions = Sessions(management, template, home=home, external_id=settings.external_id)
    fleet = FleetConfig(
        max_concurrent_accounts=options.max_concurrent_accounts,
        failure_tolerance=options.failure_tolerance,
        fleet_run=options.fleet_run,
    )
    journal = journal_of(settings)
    return FleetRunner(
        workflow, journal, config, fleet, sessions, codes=exits.CODES, progress=FleetProgress()
    ), accounts


def _key(settings: Settings, command: str, **more: Any) -> dict[str, Any]:
    """What makes two fleet commands the same (their runners split one fleet run)."""
    options = settings.fleet
    assert options is not None
    return {
        "workflow": settings.workflow,
        "command": command,
        "regions": settings.regions,
        "role": options.role_name or settings.assume_role,
        **more,
    }


def _finish(settings: Settings, result: FleetResult) -> None:
    from lifecycle.fleet import fleet_text

    finish(settings, result, fleet_text)


def fleet_status(settings: Settings) -> None:
    from lifecycle.views.text import status_document

    def work(runner: Runner, _: str) -> tuple[Outcome, dict[str, Any]]:
        account, world, state = runner.status()
        return Outcome.DONE, status_document(runner, account, world, state)

    fleet, accounts = _fleet(settings)
    _finish(settings, fleet.run("status", accounts, work, _key(settings, "status")))


def fleet_plan(
    settings: Settings,
    target: str,
    options: PlanOptions,
    saved_options: dict[str, Any],
    out: Path | None,
    fmt: str | None,
) -> None:
    """A plan per account; ``-o plan.json`` saves them as one fleet plan, ``apply`` checks
    each account against its own."""
    from lifecycle.cli import planfiles

    def work(runner: Runner, _: str) -> tuple[Outcome, dict[str, Any]]:
        result = runner.plan(target, options)
        return result.outcome, planfiles.document(result, saved_options, exits.CODES)

    fleet, accounts = _fleet(settings)
    key = _key(settings, "plan", target=target, options=saved_options)
    result = fleet.run("plan", accounts, work, key)
    if fmt is None:
        _finish(settings, result)
        return
    from lifecycle.views.review import plan_comment

    document = result.as_dict(exits.CODES) | {"target": target, "options": saved_options}
    if fmt == "json":
        data = json.dumps(document, indent=2, default=str) + "\n"
    else:
        planned = [item for item in document["accounts"] if "steps" in item]
        data = str(plan_comment(fleet.workflow, planned))
    emit(data.encode(), out)
    if out is not None:
        _finish(settings, result)
    elif (code := exits.code(result.outcome)) != exits.OK:
        raise click.exceptions.Exit(code)


def fleet_apply(
    settings: Settings,
    target: str,
    options: PlanOptions,
    *,
    dry_run: bool,
    step: bool,
    yes: bool,
    saved: dict[str, Any] | None,
) -> None:
    """Apply in every account; with a saved fleet plan, each account only if its own plan
    still holds (an account the plan does not have is refused as stale)."""
    from dataclasses import replace

    from lifecycle.cli.base import FleetOptions
    from lifecycle.cli.options import target_of
    from lifecycle.errors import StalePlan

    planned: dict[str, dict[str, Any]] | None = None
    if saved is not None:
        if "accounts" not in saved:
            raise Failure(
                "this plan is for one account; make a fleet plan with --accounts", Outcome.USAGE
            )
        planned = {item["account"]: item for item in saved["accounts"] if "fingerprints" in item}
        if settings.fleet is None:
            settings = replace(settings, fleet=FleetOptions(",".join(planned) or "-"))
    fleet, accounts = _fleet(settings)
    if not dry_run and not yes:
        confirm_apply(settings, target, f"in {len(accounts)} accounts")
    goal = target_of(target)

    def work(runner: Runner, account: str) -> tuple[Outcome, dict[str, Any]]:
        plan = None
        if planned is not None:
            plan = planned.get(account)
            if plan is None:
                raise StalePlan(f"plan is stale: account {account} is not in it; plan again")
        result = runner.apply(goal, options, dry_run=dry_run, step=step, plan=plan)
        return result.outcome, result.as_dict(exits.CODES)

    key = _key(
        settings,
        "apply",
        target=goal,
        dry_run=dry_run,
        step=step,
        plan=saved.get("fleet_run") if saved else None,
    )
    _finish(settings, fleet.run("apply", accounts, work, key))


def fleet_history(settings: Settings, limit: int) -> None:
    """The journal's runs, account by account (no AWS call but the organization's listing)."""
    from lifecycle.errors import JournalError
    from lifecycle.model.results import SCHEMA_VERSION
    from lifecycle.views import text

    fleet, accounts = _fleet(settings)
    role = fleet.workflow.role_name
    try:
        runs = {a: fleet.journal.runs(limit, account=a, role=role) for a in accounts}
    except JournalError as error:
        raise Failure(str(error)) from None
    if settings.output == "json":
        items = [{"account": a, "runs": r, "error": None} for a, r in runs.items()]
        print_json(
            {
                "schema_version": SCHEMA_VERSION,
                "command": "history",
                "accounts": items,
                "summary": {"accounts": len(items)},
            }
        )
        return
    for account, account_runs in runs.items():
        click.echo(f"account {account}")
        click.echo(text.history_text(account_runs, None), nl=False)
    click.echo(f"fleet history: {len(runs)} accounts")
