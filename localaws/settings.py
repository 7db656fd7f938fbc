"""The local AWS's settings: how harsh it is, and how slow. Harsh by default, as AWS is.

One frozen :class:`Settings` is in force at a time (:func:`current`); the server replaces it
from ``PUT /_localaws/settings``, ``LocalAWS(...)`` keywords and ``python -m localaws``
options, all built from the fields below (a new setting is a new field, nothing else).

Kept free of moto imports so that driving a server does not load moto.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

__all__ = ["Settings", "current", "option_name", "use"]


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every setting of the local AWS; each field's help names the AWS behaviour it mirrors
    (localaws/README.md cites the sources)."""

    deletion_seconds: float = _setting(
        2.0, "seconds from DeleteServiceLinkedRole until its task completes (AWS: minutes)"
    )
    task_retention_seconds: float = _setting(
        5.0,
        "seconds a finished deletion task is remembered; then its status call answers "
        "NoSuchEntity, as IAM's does (gruntwork-io/cloud-nuke#1143)",
    )
    task_visibility_seconds: float = _setting(
        1.0,
        "seconds a new deletion task's status call answers NoSuchEntity before IAM shows the "
        "task (ekristen/aws-nuke#639 waits for it)",
    )
    usage_lag_seconds: float = _setting(
        3.0,
        "seconds a service still reports a dependent as using its role after it was turned "
        "off: a deletion task completing within them fails with a RoleUsageList naming it "
        "(MediaTailor's guide: 'wait for a few minutes and try the operation again')",
    )
    iam_consistency_seconds: float = _setting(
        1.0,
        "seconds a new service-linked role stays invisible to GetRole and ListRoles, and a "
        "deleted one visible (IAM is eventually consistent)",
    )
    opt_in_regions_disabled: bool = _setting(
        True,
        "opt-in regions start DISABLED in every account, and signed calls there are refused "
        "as AWS refuses them (UnrecognizedClientException / InvalidClientTokenId, 403)",
    )
    region_change_seconds: float = _setting(
        3.0,
        "seconds an EnableRegion or DisableRegion takes: meanwhile the region reads ENABLING "
        "or DISABLING, refuses calls as a disabled one and cannot be changed back "
        "(ConflictException), as AWS's take minutes to hours",
    )
    short_pages: bool = _setting(
        True,
        "MediaTailor's lists answer short and empty pages with a NextToken while more remain "
        "(DynamoDB-style pagination)",
    )
    dynamodb_transaction_seconds: float = _setting(
        0.0,
        "seconds a DynamoDB transaction holds its items beyond its own work; meanwhile a "
        "write of one of them is refused with TransactionConflictException, another "
        "transaction with it is cancelled (TransactionConflict), as DynamoDB does",
    )
    dynamodb_short_pages: bool = _setting(
        True,
        "DynamoDB's Query answers pages of 1 to 4 items evaluated, with a LastEvaluatedKey "
        "while more remain (AWS stops a page at 1 MB read; a FilterExpression may leave a "
        "page empty)",
    )
    list_omits_log_configuration: bool = _setting(
        False,
        "ListPlaybackConfigurations items carry no LogConfiguration (optional in the model)",
    )
    credential_seconds: float = _setting(
        3600.0,
        "seconds an assumed role's credentials last when AssumeRole names no DurationSeconds "
        "(AWS: one hour); then every call signed with them is refused with ExpiredToken "
        "(ExpiredTokenException in json and rest-json services)",
    )
    config_stopped_recorder_blocks: bool = _setting(
        False,
        "a stopped AWS Config configuration recorder that names AWSServiceRoleForConfig still "
        "uses the role: a deletion task fails with a RoleUsageList naming it (AWS does not "
        "document whether it does; off: only recording ones do)",
    )

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.type == "bool":
                if not isinstance(value, bool):
                    raise ValueError(f"{spec.name} must be true or false; got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{spec.name} must be a number of seconds; got {value!r}")
            elif not 0 <= value < math.inf:
                raise ValueError(f"{spec.name} must be a finite number >= 0; got {value}")
            else:
                object.__setattr__(self, spec.name, float(value))

    def changed(self, changes: Mapping[str, Any]) -> Settings:
        """These settings with ``changes``; an unknown name or a bad value is a ValueError."""
        unknown = sorted(set(changes) - set(self.names()))
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def command_line(self) -> list[str]:
        """The ``python -m localaws`` options that start a server with these settings."""
        arguments = []
        for name, value in self.to_dict().items():
            if self.is_flag(name):
                arguments.append(option_name(name, negated=not value))
            else:
                arguments += [option_name(name), repr(value)]
        return arguments

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(spec.name for spec in fields(cls))

    @classmethod
    def is_flag(cls, name: str) -> bool:
        """Whether the setting is a true/false switch (else a number of seconds)."""
        return next(spec.type == "bool" for spec in fields(cls) if spec.name == name)

    @classmethod
    def help(cls, name: str) -> str:
        """What the setting does, and which AWS behaviour it mirrors."""
        return str(next(spec.metadata["help"] for spec in fields(cls) if spec.name == name))


def option_name(name: str, *, negated: bool = False) -> str:
    """A setting's command-line option: ``short_pages`` -> ``--short-pages`` (``--no-...``)."""
    return ("--no-" if negated else "--") + name.replace("_", "-")


_current = Settings()


def current() -> Settings:
    """The settings in force (replaced whole, so a reader sees one consistent set)."""
    return _current


def use(settings: Settings) -> None:
    """Put ``settings`` in force for every request from now on."""
    global _current
    _current = settings
