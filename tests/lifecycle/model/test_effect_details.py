"""Each transition's effect, exactly: the writes it sends (their account, home region and
parameters), the world a dry run shows after it, and the one line that says why it is blocked.
The walks of ``test_decide.py`` check that the effects compose; these check what each says."""

from __future__ import annotations

from typing import Any

import pytest

from lifecycle.errors import Blocked
from lifecycle.model.calls import Call
from lifecycle.model.effects import EFFECTS, deactivation_notes, role_arn
from lifecycle.model.observation import (
    DeletionTask,
    Dependent,
    Intent,
    Observation,
    Role,
    RoleUsage,
    TaskStatus,
)
from lifecycle.model.options import PlanOptions, Where
from lifecycle.model.workflow import Activation
from tests.fakes.widgets import LOCK, WIDGET, WORKFLOW, Widgets, widget

# Neither the default account nor the default home region: a write must carry the run's.
WHERE = Where("210987654321", home="cn-north-1")
ROLE = Role(WORKFLOW.role_name, "arn:aws:iam::210987654321:role/x", created="2024-01-02")


def test_create_sends_one_create_to_the_runs_home_region_with_its_options() -> None:
    options = PlanOptions(description="made by us", custom_suffix="blue")
    calls = EFFECTS["create"].writes(WORKFLOW, Observation(None), options, WHERE)
    assert calls == [
        Call(
            "iam",
            "CreateServiceLinkedRole",
            "cn-north-1",
            {
                "AWSServiceName": "example.amazonaws.com",
                "Description": "made by us",
                "CustomSuffix": "blue",
            },
            "example.amazonaws.com",
        )
    ]


def test_create_without_options_sends_only_the_service_name() -> None:
    (call,) = EFFECTS["create"].writes(WORKFLOW, Observation(None), PlanOptions(), WHERE)
    assert call.params == {"AWSServiceName": "example.amazonaws.com"}


def test_a_simulated_create_shows_the_role_in_the_runs_account_and_partition() -> None:
    drained = (widget("w1", 3),)
    world = Observation(
        None,
        deletion_task=DeletionTask("t1", TaskStatus.SUCCEEDED),
        intent=Intent(drained=drained, deleted_by_us=True, rejects=2),
    )
    after = EFFECTS["create"].simulate(WORKFLOW, world, PlanOptions(description="d"), WHERE)
    assert after.role == Role(
        "AWSServiceRoleForExample",
        "arn:aws-cn:iam::210987654321:role/aws-service-role/example.amazonaws.com/"
        "AWSServiceRoleForExample",
        "/aws-service-role/example.amazonaws.com/",
        "d",
    )
    assert after.role.arn == role_arn(WORKFLOW, WHERE)
    assert after.deletion_task is None
    assert after.intent == Intent(drained=drained)


def test_a_simulated_create_over_a_shown_role_keeps_it_and_sets_only_its_description() -> None:
    world = Observation(ROLE)
    assert EFFECTS["create"].simulate(WORKFLOW, world, PlanOptions(), WHERE).role == ROLE
    described = EFFECTS["create"].simulate(WORKFLOW, world, PlanOptions(description="n"), WHERE)
    assert described.role == Role(ROLE.name, ROLE.arn, ROLE.path, "n", ROLE.created)


def test_delete_sends_one_delete_to_the_runs_home_region_unless_a_task_runs() -> None:
    world = Observation(ROLE)
    assert EFFECTS["delete"].writes(WORKFLOW, world, PlanOptions(), WHERE) == [
        Call(
            "iam",
            "DeleteServiceLinkedRole",
            "cn-north-1",
            {"RoleName": "AWSServiceRoleForExample"},
            "AWSServiceRoleForExample",
        )
    ]
    for status in (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS):
        running = Observation(ROLE, deletion_task=DeletionTask("t", status))
        assert EFFECTS["delete"].writes(WORKFLOW, running, PlanOptions(), WHERE) == []
    failed = Observation(ROLE, deletion_task=DeletionTask("t", TaskStatus.FAILED))
    assert len(EFFECTS["delete"].writes(WORKFLOW, failed, PlanOptions(), WHERE)) == 1


