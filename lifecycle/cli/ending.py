"""How a command ends: its document printed (text or JSON) and its exit code, a write
confirmed first."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lifecycle.cli import exits
from lifecycle.cli.base import Settings
from lifecycle.errors import Failure
from lifecycle.model.outcome import Outcome

if TYPE_CHECKING:
    from lifecycle.fleet.results import FleetResult
    from lifecycle.model.results import RunResult

__all__ = ["confirm_apply", "emit", "finish", "print_json"]


def emit(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as error:
        raise Failure(f"cannot write {out}: {error.strerror}") from None


def print_json(document: dict[str, Any]) -> None:
    click.echo(json.dumps(document, indent=2, default=str))


def confirm_apply(settings: Settings, target: str, where: str) -> None:
    """``apply`` changes AWS: on a terminal it asks first; without a terminal it needs --yes
    (the caller checks ``--yes`` and ``--dry-run`` before)."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise Failure(
            "apply changes AWS: pass --yes to confirm (no terminal to ask on)", Outcome.USAGE
        )
    if not click.confirm(f"Walk {settings.workflow} to {target} {where}?", err=True):
        raise Failure("not confirmed; nothing changed", Outcome.ERROR)


def finish(
    settings: Settings,
    result: RunResult | FleetResult,
    text: Callable[[dict[str, Any]], str] | None = None,
) -> None:
    """Print ``result`` (as JSON, or as ``text`` makes it: a run's by default) and exit
    with its code."""
    from lifecycle.views import text as views

    document = result.as_dict(exits.CODES)
    if settings.output == "json":
        print_json(document)
    else:
        click.echo((text or views.run_text)(document), nl=False)
    code = exits.code(result.outcome)
    if code != exits.OK:
        raise click.exceptions.Exit(code)
