"""Reading the world (lifecycle/engine/observe.py): the role, its deletion task, the regions
the account has enabled and the dependents in them, read from the local AWS over HTTP."""

from __future__ import annotations

from typing import Any

from lifecycle.engine.observe import Observer, role_of
from lifecycle.model.observation import Dependent, Intent, RoleUsage
from localaws import LocalAWS
from localaws.seed import Account
from tests.conftest import ClientFactory
from tests.lifecycle.conftest import FAST, REGIONS, RunnerFactory
from tests.lifecycle.engine.deletion import task_of

ROLE = "AWSServiceRoleForMediaTailor"


def observed(make_runner: RunnerFactory, intent: Intent | None = None, **config: Any) -> Any:
    runner = make_runner(**config)
    return runner.observer().observe(runner.aws(dry_run=True), intent or Intent())


def test_role_of_reads_iams_get_role_answer(account: Account, client: ClientFactory) -> None:
    account.create_role()
    found = client("iam").get_role(RoleName=ROLE)["Role"]
    role = role_of(found)
    assert (role.name, role.arn, role.path) == (ROLE, found["Arn"], found["Path"])
    assert role.path == "/aws-service-role/mediatailor.amazonaws.com/"
    assert role.created == str(found["CreateDate"])


def test_no_role_and_no_dependents_is_an_empty_world_scanned_everywhere(
    make_runner: RunnerFactory,
) -> None:
    document = observed(make_runner).as_dict()
    assert document["role"] is None
    assert not document["dependents"]
    assert tuple(document["scanned_regions"]) == REGIONS
    assert (document["unscanned_regions"], document["skipped_regions"]) == ({}, {})
    assert document["deletion_task"] is None


def test_every_dependent_of_every_region_is_found_with_whether_it_uses_the_role(
    make_runner: RunnerFactory, account: Account
) -> None:
    account.create_role()
    account.configuration("us-east-1", "east-live", 100)
    account.configuration("eu-west-1", "west-idle", 0)
    account.channel("us-west-2", "linear", ["AS_RUN"])
    world = observed(make_runner)
    assert world.role is not None
    assert world.role.name == ROLE
    dependents = world.as_dict()["dependents"]
    found = {(d["region"], d["kind"], d["name"]): d["active"] for d in dependents}
    assert found == {
        ("us-east-1", "playback-configuration", "east-live"): True,
        ("eu-west-1", "playback-configuration", "west-idle"): False,
        ("us-west-2", "channel", "linear"): True,
    }


def test_an_opt_in_region_the_account_has_not_enabled_is_skipped_with_the_reason(
    make_runner: RunnerFactory,
) -> None:
    # The Account API says so in one call: the region is not even probed.
    document = observed(make_runner, regions=(*REGIONS, "af-south-1")).as_dict()
    assert document["skipped_regions"] == {"af-south-1": "opt-in region disabled in this account"}
    assert tuple(document["scanned_regions"]) == REGIONS
    assert document["unscanned_regions"] == {}


def test_an_opt_in_region_once_enabled_is_scanned(
    make_runner: RunnerFactory, account: Account
) -> None:
    account.enable_region("af-south-1")
    account.configuration("af-south-1", "cape-live", 10)
    world = observed(make_runner, regions=(*REGIONS, "af-south-1"))
    assert "af-south-1" in world.scanned_regions
    assert world.skipped_regions == {}
    assert [d.name for d in world.dependents if d.region == "af-south-1"] == ["cape-live"]


def test_a_known_deletion_task_is_read_as_iam_reports_it_with_its_usage(
    make_runner: RunnerFactory, account: Account, aws: LocalAWS
) -> None:
    aws.set_settings(task_retention_seconds=60.0)  # IAM keeps the finished task meanwhile
    account.create_role()
    account.configuration("eu-west-1", "west-live", 25)
    task_id = task_of(account, "FAILED")
    task = observed(make_runner, Intent(task_id=task_id)).as_dict()["deletion_task"]
    assert (task["id"], task["status"]) == (task_id, "FAILED")
    assert [usage["region"] for usage in task["usage"]] == ["eu-west-1"]
    assert any("west-live" in arn for usage in task["usage"] for arn in usage["resources"])


def test_a_task_iam_forgot_after_the_role_went_is_taken_as_succeeded(
    make_runner: RunnerFactory,
) -> None:
    # IAM forgets finished tasks (cloud-nuke#1143); no role left means the task succeeded.
    task = observed(make_runner, Intent(task_id="task/forgotten")).as_dict()["deletion_task"]
    assert (task["id"], task["status"]) == ("task/forgotten", "SUCCEEDED")


def test_a_task_iam_forgot_while_the_role_is_still_there_is_unknown(
    make_runner: RunnerFactory, account: Account
) -> None:
    account.create_role()
    world = observed(make_runner, Intent(task_id="task/forgotten"))
    assert world.role is not None
    assert world.as_dict()["deletion_task"] is None


def test_the_role_we_deleted_that_iam_still_shows_is_taken_as_gone(
    make_runner: RunnerFactory, account: Account
) -> None:
    created = role_of(account.create_role()).created
    ghost = observed(make_runner, Intent(deleted_by_us=True, deleted_role=created))
    assert ghost.role is None
    assert ghost.deleted_by_us


def test_a_role_created_again_after_our_deletion_starts_over_but_keeps_the_drain_record(
    make_runner: RunnerFactory, account: Account
) -> None:
    account.create_role()
    drained = (Dependent("eu-west-1", "playback-configuration", "west-live", "arn:x", True),)
    intent = Intent(drained=drained, deleted_by_us=True, deleted_role="an earlier role's date")
    world = observed(make_runner, intent)
    assert world.role is not None
    assert not world.deleted_by_us
    assert [d["name"] for d in world.as_dict()["drained"]] == ["west-live"]


def test_include_adds_the_served_regions_a_failed_deletion_names_and_only_those() -> None:
    observer = Observer(FAST, ("us-east-1",), home="us-east-1", scan_concurrency=4, known=REGIONS)
    observer.include(
        [
            RoleUsage("eu-west-1", ()),
            RoleUsage("us-east-1", ("arn:aws:mediatailor:us-west-2:123456789012:channel/x",)),
            RoleUsage("mars-north-1", ("arn:aws:mediatailor:mars-north-1:1:channel/y",)),
        ]
    )
    assert observer.regions == ("us-east-1", "eu-west-1", "us-west-2")
