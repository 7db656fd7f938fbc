"""Which workflows there are: each entry point of the group, and one that does not load listed
with why and refused by name in one line."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint

import pytest

import workflows
from lifecycle import registry
from lifecycle.errors import DefinitionError, UnknownName


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EntryPoint]]:
    """The entry points the registry finds: the test's, instead of the installed ones."""
    points: list[EntryPoint] = []
    monkeypatch.setattr(registry, "entry_points", lambda group: list(points))
    registry.registered.cache_clear()
    yield points
    registry.registered.cache_clear()


def point(name: str, value: str) -> EntryPoint:
    return EntryPoint(name, value, registry.GROUP)


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("mine", "no_such_package.tool:WORKFLOW", "ModuleNotFoundError: No module named"),
        ("mine", "workflows:DEFAULT", "workflows:DEFAULT is a str, not a lifecycle Workflow"),
        (
            "other",
            "workflows.mediatailor:WORKFLOW",
            "workflows.mediatailor:WORKFLOW is workflow 'mediatailor', registered as 'other'",
        ),
    ],
    ids=["does-not-import", "not-a-workflow", "another-name"],
)
def test_a_workflow_that_does_not_load_is_listed_with_why_and_refused_by_name(
    installed: list[EntryPoint], name: str, value: str, why: str
) -> None:
    installed.append(point(name, value))
    [entry] = registry.registered().values()
    assert (entry.name, entry.workflow, entry.package) == (name, None, "(unknown package)")
    assert entry.error is not None
    assert entry.error.startswith(why)
    assert registry.workflows() == {}
    with pytest.raises(DefinitionError, match=f"workflow '{name}' of .* does not load: {why}"):
        registry.get(name)


def test_the_first_registration_of_a_name_wins_and_an_unknown_name_lists_the_known(
    installed: list[EntryPoint],
) -> None:
    installed.extend(
        [point("mediatailor", "workflows.mediatailor:WORKFLOW"), point("mediatailor", "x:Y")]
    )
    assert registry.get("mediatailor").name == "mediatailor"
    with pytest.raises(UnknownName, match=r"unknown workflow 'nope' \(known: mediatailor\)"):
        registry.get("nope")


def test_slr_workflow_overrides_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLR_WORKFLOW", raising=False)
    assert registry.default() == workflows.DEFAULT
    monkeypatch.setenv("SLR_WORKFLOW", "mine")
    assert registry.default() == "mine"
