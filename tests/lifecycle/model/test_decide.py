"""The pure half of a step, with MediaTailor's workflow: state, next transition, path, writes,
and the simulated world after a transition. No AWS."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st
from hypothesis import target as target_steps

from lifecycle.errors import Blocked, Unreachable
from lifecycle.model.calls import Call
from lifecycle.model.decide import (
    PlanOptions,
    derive_state,
    next_transition,
    path_to,
    simulate,
    writes_for,
)
from lifecycle.model.observation import (
    DeletionTask,
    Dependent,
    Intent,
    Observation,
    Role,
    RoleUsage,
    TaskStatus,
    replace,
)
from lifecycle.model.workflow import Activation
from workflows.mediatailor import CHANNEL, PLAYBACK_CONFIGURATION, WORKFLOW

ACCOUNT = "123456789012"
HOME = "us-east-1"
REGIONS = ("us-east-1", "eu-west-1", "us-west-2")
ROLE = Role(
    WORKFLOW.role_name,
    f"arn:aws:iam::{ACCOUNT}:role{WORKFLOW.role_path}{WORKFLOW.role_name}",
    WORKFLOW.role_path,
)
CONFIGURE = "ConfigureLogsForPlaybackConfiguration"
CONFIGURE_CHANNEL = "ConfigureLogsForChannel"
NONE = PlanOptions()
INTENT_FIELDS = {f.name for f in dataclasses.fields(Intent)}


def configuration(region: str, name: str, percent: int) -> Dependent:
    settings = {"PercentEnabled": percent, "EnabledLoggingStrategies": ["VENDED_LOGS"]}
    return Dependent(
        region,
        PLAYBACK_CONFIGURATION,
        name,
        f"arn:{region}:pc/{name}",
        active=percent > 0,
        settings=settings,
    )


def channel(region: str, name: str, log_types: list[str]) -> Dependent:
    return Dependent(
        region,
        CHANNEL,
        name,
        f"arn:{region}:channel/{name}",
        active="AS_RUN" in log_types,
        settings={"LogTypes": log_types},
    )


def world(**fields: Any) -> Observation:
    """A role that exists, fully scanned, with nothing else unless ``fields`` say so (those of
    the journal's intent among them)."""
    intent = {name: fields.pop(name) for name in list(fields) if name in INTENT_FIELDS}
    fields.setdefault("role", ROLE)
    fields.setdefault("scanned_regions", REGIONS)
    return Observation(**fields, intent=Intent(**intent))


def state_label(observation: Observation) -> str:
    return WORKFLOW.definition.state(derive_state(observation)).label


LIVE = configuration("us-east-1", "east-live", 100)
IDLE = configuration("eu-west-1", "west-idle", 0)
AS_RUN = channel("us-west-2", "linear", ["AS_RUN"])


# -- derive_state -----------------------------------------------------------------------------


def test_no_role_and_no_journal_is_absent() -> None:
    assert state_label(world(role=None)) == "absent"


@pytest.mark.parametrize(
    "fields",
    [
        {"deleted_by_us": True},
        {"deletion_requested": True},
        {"deletion_task": DeletionTask("task/1", TaskStatus.SUCCEEDED)},
    ],
    ids=["deleted-by-us", "deletion-requested", "task-succeeded"],
)
def test_no_role_after_our_deletion_is_deleted(fields: dict[str, Any]) -> None:
    assert state_label(world(role=None, **fields)) == "deleted"


@pytest.mark.parametrize(
    "status", [TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.FAILED]
)
def test_a_role_with_a_running_or_failed_deletion_task_is_deletable(status: TaskStatus) -> None:
    task = DeletionTask("task/1", status)
    assert state_label(world(dependents=(IDLE,), deletion_task=task)) == "deletable"


@pytest.mark.parametrize(
    "intent",
    ["draining", "decommission_intended", "deletion_requested"],
)
def test_an_active_dependent_wins_over_the_journals_intent(intent: str) -> None:
    assert state_label(world(dependents=(LIVE, IDLE), **{intent: True})) == "in-use"


def test_an_active_channel_alone_makes_the_role_in_use() -> None:
    assert state_label(world(dependents=(IDLE, AS_RUN))) == "in-use"


def test_decommission_intended_with_nothing_active_is_deletable() -> None:
    observation = world(dependents=(IDLE,), decommission_intended=True, draining=True)
    assert state_label(observation) == "deletable"


def test_draining_with_nothing_active_is_draining() -> None:
    assert state_label(world(dependents=(IDLE,), draining=True)) == "draining"


def test_a_role_nothing_uses_without_intent_is_created() -> None:
    assert state_label(world(dependents=(IDLE, channel("us-west-2", "off", [])))) == "created"


# -- strategies -------------------------------------------------------------------------------

STATUSES = tuple(TaskStatus)
TARGETS = ("created", "in-use", "deletable", "deleted")


def dependent(region: str, kind: str, name: str, active: bool, percent: int = 40) -> Dependent:
    if kind == PLAYBACK_CONFIGURATION:
        return configuration(region, name, percent if active else 0)
    return channel(region, name, ["AS_RUN"] if active else [])


#: Every dependent a world may hold: (region, kind, name, active, percent enabled).
DEPENDENT_SPECS = [
    (region, kind, name, active, percent)
    for region in REGIONS
    for kind in (PLAYBACK_CONFIGURATION, CHANNEL)
    for name, percent in (("live", 100), ("news", 25), ("sport", 60))
    for active in (True, False)
]
TASKS = [None, *(DeletionTask("task/t1", status) for status in STATUSES)]


@st.composite
def observations(draw: st.DrawFn) -> Observation:
    """Any world: role or not, up to four dependents in one to three regions, any journal
    intent, a drain snapshot of some dependents, and maybe a deletion task.

    Names are unique per region across kinds: a configuration and a channel of the same name
    are the subject of their own tests below.
    """
    specs = draw(
        st.lists(st.sampled_from(DEPENDENT_SPECS), max_size=4, unique_by=lambda s: (s[0], s[2]))
    )
    snapshot = draw(st.integers(0, 2 ** len(specs) - 1))
    # One draw for the four journal flags, one bit each.
    flags = draw(st.integers(0, 15))
    draining, intended, requested, deleted_by_us = (bool(flags >> i & 1) for i in range(4))
    return Observation(
        role=draw(st.sampled_from([ROLE, None])),
        dependents=tuple(dependent(*spec) for spec in specs),
        scanned_regions=REGIONS,
        deletion_task=draw(st.sampled_from(TASKS)),
        intent=Intent(
            drained=tuple(
                dependent(r, k, n, True, p)
                for i, (r, k, n, _, p) in enumerate(specs)
                if snapshot >> i & 1
            ),
            rejects=draw(st.integers(0, 2)),
            draining=draining,
            decommission_intended=intended,
            deletion_requested=requested,
            deleted_by_us=deleted_by_us,
        ),
    )


def options_for(observation: Observation, target: str) -> PlanOptions:
    """An Activation of the world's first playback configuration on the way to in-use."""
    configurations = [d for d in observation.dependents if d.kind == PLAYBACK_CONFIGURATION]
    if target != "in-use" or not configurations:
        return NONE
    first = configurations[0]
    return PlanOptions(activation=Activation(((first.region, first.name),), {"percent": 60}))


def walk(
    observation: Observation, target: str, options: PlanOptions
) -> list[tuple[str, Observation]]:
    """Fire next_transition and simulate until ``target`` (at most 8 steps); each trigger with
    the world it left. Raises Blocked where the engine would stop."""
    steps: list[tuple[str, Observation]] = []
    for _ in range(8):
        transition = next_transition(WORKFLOW, observation, target, options)
        if transition is None:
            return steps
        observation = simulate(WORKFLOW, transition.trigger, observation, options, ACCOUNT, HOME)
        steps.append((transition.trigger, observation))
    raise AssertionError(f"{target} not reached in 8 steps: {[t for t, _ in steps]}")


# -- next_transition and simulate, walked ------------------------------------------------------


@settings(max_examples=100)
@given(observations(), st.sampled_from(TARGETS))
def test_walking_toward_a_target_reaches_it_within_8_steps_or_was_refused_before_the_first(
    start: Observation, target: str
) -> None:
    options = options_for(start, target)
    try:
        steps = walk(start, target, options)
    except Blocked as blocked:
        # A walk stops only where the plan found no way up front (none, or refused).
        event(f"blocked: {type(blocked).__name__}")
        try:
            way = path_to(WORKFLOW, start, target, options)
        except Blocked:
            way = None
        assert way is None, [t.trigger for t in way]
        return
    event(f"reached in {min(len(steps), 2)}{'+' if len(steps) >= 2 else ''} steps")
    target_steps(len(steps))  # toward longer walks, which check more
    end = steps[-1][1] if steps else start
    assert WORKFLOW.definition.reached(derive_state(end), target)


@settings(max_examples=200)
@given(observations(), st.sampled_from(["deletable", "deleted"]))
def test_no_way_to_a_decommission_target_creates_the_role(start: Observation, target: str) -> None:
    # A decommission never creates: where no role exists, its targets already hold.
    try:
        way = path_to(WORKFLOW, start, target, options_for(start, target))
    except Blocked:
        return
    assert way is None or "create" not in [t.trigger for t in way]


@pytest.mark.parametrize("target", ["deletable", "deleted"])
@pytest.mark.parametrize("gone", [{}, {"deleted_by_us": True}], ids=["absent", "deleted"])
def test_where_no_role_exists_a_decommission_has_nothing_to_do(
    target: str, gone: dict[str, bool]
) -> None:
    nothing = Observation(role=None, scanned_regions=REGIONS, intent=Intent(**gone))
    assert path_to(WORKFLOW, nothing, target, NONE) == ()
    assert next_transition(WORKFLOW, nothing, target, NONE) is None


@settings(max_examples=100)
@given(observations(), st.sampled_from(TARGETS))
def test_each_simulated_step_lands_on_its_transitions_destination(
    start: Observation, target: str
) -> None:
    options = options_for(start, target)
    here = start
    for _ in range(8):
        try:
            transition = next_transition(WORKFLOW, here, target, options)
            if transition is None:
                return
            after = simulate(WORKFLOW, transition.trigger, here, options, ACCOUNT, HOME)
        except Blocked:
            return
        note(f"{transition.trigger}: {state_label(here)} -> {state_label(after)}")
        trigger, dest = transition.trigger, transition.dest
        if trigger == "create" and after.active:
            # What AWS shows wins: a created role something already uses is in use.
            assert derive_state(after) == "IN_USE"
        elif trigger == "reject":
            # reject's "in-use" is the task's word; the world only drops the failed task and
            # the intents, and the next scan tells where it stands.
            assert after.deletion_task is None
            assert after.intent.rejects == here.intent.rejects + 1
            assert derive_state(after) != "DELETABLE"
        else:
            assert derive_state(after) == dest
        here = after


def test_next_transition_is_none_at_the_target() -> None:
    assert next_transition(WORKFLOW, world(dependents=(LIVE,)), "in-use", NONE) is None


def test_a_failed_deletion_task_is_rejected_before_anything_else() -> None:
    failed = DeletionTask(
        "task/1", TaskStatus.FAILED, "in use", (RoleUsage("us-east-1", ("arn:pc",)),)
    )
    observation = world(deletion_task=failed, deletion_requested=True, decommission_intended=True)
    transition = next_transition(WORKFLOW, observation, "deleted", NONE)
    assert transition is not None
    assert transition.trigger == "reject"


def test_an_unreachable_target_is_blocked_with_both_states_named() -> None:
    with pytest.raises(Unreachable, match="created cannot be reached from in-use"):
        next_transition(WORKFLOW, world(dependents=(LIVE,)), "created", NONE)


def test_an_unreachable_target_says_why_when_nothing_is_missing() -> None:
    # Only create enters created, from absent or deleted; from in-use the one way there
    # passes delete, which ends a way only to deleted.
    with pytest.raises(Unreachable) as raised:
        next_transition(WORKFLOW, world(dependents=(LIVE,)), "created", NONE)
    assert str(raised.value) == (
        "created cannot be reached from in-use: only create leads there (from absent or "
        "deleted), and from in-use that takes delete, which a way takes only to deleted"
    )


def test_decommission_walks_drain_verify_delete() -> None:
    steps = walk(world(dependents=(LIVE, IDLE, AS_RUN)), "deleted", NONE)
    assert [(trigger, state_label(after)) for trigger, after in steps] == [
        ("drain", "draining"),
        ("verify", "deletable"),
        ("delete", "deleted"),
    ]


def test_a_drain_after_logging_came_back_is_verified_again_before_delete() -> None:
    # A verify found nothing active (decommission intended); then logging was turned back on.
    came_back = world(dependents=(LIVE,), decommission_intended=True)
    assert state_label(came_back) == "in-use"
    steps = walk(came_back, "deleted", NONE)
    assert [trigger for trigger, _ in steps] == ["drain", "verify", "delete"]


@pytest.mark.parametrize("status", [TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS])
def test_restore_during_a_running_deletion_task_is_blocked_or_lands_in_use(
    status: TaskStatus,
) -> None:
    drained = replace(LIVE, active=False, settings={**LIVE.settings, "PercentEnabled": 0})
    deleting = world(
        dependents=(drained,),
        drained=(LIVE,),
        draining=True,
        decommission_intended=True,
        deletion_requested=True,
        deletion_task=DeletionTask("task/1", status),
    )
    try:
        transition = next_transition(WORKFLOW, deleting, "in-use", NONE)
    except Blocked:
        return
    assert transition is not None
    after = simulate(WORKFLOW, transition.trigger, deleting, NONE, ACCOUNT, HOME)
    assert state_label(after) == "in-use"


# -- path_to ----------------------------------------------------------------------------------


@settings(max_examples=100)
@given(observations(), st.sampled_from(TARGETS), st.booleans())
def test_a_path_never_takes_reject(start: Observation, target: str, activate: bool) -> None:
    options = options_for(start, "in-use") if activate else NONE
    path = path_to(WORKFLOW, start, target, options) or ()
    assert "reject" not in [t.trigger for t in path]


def ways(start: Observation, options: PlanOptions) -> dict[str, list[str]]:
    """The triggers of the path to each target that is not blocked (none: an empty list)."""
    found = {}
    for target in TARGETS:
        try:
            found[target] = [t.trigger for t in path_to(WORKFLOW, start, target, options) or ()]
        except Blocked:
            continue
    return found


@settings(max_examples=100)
@given(observations(), st.booleans())
def test_a_path_takes_delete_only_on_the_way_to_deleted(start: Observation, activate: bool) -> None:
    # Every target's path from each world: the way to deleted meets delete wherever a role
    # is there to delete, and the others are checked against it in the same example.
    paths = ways(start, options_for(start, "in-use") if activate else NONE)
    event(f"delete on the way to deleted: {'delete' in paths.get('deleted', [])}")
    assert [t for t, path in paths.items() if "delete" in path] in ([], ["deleted"])


@st.composite
def drained_worlds(draw: st.DrawFn) -> Observation:
    """A world after a drain: the dependents it turned off are off (some may be on again, or
    gone), their settings recorded; any decommission intent, any role, any deletion task."""
    specs = draw(
        st.lists(
            st.sampled_from(DEPENDENT_SPECS),
            min_size=1,
            max_size=4,
            unique_by=lambda s: (s[0], s[2]),
        )
    )
    drained = tuple(dependent(r, k, n, True, p) for r, k, n, _, p in specs)
    now = tuple(
        dependent(r, k, n, draw(st.booleans()) and draw(st.booleans()), p)
        for r, k, n, _, p in specs
        if draw(st.integers(0, 7))  # one in eight is gone
    )
    flags = draw(st.integers(0, 15))
    return Observation(
        role=draw(st.sampled_from([ROLE, ROLE, None])),
        dependents=now,
        scanned_regions=REGIONS,
        # No task in half the worlds: a running or failed one leaves restore for later.
        deletion_task=draw(st.sampled_from([None] * (len(TASKS) - 1) + TASKS[1:])),
        intent=Intent(
            drained=drained,
            draining=bool(flags & 1) or bool(flags & 2),
            decommission_intended=bool(flags & 4),
            deletion_requested=bool(flags & 8),
            deleted_by_us=draw(st.booleans()) and not flags & 1,
        ),
    )


@settings(max_examples=200)
@given(drained_worlds(), st.booleans())
def test_a_path_takes_restore_only_with_a_drain_recorded(
    drained: Observation, activate: bool
) -> None:
    # Each world twice: with its drain recorded, where the way to in-use meets restore when
    # a restore is due, and with the same drain forgotten, where no way may restore.
    options = options_for(drained, "in-use") if activate else NONE
    with_drain = ways(drained, options)
    event(f"restore with the drain: {'restore' in with_drain.get('in-use', [])}")
    forgotten = dataclasses.replace(drained, intent=dataclasses.replace(drained.intent, drained=()))
    assert [t for t, path in ways(forgotten, options).items() if "restore" in path] == []


def test_a_path_to_in_use_restores_a_recorded_drain() -> None:
    draining = world(dependents=(replace(LIVE, active=False),), draining=True, drained=(LIVE,))
    path = path_to(WORKFLOW, draining, "in-use", NONE)
    assert path is not None
    assert [t.trigger for t in path] == ["restore"]


def test_without_a_recorded_drain_in_use_cannot_be_reached_from_draining() -> None:
    assert path_to(WORKFLOW, world(draining=True), "in-use", NONE) is None


# -- writes_for -------------------------------------------------------------------------------


def deactivated(dep: Dependent) -> Call:
    """The write that turns ``dep`` off, as MediaTailor's API takes it."""
    if dep.kind == CHANNEL:
        params = {"ChannelName": dep.name, "LogTypes": []}
        return Call("mediatailor", CONFIGURE_CHANNEL, dep.region, params, dep.name)
    params = {"PlaybackConfigurationName": dep.name, **dep.settings, "PercentEnabled": 0}
    return Call("mediatailor", CONFIGURE, dep.region, params, dep.name)


def test_drain_deactivates_each_active_dependent_and_nothing_else() -> None:
    west = configuration("eu-west-1", "west-live", 25)
    calls = writes_for(WORKFLOW, "drain", world(dependents=(LIVE, IDLE, AS_RUN, west)), NONE, HOME)
    assert calls == [
        Call(
            "mediatailor",
            CONFIGURE,
            "us-east-1",
            {
                "PlaybackConfigurationName": "east-live",
                "PercentEnabled": 0,
                "EnabledLoggingStrategies": ["VENDED_LOGS"],
            },
            "east-live",
        ),
        Call(
            "mediatailor",
            CONFIGURE_CHANNEL,
            "us-west-2",
            {"ChannelName": "linear", "LogTypes": []},
            "linear",
        ),
        Call(
            "mediatailor",
            CONFIGURE,
            "eu-west-1",
            {
                "PlaybackConfigurationName": "west-live",
                "PercentEnabled": 0,
                "EnabledLoggingStrategies": ["VENDED_LOGS"],
            },
            "west-live",
        ),
    ]


@settings(max_examples=100)
@given(observations())
def test_drain_is_one_deactivating_write_per_active_dependent(observation: Observation) -> None:
    calls = writes_for(WORKFLOW, "drain", observation, NONE, HOME)
    assert calls == [deactivated(d) for d in observation.active]


@settings(max_examples=100)
@given(observations())
def test_restore_reapplies_exactly_the_drained_settings(observation: Observation) -> None:
    calls = writes_for(WORKFLOW, "restore", observation, NONE, HOME)
    assert len(calls) == len(observation.intent.drained)
    for call, snapshot in zip(calls, observation.intent.drained, strict=True):
        name_key = "ChannelName" if snapshot.kind == CHANNEL else "PlaybackConfigurationName"
        assert (call.region, call.params[name_key]) == (snapshot.region, snapshot.name)
        assert {k: v for k, v in call.params.items() if k != name_key} == snapshot.settings


@pytest.mark.parametrize("status", [TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS])
def test_delete_sends_nothing_while_a_deletion_task_runs(status: TaskStatus) -> None:
    running = world(deletion_requested=True, deletion_task=DeletionTask("task/1", status))
    assert writes_for(WORKFLOW, "delete", running, NONE, HOME) == []


@pytest.mark.parametrize(
    "task", [None, DeletionTask("task/1", TaskStatus.FAILED)], ids=["no-task", "failed-task"]
)
def test_delete_starts_a_deletion_task_when_none_runs(task: DeletionTask | None) -> None:
    calls = writes_for(WORKFLOW, "delete", world(deletion_task=task), NONE, HOME)
    role = WORKFLOW.role_name
    assert calls == [Call("iam", "DeleteServiceLinkedRole", HOME, {"RoleName": role}, role)]


@pytest.mark.parametrize("trigger", ["verify", "reject"])
def test_verify_and_reject_send_no_write(trigger: str) -> None:
    assert writes_for(WORKFLOW, trigger, world(dependents=(LIVE,)), NONE, HOME) == []


def test_activate_of_an_unknown_resource_is_blocked() -> None:
    options = PlanOptions(activation=Activation((("eu-west-1", "nowhere"),)))
    with pytest.raises(Blocked, match="eu-west-1/nowhere"):
        writes_for(WORKFLOW, "activate", world(dependents=(IDLE,)), options, HOME)


def test_activate_of_a_channel_name_is_blocked() -> None:
    off = channel("us-west-2", "linear", [])
    options = PlanOptions(activation=Activation((("us-west-2", "linear"),)))
    with pytest.raises(Blocked):
        writes_for(WORKFLOW, "activate", world(dependents=(off,)), options, HOME)


# -- simulate ---------------------------------------------------------------------------------


def test_simulated_drain_snapshots_the_active_dependents_and_turns_them_off() -> None:
    after = simulate(WORKFLOW, "drain", world(dependents=(LIVE, IDLE, AS_RUN)), NONE, ACCOUNT)
    assert after.intent.drained == (LIVE, AS_RUN)
    assert after.active == ()
    assert after.intent.draining


def test_a_second_drain_keeps_the_first_snapshot_of_a_dependent() -> None:
    first = simulate(WORKFLOW, "drain", world(dependents=(LIVE,)), NONE, ACCOUNT)
    # After a reject, the dependent is found on again, at another level, with a new one.
    again = replace(LIVE, settings={**LIVE.settings, "PercentEnabled": 30})
    rejected = replace(
        first, dependents=(again, AS_RUN), intent=replace(first.intent, draining=False)
    )
    second = simulate(WORKFLOW, "drain", rejected, NONE, ACCOUNT)
    assert second.intent.drained == (LIVE, AS_RUN)


def test_restore_after_two_drains_reapplies_the_original_settings() -> None:
    first = simulate(WORKFLOW, "drain", world(dependents=(LIVE,)), NONE, ACCOUNT)
    again = replace(LIVE, settings={**LIVE.settings, "PercentEnabled": 30})
    second = simulate(WORKFLOW, "drain", replace(first, dependents=(again,)), NONE, ACCOUNT)
    [call] = writes_for(WORKFLOW, "restore", second, NONE, HOME)
    assert call.params["PercentEnabled"] == 100


def test_simulated_restore_turns_the_drained_dependents_back_on_and_forgets_the_drain() -> None:
    drained = simulate(WORKFLOW, "drain", world(dependents=(LIVE, AS_RUN)), NONE, ACCOUNT)
    after = simulate(WORKFLOW, "restore", drained, NONE, ACCOUNT)
    assert after.active == (LIVE, AS_RUN)
    assert (after.intent.drained, after.intent.draining) == ((), False)


def test_simulated_delete_leaves_no_role_and_a_succeeded_task() -> None:
    deletable = world(dependents=(IDLE,), decommission_intended=True)
    after = simulate(WORKFLOW, "delete", deletable, NONE, ACCOUNT)
    assert after.role is None
    assert after.deletion_task is not None
    assert after.deletion_task.status == TaskStatus.SUCCEEDED


def test_simulated_activate_turns_on_only_the_playback_configuration_it_names() -> None:
    configuration_off = configuration("us-east-1", "live", 0)
    channel_off = channel("us-east-1", "live", [])
    options = PlanOptions(activation=Activation((("us-east-1", "live"),)))
    after = simulate(
        WORKFLOW, "activate", world(dependents=(configuration_off, channel_off)), options, ACCOUNT
    )
    assert [(d.kind, d.active) for d in after.dependents] == [
        (PLAYBACK_CONFIGURATION, True),
        (CHANNEL, False),
    ]
