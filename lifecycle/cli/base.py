"""The command group, its global options, and what every command shares: the settings,
one-line failures, the journal, the runner, the way results are printed."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

import click

from lifecycle.errors import DefinitionError, Failure, LifecycleError
from lifecycle.model.outcome import Outcome

if TYPE_CHECKING:
    from lifecycle.engine.config import RunnerConfig
    from lifecycle.engine.runner import Runner
    from lifecycle.journal import Journal
    from lifecycle.log import Format
    from lifecycle.model.workflow import Workflow

__all__ = [
    "FleetOptions",
    "Settings",
    "cli",
    "config_of",
    "configured",
    "journal_of",
    "one_line_errors",
    "runner_of",
    "workflow_of",
]


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
    log_level: int = 20
    assume_role: str | None = None
    external_id: str | None = None
    #: Where the journal and the lease live: a directory, sqlite:///PATH or dynamodb://TABLE.
    state: str | None = None
    #: A fleet: ``--accounts`` and its options (see :mod:`lifecycle.cli.fleet`).
    fleet: FleetOptions | None = None
    #: ``--deletion-patience``: seconds a deletion failing while nothing is active is retried.
    deletion_patience: float | None = None
    #: ``--service-name``: the service (principal or role name) of a workflow of any service's.
    service_name: str | None = None
    #: ``--custom-suffix``: the role's ``CustomSuffix`` (with ``--service-name``).
    custom_suffix: str | None = None


@dataclass(frozen=True)
class FleetOptions:
    """The options of a fleet command, as given."""

    accounts: str
    role_name: str | None = None
    max_concurrent_accounts: int = 8
    failure_tolerance: int | None = None
    fleet_run: str | None = None


def _default_workflow() -> str:
    from lifecycle.registry import default

    return default()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--workflow",
    default=_default_workflow,
    show_default="the built-in default, or SLR_WORKFLOW",
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
    help="Old spelling of --state DIR.",
)
@click.option(
    "--state",
    "state",
    envvar="SLR_STATE",
    metavar="URL",
    default=None,
    help="Where the journal and the lease live: a directory, sqlite:///PATH or "
    "dynamodb://TABLE[?region=R] (default: $XDG_STATE_HOME/slr-lifecycle).",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="Least severe log event shown.",
)
@click.option(
    "--assume-role",
    metavar="ROLE_ARN",
    default=None,
    help="Work in another account through STS AssumeRole.",
)
@click.option("--external-id", default=None, help="External id for --assume-role.")
@click.option(
    "--deletion-patience",
    type=click.FloatRange(0),
    envvar="SLR_DELETION_PATIENCE",
    default=None,
    metavar="SECONDS",
    help="How long a deletion that IAM fails while nothing is active any more is tried "
    "again before exit 4 (default: the workflow's, 600 for the built-in ones).",
)
@click.option(
    "--accounts",
    metavar="IDS|org|org:OU",
    default=None,
    help="A fleet: account ids (comma-separated), org (every ACTIVE account of the "
    "organization) or org:OU_ID (an OU, nested OUs included).",
)
@click.option(
    "--role-name",
    default=None,
    help="With --accounts: the role assumed in each account "
    "(default OrganizationAccountAccessRole); or give --assume-role with {account}.",
)
@click.option(
    "--max-concurrent-accounts",
    type=click.IntRange(1, 1000),
    default=8,
    show_default=True,
    help="With --accounts: accounts worked on at once.",
)
@click.option(
    "--failure-tolerance",
    type=click.IntRange(0),
    default=None,
    help="With --accounts: once more than N accounts failed, start no new one "
    "(default: every account is tried).",
)
@click.option(
    "--fleet-run",
    envvar="SLR_FLEET_RUN",
    default=None,
    help="With --accounts: the fleet run's id, shared by runners that split it "
    "(default: derived from the command).",
)
@click.option(
    "--service-name",
    metavar="PRINCIPAL|ROLE",
    default=None,
    help="With a workflow of any service's role (generic): the service principal "
    "(NAME.amazonaws.com) or the role's name.",
)
@click.option(
    "--custom-suffix",
    default=None,
    help="With --service-name: the role's CustomSuffix (for a service that takes one).",
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
    state: str | None,
    log_level: str,
    assume_role: str | None,
    external_id: str | None,
    deletion_patience: float | None,
    accounts: str | None,
    role_name: str | None,
    max_concurrent_accounts: int,
    failure_tolerance: int | None,
    fleet_run: str | None,
    service_name: str | None,
    custom_suffix: str | None,
) -> None:
    """Create, watch, drain and delete AWS service-linked roles, safely."""
    import logging

    level = logging.getLevelName(log_level.upper())
    if custom_suffix is not None and service_name is None:
        raise Failure("--custom-suffix needs --service-name", Outcome.USAGE)
    if accounts is None and role_name is not None:
        raise Failure("--role-name needs --accounts", Outcome.USAGE)
    if accounts is None and assume_role and "{account}" in assume_role:
        raise Failure("an --assume-role template with {account} needs --accounts", Outcome.USAGE)
    fleet = None
    if accounts is not None:
        fleet = FleetOptions(
            accounts, role_name, max_concurrent_accounts, failure_tolerance, fleet_run
        )
    ctx.obj = Settings(
        workflow,
        regions,
        endpoint_url,
        profile,
        output,
        log_format,
        state_dir,
        level,
        assume_role,
        external_id,
        state or (str(state_dir) if state_dir else None),
        fleet,
        deletion_patience,
        service_name=service_name,
        custom_suffix=custom_suffix,
    )


def journal_of(settings: Settings) -> Journal:
    """The journal ``--state`` names, reached with the runner's own credentials."""
    from lifecycle.errors import JournalError, StateUrlError
    from lifecycle.journal import open_journal

    try:
        journal = open_journal(
            settings.state, profile=settings.profile, endpoint_url=settings.endpoint_url
        )
    except StateUrlError as error:
        raise Failure(str(error), Outcome.USAGE) from None
    except JournalError as error:
        raise Failure(str(error)) from None

    def close() -> None:
        try:
            journal.close()  # what is still queued is written (a shared journal's results)
        except JournalError as error:
            raise Failure(str(error)) from None

    click.get_current_context().call_on_close(close)
    return journal


