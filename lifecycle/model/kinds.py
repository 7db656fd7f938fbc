"""The extension API: what a workflow declares about the resources that use its role.

A :class:`Kind` is one kind of resource of a service (a widget of an example service): how it
is listed, whether one is active, the write that
deactivates it and the one that puts it back, which error answer means it vanished, and what
a reviewer should read before a drain. A kind no write can clear (only deleting the resource,
or pointing it at another role, frees the role) sets :attr:`Kind.by_hand` and
:attr:`Kind.person_only`: the engine then lists it, with that line, and refuses a way through
it before any write (:class:`~lifecycle.errors.NeedsPerson`).

An :class:`Option` is a setting ``activate`` takes (``slr plan --set NAME=VALUE``): it belongs
to the workflow; the engine parses it with the workflow's parser and carries its value
opaquely, in plans and saved plans.

Pure: the only AWS access is through :class:`~lifecycle.model.workflow.Reads`, given to
:meth:`Kind.list`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lifecycle.errors import InvalidOption
from lifecycle.model.calls import Call, Operation, Reads
from lifecycle.model.observation import Dependent
from lifecycle.model.retry import RetryPolicy

__all__ = ["Kind", "Option", "integer", "parse_options"]


class Kind:
    """One kind of resource that can use a workflow's role; subclass it per kind.

    Only :meth:`list` talks to AWS (reads); the others decide writes, purely, each naming
    its dependent as the write's ``target`` (the journal and resume read it)."""

    #: Its name in plans, status and the journal (``widget``).
    name: str = ""
    #: The operations :meth:`list` sends (reads): the policy grants them.
    reads: tuple[Operation, ...] = ()
    #: The operations :meth:`deactivate`, :meth:`reactivate` and :meth:`activate` send.
    writes: tuple[Operation, ...] = ()
    #: Which of :attr:`writes` :meth:`deactivate` sends, when not all of them: a drain (and
    #: its policy) then needs only these.
    deactivates: tuple[Operation, ...] | None = None
    #: Which of :attr:`writes` :meth:`reactivate` sends, when not all of them.
    reactivates: tuple[Operation, ...] | None = None
    #: Error codes that say a dependent no longer exists (deleted since it was listed).
    vanished: frozenset[str] = frozenset()
    #: One line for a person: what clears a dependent by hand ("delete the widget, or point
    #: it at another role"). Shown when only a person can clear one (:attr:`person_only`, or
    #: IAM still names one a drain already turned off).
    by_hand: str = ""
    #: No write clears it: only a person can (:attr:`by_hand` says how).
    person_only: bool = False

    def list(self, aws: Reads, region: str, policy: RetryPolicy) -> list[Dependent]:
        """Every resource of this kind in ``region`` that can use the role, active or not."""
        raise NotImplementedError

    def deactivate(self, dependent: Dependent) -> Call:
        """The write that stops ``dependent`` from using the role."""
        raise NotImplementedError(f"{self.name}: only a person can clear it")

    def reactivate(self, dependent: Dependent) -> Call:
        """The write that puts ``dependent.settings`` back (a drain's undo)."""
        raise NotImplementedError(f"{self.name}: nothing to put back")

    def activate(self, dependent: Dependent, options: Mapping[str, Any]) -> Call:
        """The write that makes ``dependent`` use the role with the workflow's ``options``
        (parsed, defaults filled), its other settings as listed."""
        raise NotImplementedError(f"{self.name} cannot be activated")

    def settings_of(self, call: Call) -> Mapping[str, Any]:
        """The settings a dependent has once ``call`` (one of the writes above) took effect."""
        return dict(call.params)

    def notes(self, dependent: Dependent) -> tuple[str, ...]:
        """What deactivating ``dependent`` also stops, beyond its use of the role, for a
        reviewer to know before a drain (empty when nothing else stops)."""
        return ()


@dataclass(frozen=True)
class Option:
    """A setting ``activate`` takes, declared by the workflow (``--set NAME=VALUE``)."""

    name: str
    help: str
    default: Any
    #: Parses the command line's text; a ``ValueError`` says why it is refused (one line).
    parse: Callable[[str], Any] = str


def integer(low: int, high: int) -> Callable[[str], int]:
    """A parser of whole numbers from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise ValueError(f"{value} is not in {low}..{high}")
        return value

    return parse


def parse_options(
    declared: tuple[Option, ...], given: Mapping[str, Any], *, workflow: str
) -> dict[str, Any]:
    """The workflow's options with ``given`` (text from the command line, or values a saved
    plan kept) parsed, and the defaults of those not given; :class:`InvalidOption` for a name
    the workflow does not declare or a value its parser refuses."""
    known = {option.name: option for option in declared}
    for name in given:
        if name not in known:
            offered = ", ".join(known) or "none"
            raise InvalidOption(
                f"--set {name}: workflow {workflow!r} takes no such option (its options: {offered})"
            )
    values = {}
    for name, option in known.items():
        if name not in given:
            values[name] = option.default
            continue
        try:
            values[name] = option.parse(str(given[name]))
        except ValueError as error:
            raise InvalidOption(f"--set {name}={given[name]}: {error}") from None
    return values
