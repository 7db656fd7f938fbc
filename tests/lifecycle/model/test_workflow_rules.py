"""A workflow is checked when it is built, each refusal one line naming the culprit: its kinds,
what it activates, its bindings; and asked for what it lacks, it says so."""

from __future__ import annotations

import dataclasses

import pytest

from lifecycle.errors import DefinitionError, InvalidOption
from lifecycle.model.calls import Access, Operation
from tests.fakes.widgets import WORKFLOW, Widgets


def refusal(**changes: object) -> str:
    with pytest.raises(DefinitionError) as refused:
        dataclasses.replace(WORKFLOW, **changes)  # type: ignore[arg-type]
    return str(refused.value)


def test_kinds_need_distinct_names() -> None:
    assert refusal(kinds=(Widgets(), Widgets())) == (
        "workflow 'widgets': kinds need distinct names: ['widget', 'widget']"
    )


def test_a_kind_deactivates_only_with_its_own_writes() -> None:
    class Stray(Widgets):
        deactivates = (Operation("example", "PauseWidget", Access.WRITE),)

    assert refusal(kinds=(Stray(),)) == (
        "workflow 'widgets', kind 'widget': what it deactivates and reactivates with must be "
        "among its writes"
    )


def test_it_activates_one_of_its_kinds() -> None:
    assert refusal(activates="gadget") == (
        "workflow 'widgets' activates 'gadget', which is not one of its kinds (widget, lock)"
    )


def test_its_bindings_are_the_lifecycles_transitions_exactly() -> None:
    extra = {**WORKFLOW.bindings, "fly": WORKFLOW.bindings["drain"]}
    assert refusal(bindings=extra) == "workflow 'widgets' binds unknown transition 'fly'"
    missing = {k: v for k, v in WORKFLOW.bindings.items() if k != "drain"}
    assert refusal(bindings=missing) == "workflow 'widgets': transition 'drain' has no binding"


def test_asked_for_what_it_lacks_it_says_so() -> None:
    with pytest.raises(DefinitionError, match=r"^workflow 'widgets' has no kind 'gadget'$"):
        WORKFLOW.kind("gadget")
    plain = dataclasses.replace(WORKFLOW, options=())
    with pytest.raises(InvalidOption, match=r"^--set: workflow 'widgets' takes no options$"):
        plain.option_values({"level": "3"})
    assert plain.option_values({}) == {}


def test_an_operation_missing_from_its_service_model_is_named() -> None:
    known = {
        s: frozenset(o.name for _, o in WORKFLOW.all_operations() if o.service == s)
        for s in ("iam", "example", "account")
    }
    WORKFLOW.check_operations(known)
    with pytest.raises(
        DefinitionError,
        match=r"example:SetWidget is not an operation of the "
        r"example service model$",
    ):
        WORKFLOW.check_operations({**known, "example": known["example"] - {"SetWidget"}})