@pytest.mark.parametrize("task", [None, DeletionTask("task/7", TaskStatus.IN_PROGRESS)])
def test_a_simulated_delete_leaves_no_role_and_a_succeeded_task(task: DeletionTask | None) -> None:
    intent = Intent(draining=True, decommission_intended=True, drained=(widget("w", 2),))
    world = Observation(ROLE, (widget("w", 0),), deletion_task=task, intent=intent)
    after = EFFECTS["delete"].simulate(WORKFLOW, world, PlanOptions(), WHERE)
    task_id = task.id if task else "task/simulated"
    assert after.role is None
    assert after.dependents == ()
    assert after.deletion_task == DeletionTask(task_id, TaskStatus.SUCCEEDED)
    assert after.intent == Intent(
        drained=intent.drained,
        deletion_requested=True,
        deleted_by_us=True,
        deleted_role="2024-01-02",
    )


def test_a_simulated_reject_counts_the_reject_and_forgets_the_task() -> None:
    intent = Intent(draining=True, decommission_intended=True, deletion_requested=True, rejects=1)
    failed = DeletionTask("t", TaskStatus.FAILED, "in use")
    world = Observation(ROLE, deletion_task=failed, intent=intent)
    after = EFFECTS["reject"].simulate(WORKFLOW, world, PlanOptions(), WHERE)
    assert after.deletion_task is None
    assert after.intent == Intent(draining=True, rejects=2)


def test_a_simulated_drain_keeps_the_first_snapshot_and_turns_widgets_off() -> None:
    first = widget("w1", 3)
    world = Observation(
        ROLE,
        (widget("w1", 7), widget("w2", 4), widget("w3", 0)),
        intent=Intent(drained=(first,), decommission_intended=True, deletion_requested=True),
    )
    after = EFFECTS["drain"].simulate(WORKFLOW, world, PlanOptions(), WHERE)
    assert after.dependents == (
        Dependent("us-east-1", WIDGET, "w1", "arn:widget/w1", False, {"Level": 0}),
        Dependent("us-east-1", WIDGET, "w2", "arn:widget/w2", False, {"Level": 0}),
        widget("w3", 0),
    )
    assert after.intent == Intent(draining=True, drained=(first, widget("w2", 4)))


def test_a_simulated_restore_reapplies_the_drained_settings() -> None:
    world = Observation(
        ROLE,
        (widget("w1", 0), widget("w2", 0)),
        intent=Intent(draining=True, decommission_intended=True, drained=(widget("w1", 3),)),
    )
    after = EFFECTS["restore"].simulate(WORKFLOW, world, PlanOptions(), WHERE)
    assert after.dependents == (widget("w1", 3), widget("w2", 0))
    assert after.intent == Intent()


def test_restore_needs_no_running_deletion_task() -> None:
    needs = EFFECTS["restore"].needs
    for status in (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS):
        world = Observation(ROLE, deletion_task=DeletionTask("t", status))
        assert needs(WORKFLOW, world, PlanOptions()) == "no deletion task running (one is)"
    for task in (None, DeletionTask("t", TaskStatus.FAILED)):
        assert needs(WORKFLOW, Observation(ROLE, deletion_task=task), PlanOptions()) is None


def test_activate_sets_the_given_level_or_the_workflows_default() -> None:
    world = Observation(ROLE, (widget("a", 0), widget("b", 0, "eu-west-1")))
    effect = EFFECTS["activate"]
    given = PlanOptions(activation=Activation((("eu-west-1", "b"),), {"level": 8}))
    assert effect.writes(WORKFLOW, world, given, WHERE) == [
        Call("example", "SetWidget", "eu-west-1", {"WidgetName": "b", "Level": 8}, "b")
    ]
    default = PlanOptions(activation=Activation((("us-east-1", "a"),)))
    after = effect.simulate(WORKFLOW, world, default, WHERE)
    assert after.dependents == (widget("a", 5), widget("b", 0, "eu-west-1"))
    assert effect.needs(WORKFLOW, world, PlanOptions()) == "--activate REGION/NAME"
    assert effect.needs(WORKFLOW, world, default) is None


