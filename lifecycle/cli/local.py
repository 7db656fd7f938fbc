"""The embedded local AWS from the command line: ``slr local-aws`` and ``slr demo``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    pass

from lifecycle.cli.base import (
    Failure,
    cli,
)


@cli.command("local-aws")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True)
@click.option(
    "--deletion-seconds",
    type=click.FloatRange(0),
    default=5.0,
    show_default=True,
    help="How long an emulated role-deletion task runs.",
)
@click.option(
    "--task-retention-seconds",
    type=click.FloatRange(0),
    help="How long IAM remembers a finished deletion task [default: 5.0].",
)
@click.option(
    "--task-visibility-seconds",
    type=click.FloatRange(0),
    help="How long a new deletion task is unknown to its status call [default: 1.0].",
)
@click.option(
    "--usage-lag-seconds",
    type=click.FloatRange(0),
    help="How long a dependent turned off still fails a deletion task [default: 3.0].",
)
@click.option(
    "--iam-consistency-seconds",
    type=click.FloatRange(0),
    help="How long a new role stays invisible, and a deleted one visible [default: 1.0].",
)
@click.option(
    "--opt-in-regions-disabled/--opt-in-regions-enabled",
    default=None,
    help="Whether opt-in regions start disabled in every account [default: disabled].",
)
@click.option(
    "--region-change-seconds",
    type=click.FloatRange(0),
    help="How long enabling or disabling an opt-in region takes [default: 3.0].",
)
@click.option(
    "--short-pages/--full-pages",
    default=None,
    help="Whether MediaTailor's lists answer short and empty pages [default: short].",
)
@click.option(
    "--list-omits-log-configuration",
    is_flag=True,
    default=None,
    help="List items of playback configurations carry no LogConfiguration.",
)
@click.option(
    "--credential-seconds",
    type=click.FloatRange(0),
    help="How long an assumed role's credentials last [default: 3600].",
)
def local_aws(port: int, deletion_seconds: float, **settings: Any) -> None:
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
    serve(port=port, deletion_seconds=deletion_seconds, **given)


# -- commands that talk to AWS ----------------------------------------------------------------


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
    from lifecycle.cli import main  # the entry point the demo types its commands into

    code = run_demo(main, output_dir)
    if code:
        raise click.exceptions.Exit(code)
