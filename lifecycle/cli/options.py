"""What plan and apply are asked for beyond the global options: the target, and what to activate
with it (resources, percentage, the role's description)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lifecycle.model.outcome import Outcome

if TYPE_CHECKING:
    from lifecycle.model.decide import PlanOptions

from lifecycle.cli.base import one_line_errors
from lifecycle.errors import Failure

__all__ = ["TARGETS", "options_of", "target_of", "with_activation"]


F = TypeVar("F", bound=Callable[..., Any])


def _targets() -> tuple[str, ...]:
    from lifecycle.model.definition import LIFECYCLE

    return tuple(state.label for state in LIFECYCLE.targets)


TARGETS = _targets()


def target_of(target: str) -> str:
    if target not in TARGETS:
        raise Failure(f"unknown target {target!r} (known: {', '.join(TARGETS)})", Outcome.USAGE)
    return target


def options_of(activate: tuple[str, ...], percent: int, description: str | None) -> PlanOptions:
    from lifecycle.model.decide import PlanOptions
    from lifecycle.model.workflow import Activation

    targets = []
    for item in activate:
        region, _, name = item.partition("/")
        if not region or not name:
            raise Failure(f"--activate takes REGION/NAME, not {item!r}", Outcome.USAGE)
        targets.append((region, name))
    activation = Activation(tuple(targets), percent) if targets else None
    with one_line_errors():  # a description AWS would refuse: refused before any request
        return PlanOptions(activation=activation, description=description)


_activation_options = [
    click.option(
        "--activate",
        multiple=True,
        metavar="REGION/NAME",
        help="For target in-use: a resource to turn on (repeatable).",
    ),
    click.option(
        "--percent",
        type=click.IntRange(1, 100),
        default=100,
        show_default=True,
        help="Session-logging percentage --activate sets.",
    ),
    click.option("--description", default=None, help="Role description (create, converge)."),
]


def with_activation(fn: F) -> F:
    for option in reversed(_activation_options):
        fn = option(fn)
    return fn