def test_activate_refuses_what_it_cannot_find_naming_each() -> None:
    world = Observation(ROLE, (widget("a", 0), Dependent("us-east-1", LOCK, "b", "arn", True)))
    targets = (("us-east-1", "a"), ("us-east-1", "b"), ("eu-west-1", "a"))
    options = PlanOptions(activation=Activation(targets))
    with pytest.raises(Blocked, match=r"^activate: no such widget: us-east-1/b, eu-west-1/a$"):
        EFFECTS["activate"].writes(WORKFLOW, world, options, WHERE)
    with pytest.raises(Blocked, match=r"^activate needs resources to activate$"):
        EFFECTS["activate"].writes(WORKFLOW, world, PlanOptions(), WHERE)


def test_each_blocked_transition_says_why_in_one_line() -> None:
    world = Observation(
        ROLE,
        (widget("w1", 2), widget("w2", 0), widget("w3", 1, "eu-west-1")),
        unscanned_regions={"us-west-2": "timed out", "ap-south-1": "denied"},
    )
    assert EFFECTS["verify"].blocked(world) == (
        "verify needs every region scanned; not scanned: ap-south-1 (denied), us-west-2 (timed out)"
    )
    scanned = Observation(ROLE, world.dependents)
    assert EFFECTS["verify"].blocked(scanned) == "still active: us-east-1/w1, eu-west-1/w3"
    assert EFFECTS["delete"].blocked(scanned) == "guard of delete does not hold"
    failed = Observation(ROLE, deletion_task=DeletionTask("t", TaskStatus.FAILED, "in use"))
    assert EFFECTS["delete"].blocked(failed) == "deletion task FAILED: in use"
    for trigger in ("create", "drain", "reject", "restore", "activate"):
        assert EFFECTS[trigger].blocked(world) == f"guard of {trigger} does not hold"


class NotedWidgets(Widgets):
    def notes(self, dependent: Dependent) -> tuple[str, ...]:
        return (f"{dependent.name} stops its feed",) if dependent.name != "quiet" else ()


def test_deactivation_notes_name_each_dependent_turned_off_that_has_notes() -> None:
    import dataclasses

    workflow = dataclasses.replace(WORKFLOW, kinds=(NotedWidgets(), *WORKFLOW.kinds[1:]))
    before = Observation(
        ROLE, (widget("a", 1), widget("quiet", 1), widget("kept", 1), widget("off", 0))
    )
    after = Observation(
        ROLE, (widget("a", 0), widget("quiet", 0), widget("kept", 1), widget("off", 0))
    )
    assert deactivation_notes(workflow, before, after) == {"us-east-1/a": ("a stops its feed",)}


def full_world() -> Observation:
    return Observation(
        ROLE,
        (widget("w1", 2), widget("w2", 0, "eu-west-1")),
        scanned_regions=("us-east-1", "eu-west-1"),
        unscanned_regions={"us-west-2": "timed out"},
        skipped_regions={"af-south-1": "not enabled"},
        deletion_task=DeletionTask(
            "task/1",
            TaskStatus.FAILED,
            "in use",
            (RoleUsage("eu-west-1", ("arn:widget/w2",)),),
        ),
        intent=Intent(
            draining=True,
            decommission_intended=True,
            drained=(widget("w1", 5),),
            deletion_requested=True,
            deleted_by_us=False,
            rejects=3,
            deleted_role="2023-05-06",
        ),
    )


def test_an_observation_survives_its_json_form() -> None:
    import json

    world = full_world()
    data: dict[str, Any] = json.loads(json.dumps(world.as_dict()))
    assert Observation.from_dict(data) == world
    assert "task_id" not in data  # the journal's task is AWS's, read again on resume
    assert data["rejects"] == 3
    assert data["role"]["arn"] == ROLE.arn


def test_an_observation_of_nothing_reads_back_with_its_defaults() -> None:
    assert Observation.from_dict({"role": None}) == Observation(None)
    assert Observation.from_dict(Observation(None).as_dict()) == Observation(None)


def test_an_intent_ignores_keys_it_does_not_know() -> None:
    data = Intent(draining=True, drained=(widget("w", 1),)).as_dict() | {"later": 1}
    assert Intent.from_dict(data) == Intent(draining=True, drained=(widget("w", 1),))
