"""The journal's intent: one frozen record, a pure merge, a lossless round trip."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lifecycle.model.observation import Dependent, Intent, Observation, Role, replace

dependents = st.builds(
    Dependent,
    region=st.sampled_from(["us-east-1", "eu-west-1"]),
    kind=st.sampled_from(["playback-configuration", "channel"]),
    name=st.sampled_from(["a", "b", "c"]),
    arn=st.just("arn:x"),
    active=st.booleans(),
    settings=st.fixed_dictionaries({"PercentEnabled": st.integers(0, 100)}),
)
intents = st.builds(
    Intent,
    draining=st.booleans(),
    decommission_intended=st.booleans(),
    drained=st.lists(dependents, max_size=4, unique_by=lambda d: (d.region, d.kind, d.name)).map(
        tuple
    ),
    deletion_requested=st.booleans(),
    deleted_by_us=st.booleans(),
    task_id=st.one_of(st.none(), st.just("task/1")),
    rejects=st.integers(0, 3),
    deleted_role=st.one_of(st.none(), st.just("2026-11-29 01:00:00")),
)


def key(d: Dependent) -> tuple[str, str, str]:
    return (d.region, d.kind, d.name)


@given(intents)
def test_an_intent_survives_the_journal(intent: Intent) -> None:
    assert Intent.from_dict(intent.as_dict()) == intent


@given(intents)
def test_an_intent_survives_a_world(intent: Intent) -> None:
    world = Observation(role=Role("r", "arn:r"), intent=intent)
    assert Intent.of(world) == replace(intent, task_id=None)


@given(intents, intents)
def test_a_merge_before_a_write_only_adds(old: Intent, new: Intent) -> None:
    merged = old.merged(new)
    assert {key(d) for d in merged.drained} == {key(d) for d in old.drained + new.drained}
    # The first snapshot of a dependent wins: a later drain cannot replace original settings.
    for first in old.drained:
        assert next(d for d in merged.drained if key(d) == key(first)) == first
    assert merged.draining == (old.draining or new.draining)
    assert merged.task_id == (new.task_id or old.task_id)


@given(intents)
def test_a_merge_with_itself_changes_nothing(intent: Intent) -> None:
    assert intent.merged(intent) == intent


@given(intents)
def test_a_role_created_again_ends_the_decommission_but_keeps_the_drain(intent: Intent) -> None:
    assert intent.after_recreation() == Intent(drained=intent.drained)
