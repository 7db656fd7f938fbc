"""Each transition's effect is declared once, by trigger, and checked against the definition."""

from __future__ import annotations

import dataclasses

import pytest

from lifecycle.errors import DefinitionError
from lifecycle.model.definition import LIFECYCLE, Transition
from lifecycle.model.effects import EFFECTS, Acting, check_effects


def test_every_transition_has_exactly_one_effect() -> None:
    assert set(EFFECTS) == {t.trigger for t in LIFECYCLE.transitions}
    assert all(trigger == effect.trigger for trigger, effect in EFFECTS.items())


def test_a_transition_without_an_effect_fails_naming_it() -> None:
    extra = Transition("archive", ("DELETED",), "ABSENT")
    definition = dataclasses.replace(LIFECYCLE, transitions=(*LIFECYCLE.transitions, extra))
    with pytest.raises(DefinitionError, match=r"transition 'archive' .* has no effect"):
        check_effects(definition, EFFECTS)


def test_an_effect_without_a_transition_fails_naming_it() -> None:
    effects = {**EFFECTS, "archive": EFFECTS["create"]}
    with pytest.raises(DefinitionError, match="effect 'archive' has no transition"):
        check_effects(LIFECYCLE, effects)


def test_every_way_of_acting_is_implemented_once() -> None:
    from lifecycle.engine.act import ACTS

    assert set(ACTS) == set(Acting)
    assert {effect.acting for effect in EFFECTS.values()} <= set(ACTS)


def test_facts_that_are_data_live_on_the_definition() -> None:
    by_trigger = {t.trigger: t for t in LIFECYCLE.transitions}
    assert [t for t, tr in by_trigger.items() if not tr.planned] == ["reject"]
    assert [t for t, tr in by_trigger.items() if tr.polls] == ["delete"]
    assert [s.label for s in LIFECYCLE.targets] == ["created", "in-use", "deletable", "deleted"]
