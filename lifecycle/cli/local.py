"""The embedded local AWS from the command line: ``slr local-aws`` and ``slr demo``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from lifecycle.cli.base import Settings, cli
from lifecycle.errors import Failure

#: The local AWS's switches by the words their users know them by (else ``--no-NAME``).
_OFF = {"opt_in_regions_disabled": "--opt-in-regions-enabled", "short_pages": "--full-pages"}
#: Where ``slr local-aws`` starts otherwise than the local AWS's own defaults: a person
#: watching a deletion sees each of its states.
_STARTS_WITH = {"deletion_seconds": 5.0}


def _setting_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """One option per setting of the local AWS, made from its fields: a new setting is an
    option here without a line more."""
    from localaws.settings import Settings, option_name

    defaults = Settings().to_dict()
    for name in reversed(Settings.names()):
        default = _STARTS_WITH.get(name, defaults[name])
        if Settings.is_flag(name):
            off = _OFF.get(name, option_name(name, negated=True))
            option = click.option(
                f"{option_name(name)}/{off}",
                name,
                default=None,
                help=f"On: {Settings.help(name)} [default: {'on' if default else 'off'}].",
            )
        else:
            option = click.option(
                option_name(name),
                name,
                type=click.FloatRange(0),
                default=_STARTS_WITH.get(name),
                help=f"{Settings.help(name)} [default: {default:g}].",
            )
        command = option(command)
    return command


@cli.command("local-aws")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True)
@_setting_options
def local_aws(port: int, **settings: Any) -> None:
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
    serve(port=port, **given)


# -- commands that talk to AWS ----------------------------------------------------------------


@cli.command()
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Where the plan and the diagrams of the path taken are written.",
)
@click.option(
    "--workflow",
    "name",
    default=None,
    help="The workflow to show (default: the global --workflow; see `slr workflows`).",
)
@click.pass_obj
def demo(settings: Settings, output_dir: Path, name: str | None) -> None:
    """The main job on the embedded local AWS: a realistic account, then status, plan, a
    step-by-step dry run, apply, and the diagram of the path taken."""
    try:
        from lifecycle.cli.demo import run_demo
    except ImportError as error:
        raise Failure(
            f"the demo needs the 'local' extra: pip install 'slr-lifecycle[local]' ({error})"
        ) from None
    from lifecycle.cli.base import workflow_of
    from lifecycle.cli.entry import main  # the entry point the demo types its commands into

    if name is not None:
        settings = dataclasses.replace(settings, workflow=name)
    code = run_demo(main, workflow_of(settings), output_dir)
    if code:
        raise click.exceptions.Exit(code)