def workflow_of(settings: Settings, *, template: bool = False) -> Workflow:
    """The workflow ``--workflow`` names; one of any service's made that service's by
    ``--service-name`` (``template``: or itself, when none is given)."""
    from lifecycle import registry

    try:
        workflow = registry.get(settings.workflow)
    except KeyError as error:
        raise Failure(str(error.args[0]), Outcome.USAGE) from None
    except DefinitionError as error:
        raise Failure(str(error), Outcome.ERROR) from None
    if workflow.for_service is None:
        if settings.service_name is not None:
            raise Failure(
                f"--service-name: workflow {workflow.name!r} is one service's; it takes none",
                Outcome.USAGE,
            )
        return workflow
    if settings.service_name is None:
        if template:
            return workflow
        raise Failure(
            f"workflow {workflow.name!r} needs --service-name PRINCIPAL|ROLE", Outcome.USAGE
        )
    from lifecycle.cli.service import of_service

    return of_service(
        settings.workflow,
        settings.service_name,
        settings.custom_suffix,
        profile=settings.profile,
        endpoint_url=settings.endpoint_url,
        assume_role=None if settings.fleet else settings.assume_role,
        external_id=settings.external_id,
    )


def _regions(settings: Settings, workflow: Workflow) -> tuple[str, ...] | None:
    if settings.regions == "all":
        return None
    from lifecycle.aws.gateway import available_regions
    from lifecycle.aws.sessions import base_session

    asked = tuple(r.strip() for r in settings.regions.split(",") if r.strip())
    known = set(available_regions(workflow.service, base_session(settings.profile)))
    unknown = [r for r in asked if r not in known]
    if unknown or not asked:
        raise Failure(
            f"unknown region {', '.join(unknown) or repr(settings.regions)} for "
            f"{workflow.service} (known: {', '.join(sorted(known))})",
            Outcome.USAGE,
        )
    return asked


def runner_of(settings: Settings, progress: Callable[[str], None] | None = None) -> Runner:
    """A Runner for the global options, with logging configured and the journal open."""
    from lifecycle.engine.runner import Runner

    workflow = configured(settings)
    config = config_of(settings, workflow)
    return Runner(workflow, journal_of(settings), config, progress=progress)


def configured(settings: Settings) -> Workflow:
    """The workflow the options name, with logging configured."""
    from lifecycle.log import configure

    configure(cast("Format", settings.log_format), level=settings.log_level)
    return workflow_of(settings)


def config_of(settings: Settings, workflow: Workflow) -> RunnerConfig:
    """How a runner talks to AWS, from the global options."""
    from lifecycle.engine.config import RunnerConfig

    return RunnerConfig(
        profile=settings.profile,
        endpoint_url=settings.endpoint_url,
        regions=_regions(settings, workflow),
        # A fleet assumes a role per account itself (its template is no role ARN).
        assume_role_arn=None if settings.fleet else settings.assume_role,
        external_id=settings.external_id,
        reject_wait_seconds=_float_env("SLR_REJECT_WAIT_SECONDS"),
        deletion_patience_seconds=settings.deletion_patience,
    )


def _float_env(name: str) -> float | None:
    value = os.environ.get(name)
    try:
        return float(value) if value else None
    except ValueError:
        raise Failure(f"{name} must be a number of seconds, not {value!r}", Outcome.USAGE) from None


class one_line_errors:
    """Turns the failures a run can meet into one line and its exit code."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        if error is None:
            return
        if isinstance(error, LifecycleError) and error.outcome is not None:
            raise Failure(str(error), error.outcome) from None
