"""The shared state table (``--state dynamodb://TABLE``): ``slr state init`` and
``slr state migrate``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lifecycle.cli.base import Settings, cli
from lifecycle.errors import Failure
from lifecycle.model.outcome import Outcome

if TYPE_CHECKING:
    from lifecycle.journal.dynamodb.table import Table


@cli.group()
def state() -> None:
    """The shared state table (--state dynamodb://TABLE): create it, fill it."""


def _state_table(settings: Settings) -> Table:
    from lifecycle.errors import JournalError, StateUrlError
    from lifecycle.journal import table_of
    from lifecycle.journal.dynamodb.journal import connect_table

    try:
        shared = table_of(settings.state)
        if shared is None:
            raise Failure(
                "this command needs --state dynamodb://TABLE (or SLR_STATE)", Outcome.USAGE
            )
        return connect_table(
            shared[0],
            region=shared[1],
            profile=settings.profile,
            endpoint_url=settings.endpoint_url,
        )
    except StateUrlError as error:
        raise Failure(str(error), Outcome.USAGE) from None
    except JournalError as error:
        raise Failure(str(error)) from None


@state.command("init")
@click.pass_obj
def state_init(settings: Settings) -> None:
    """Create the state table: on-demand billing, server-side encryption (idempotent)."""
    from lifecycle.errors import JournalError
    from lifecycle.journal.dynamodb.journal import create_table

    table = _state_table(settings)
    try:
        created = create_table(table)
    except JournalError as error:
        raise Failure(str(error)) from None
    if settings.output == "json":
        _print_document("state init", table, created=created)
        return
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
    from lifecycle.errors import JournalError
    from lifecycle.journal.dynamodb.journal import DynamoJournal
    from lifecycle.journal.dynamodb.migrate import migrate
    from lifecycle.journal.dynamodb.table import describe

    table = _state_table(settings)  # a usage error before anything is opened
    journal_file = source / "journal.sqlite3" if source.is_dir() else source
    if not journal_file.is_file():
        raise Failure(f"no journal at {journal_file}", Outcome.USAGE)
    try:
        describe(table)
        journal = DynamoJournal(table)
        try:
            counts = migrate(journal_file, journal)
        finally:
            journal.close()
    except JournalError as error:
        raise Failure(str(error)) from None
    if settings.output == "json":
        _print_document("state migrate", table, source=str(journal_file), copied=counts)
        return
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()) + " copied")


def _print_document(command: str, table: Table, **fields: Any) -> None:
    from lifecycle.cli.ending import print_json
    from lifecycle.model.results import SCHEMA_VERSION

    print_json(
        {
            "schema_version": SCHEMA_VERSION,
            "command": command,
            "table": table.name,
            "region": table.region,
            **fields,
        }
    )
