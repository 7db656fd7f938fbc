"""What plan and apply are asked for beyond the global options: the target, and what to activate
with it (resources, the workflow's own settings, the role's description)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lifecycle.model.outcome import Outcome

if TYPE_CHECKING:
    from lifecycle.cli.base import Settings
    from lifecycle.model.decide import PlanOptions

from lifecycle.cli.base import one_line_errors
from lifecycle.errors import Failure

__all__ = ["TARGETS", "options_of", "settings_given", "target_of", "with_activation"]


F = TypeVar("F", bound=Callable[..., Any])


def _targets() -> tuple[str, ...]:
    from lifecycle.model.definition import LIFECYCLE

    return tuple(state.label for state in LIFECYCLE.targets)


TARGETS = _targets()


def target_of(target: str) -> str:
    if target not in TARGETS:
        raise Failure(f"unknown target {target!r} (known: {', '.join(TARGETS)})", Outcome.USAGE)
    return target


def options_of(
    settings: Settings,
    activate: tuple[str, ...],
    given: Mapping[str, Any],
    description: str | None,
    *,
    accept_unknown_dependents: bool = False,
) -> PlanOptions:
    """The plan options asked for: ``given`` are the workflow's settings (``--set`` text, or
    a saved plan's values), parsed by the workflow the options name."""
    from lifecycle.cli.base import workflow_of
    from lifecycle.model.decide import PlanOptions
    from lifecycle.model.workflow import Activation

    targets = []
    for item in activate:
        region, _, name = item.partition("/")
        if not region or not name:
            raise Failure(f"--activate takes REGION/NAME, not {item!r}", Outcome.USAGE)
        targets.append((region, name))
    with one_line_errors():  # refused before any request: a setting, a description
        values = workflow_of(settings).option_values(given)
        activation = Activation(tuple(targets), values) if targets else None
        return PlanOptions(
            activation=activation,
            description=description,
            custom_suffix=settings.custom_suffix,
            accept_unknown_dependents=accept_unknown_dependents,
        )


def settings_given(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--set NAME=VALUE`` pairs as a mapping (the workflow parses the values)."""
    given = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise Failure(f"--set takes NAME=VALUE, not {pair!r}", Outcome.USAGE)
        given[name] = value
    return given


_activation_options = [
    click.option(
        "--activate",
        multiple=True,
        metavar="REGION/NAME",
        help="For target in-use: a resource to turn on (repeatable).",
    ),
    click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="NAME=VALUE",
        help="A setting of the workflow's for --activate (repeatable; `slr workflows` lists "
        "each workflow's settings).",
    ),
    click.option("--description", default=None, help="Role description (create, converge)."),
    click.option(
        "--accept-unknown-dependents",
        is_flag=True,
        help="Decommission a role whose dependents the workflow cannot know (generic).",
    ),
]


def with_activation(fn: F) -> F:
    for option in reversed(_activation_options):
        fn = option(fn)
    return fn
