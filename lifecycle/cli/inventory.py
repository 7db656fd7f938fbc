"""``slr inventory``: every service-linked role of an account (or of each account of a fleet),
with its last use, the workflow that knows it, and, with ``--scan``, its lifecycle state."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import click

from lifecycle.cli import exits
from lifecycle.cli.base import Settings, cli, config_of, journal_of, one_line_errors
from lifecycle.cli.ending import emit, print_json
from lifecycle.errors import Failure
from lifecycle.model.inventory import TRACKED_DAYS, Entry, Known
from lifecycle.model.outcome import Outcome

if TYPE_CHECKING:
    from lifecycle.aws.calls import CallPool
    from lifecycle.engine.config import RunnerConfig
    from lifecycle.journal import Journal
    from lifecycle.log import Format

__all__ = ["inventory"]


def known(principal: str) -> Known | None:
    """What the registered workflows know of ``principal``'s role (the registry's word)."""
    from lifecycle import registry

    workflow = registry.knowing(principal)
    runs = workflow or registry.any_service()
    if runs is None:
        return None
    return Known(
        workflow=workflow.name if workflow else None,
        lifecycle=runs.name,
        knows_dependents=workflow is not None and workflow.dependents_known,
        drains=workflow is not None and any(not k.person_only for k in workflow.kinds),
    )


def account_inventory(
    session: Any,
    config: RunnerConfig,
    journal: Journal | None,
    *,
    now: datetime,
    days: int,
    scan: bool,
    account: str | None = None,
    pool: CallPool | None = None,
) -> list[Entry]:
    """One account's roles as entries; with ``scan``, each known role's state, each
    workflow's runner observing in that account with ``journal`` (``pool``: a fleet's)."""
    from lifecycle import registry
    from lifecycle.engine.inventory import inventory_gateway, read_service_roles
    from lifecycle.engine.inventory import scan as scanned
    from lifecycle.engine.runner import Runner
    from lifecycle.model.inventory import entries

    aws = inventory_gateway(session, config, pool=pool)
    home = config.home_region or session.region_name or "us-east-1"
    found = entries(read_service_roles(aws, home), now, days, known, account)
    if not scan or journal is None:
        return found
    loaded = registry.workflows()
    runners = {
        name: Runner(loaded[name], journal, config, session=session, pool=pool)
        for name in {e.workflow for e in found if e.workflow}
        if name in loaded and loaded[name].dependents_known
    }
    return scanned(found, runners, pool=pool)


@cli.command()
@click.option(
    "--unused-days",
    type=click.IntRange(1, TRACKED_DAYS),
    default=90,
    show_default=True,
    help=f"A role unused this long is a candidate (IAM tracks {TRACKED_DAYS} days).",
)
@click.option(
    "--scan",
    is_flag=True,
    help="Also observe each role a workflow knows: its lifecycle state and active dependents.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "csv"]),
    default=None,
    help="markdown: a table for a ticket or a pull request; csv: one row per role "
    "(default: text, or the JSON document with --output json).",
)
@click.pass_obj
def inventory(settings: Settings, unused_days: int, scan: bool, fmt: str | None) -> None:
    """Every service-linked role: its service, creation, last use (date and region, never,
    or not within 400 days), whether it went unused, and the workflow that knows it."""
    from lifecycle.log import configure

    if fmt is not None and settings.output == "json":
        raise Failure("--format and --output json: choose one", Outcome.USAGE)
    configure(cast("Format", settings.log_format), level=settings.log_level)
    now = datetime.now(UTC)
    if settings.fleet:
        found, accounts, failed, outcome = _fleet(settings, now, unused_days, scan)
    else:
        found, accounts, failed, outcome = _one(settings, now, unused_days, scan), [], {}, None
    _print(settings, fmt, found, unused_days, now, scan, accounts, failed)
    if outcome is not None and (code := exits.code(outcome)) != exits.OK:
        raise click.exceptions.Exit(code)


def _one(settings: Settings, now: datetime, days: int, scan: bool) -> list[Entry]:
    from lifecycle import registry
    from lifecycle.aws.sessions import make_session

    config = config_of(settings, registry.get(registry.default()))
    with one_line_errors():
        session = make_session(
            profile=settings.profile,
            region=config.home_region,
            assume_role_arn=config.assume_role_arn,
            external_id=settings.external_id,
            endpoint_url=settings.endpoint_url,
        )
        journal = journal_of(settings) if scan else None  # only a scan reads intent
        return account_inventory(session, config, journal, now=now, days=days, scan=scan)


def _fleet(
    settings: Settings, now: datetime, days: int, scan: bool
) -> tuple[list[Entry], list[dict[str, Any]], dict[str, str], Outcome]:
    """Each account's inventory on the fleet's one bounded pool."""
    from lifecycle.cli.fleet import _fleet as fleet_of
    from lifecycle.cli.fleet import _key
    from lifecycle.engine.runner import Runner
    from lifecycle.fleet import Outcome as AccountOutcome

    fleet, accounts = fleet_of(settings)
    found: dict[str, list[Entry]] = {}
    lock = threading.Lock()

    def work(runner: Runner, account: str) -> tuple[Outcome, dict[str, Any]]:
        entries = account_inventory(
            runner.session,
            runner.config,
            fleet.journal,
            now=now,
            days=days,
            scan=scan,
            account=account,
            pool=runner.pool,
        )
        with lock:
            found[account] = entries
        return Outcome.DONE, {"roles": len(entries)}

    key = _key(settings, "inventory", unused_days=days, scan=scan, at=now.isoformat())
    result = fleet.run("inventory", accounts, work, key)
    failed = {
        r.account: r.error or str(r.outcome)
        for r in result.accounts
        if r.outcome in (AccountOutcome.FAILED, AccountOutcome.NOT_STARTED)
    }
    listed = [
        {"account": r.account, "outcome": str(r.outcome), "error": r.error} for r in result.accounts
    ]
    every = [entry for account in accounts for entry in found.get(account, [])]
    return every, listed, failed, result.outcome


def _print(
    settings: Settings,
    fmt: str | None,
    found: list[Entry],
    days: int,
    now: datetime,
    scan: bool,
    accounts: list[dict[str, Any]],
    failed: dict[str, str],
) -> None:
    from lifecycle.views import inventory as views

    if settings.output == "json":
        print_json(
            views.inventory_document(
                found, days, now, scanned=scan, accounts=accounts, failed=failed
            )
        )
    elif fmt == "markdown":
        emit(views.inventory_markdown(found, days, scanned=scan, failed=failed).encode(), None)
    elif fmt == "csv":
        emit(views.inventory_csv(found, scanned=scan).encode(), None)
    else:
        click.echo(views.inventory_text(found, days, scanned=scan, failed=failed), nl=False)
