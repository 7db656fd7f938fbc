"""A minimal fake workflow: a role used by widgets a write turns off and on, and by locks that
only a person can clear. Nothing of it is MediaTailor's; the engine's rules must hold for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lifecycle import (
    Access,
    Call,
    Dependent,
    Kind,
    Operation,
    Option,
    Reads,
    RetryPolicy,
    Workflow,
    integer,
)

WIDGET, LOCK = "widget", "lock"
SET_WIDGET = Operation("example", "SetWidget", Access.WRITE)


class Widgets(Kind):
    """Widgets that use the role while their level is above 0."""

    name = WIDGET
    reads = (Operation("example", "ListWidgets"),)
    writes = (SET_WIDGET,)
    vanished = frozenset({"NoSuchWidget"})

    def list(self, aws: Reads, region: str, policy: RetryPolicy) -> list[Dependent]:
        return [
            Dependent(region, WIDGET, w["Name"], w["Arn"], w["Level"] > 0, {"Level": w["Level"]})
            for w in aws.paginate(
                "example", "ListWidgets", region, {}, items="Widgets", policy=policy
            )
        ]

    def _set(self, dependent: Dependent, level: int) -> Call:
        params = {"WidgetName": dependent.name, "Level": level}
        return Call("example", SET_WIDGET.name, dependent.region, params, dependent.name)

    def deactivate(self, dependent: Dependent) -> Call:
        return self._set(dependent, 0)

    def reactivate(self, dependent: Dependent) -> Call:
        return self._set(dependent, int(dependent.settings["Level"]))

    def activate(self, dependent: Dependent, options: Mapping[str, Any]) -> Call:
        return self._set(dependent, int(options["level"]))

    def settings_of(self, call: Call) -> dict[str, Any]:
        return {"Level": call.params["Level"]}


class Locks(Kind):
    """Locks on the role: no write clears one."""

    name = LOCK
    reads = (Operation("example", "ListLocks"),)
    person_only = True
    by_hand = "delete the lock, or point it at another role"

    def list(self, aws: Reads, region: str, policy: RetryPolicy) -> list[Dependent]:
        return [
            Dependent(region, LOCK, lock["Name"], lock["Arn"], True)
            for lock in aws.paginate(
                "example", "ListLocks", region, {}, items="Locks", policy=policy
            )
        ]


WORKFLOW = Workflow(
    name="widgets",
    title="Example widgets",
    principal="example.amazonaws.com",
    role_name="AWSServiceRoleForExample",
    service="example",
    kinds=(Widgets(), Locks()),
    activates=WIDGET,
    options=(Option("level", "the level activate sets", 5, integer(1, 9)),),
    regions=("us-east-1", "eu-west-1"),
)


def widget(name: str, level: int, region: str = "us-east-1") -> Dependent:
    """A widget as the fake workflow lists it: active while its level is above 0."""
    return Dependent(region, WIDGET, name, f"arn:widget/{name}", level > 0, {"Level": level})


def lock(name: str, region: str = "us-east-1") -> Dependent:
    """A lock as the fake workflow lists it: always active, only a person clears it."""
    return Dependent(region, LOCK, name, f"arn:lock/{name}", True)
