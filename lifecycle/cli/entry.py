"""The entry point: ``slr``'s arguments in, one line on stderr and an exit code out for every
expected failure."""

from __future__ import annotations

import gc
import os
import sys
from typing import NoReturn

import click

from lifecycle.cli import exits
from lifecycle.cli.base import cli
from lifecycle.errors import DefinitionError, Failure
from lifecycle.model.outcome import Outcome

__all__ = ["main", "run"]


def _arm_crash_point() -> None:
    """``SLR_CRASH_AT=before|after:Operation:N`` kills the process at that write boundary, to
    rehearse a crash (and to test resuming). Read here, at start, never at import."""
    spec = os.environ.get("SLR_CRASH_AT")
    if not spec:
        return
    from lifecycle.cli.crash import arm_crash_point

    try:
        arm_crash_point(spec)
    except ValueError as error:
        raise Failure(str(error), Outcome.USAGE) from None


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps every expected failure to one line on stderr and its exit code."""
    try:
        _arm_crash_point()
        # With standalone_mode off, click returns a command's Exit code instead of raising.
        code = cli.main(args=argv, prog_name="slr", standalone_mode=False)
    except Failure as failure:
        click.echo(f"slr: error: {failure.message}", err=True)
        return exits.code(failure.outcome)
    except click.UsageError as error:
        # One prefix for every failure: the exit code (64) tells a usage error apart.
        click.echo(f"slr: error: {error.format_message()}", err=True)
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
    except Exception as error:
        # An expected failure no command mapped itself (an unknown profile met opening the
        # state table): one line all the same.
        code = exits.expected(error)
        if code is None:
            raise
        click.echo(f"slr: error: {error}", err=True)
        return code
    except KeyboardInterrupt:
        click.echo("slr: interrupted", err=True)
        return 130
    return code if isinstance(code, int) else exits.OK


def run() -> NoReturn:
    """The ``slr`` command: :func:`main`, then exit without a last garbage collection.

    A finished run leaves boto3's clients and models behind, and collecting them at exit is a
    noticeable part of a command's time (docs/performance.md, row 1). Nothing is left to flush
    by then (logs, output and journal are written and closed by the command), so they are frozen
    and the process just ends.
    """
    code = main()
    gc.freeze()
    sys.exit(code)
