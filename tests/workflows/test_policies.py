"""Each further workflow's least-privilege policy, proven as MediaTailor's is
(tests/lifecycle/views/test_policy.py): a user holding exactly a scope's policy runs it to the
end on the local AWS with IAM enforcement on, and with any one action taken out the run stops
with an access-denied error naming that action.

The role's own IAM operations are the engine's, the same for every workflow: the ones a scope
needs only after an interrupted decommission or to adopt a described role are proven necessary
in MediaTailor's proof; here every other action of each scope is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.runner import Runner
from lifecycle.errors import AwsError
from lifecycle.journal import open_journal
from lifecycle.model.outcome import Outcome
from lifecycle.registry import get
from lifecycle.testing import fast
from lifecycle.views.policy import policy_document
from localaws import LocalAWS, autoscaling, cloudtrail, config
from localaws.seed import Account
from tests.enforcement import Admin, actions, user_holding, without

REGIONS = ("us-east-1", "eu-west-1")
#: Proven in MediaTailor's proof, in runs that need them (see the docstring).
ENGINE_ONLY_IN = {
    ("provision", "iam:GetServiceLinkedRoleDeletionStatus"),
    ("provision", "iam:UpdateRole"),
}
#: A run does without the region list: every region is probed instead.
OPTIONAL = {"account:ListRegions"}


@dataclass(frozen=True)
class Scenario:
    """A run of one scope of one workflow: the account before it, the target, what holds
    after."""

    workflow: str
    scope: str
    target: str
    #: Sets the account up as its administrator (and the journal at the path, if need be).
    prepare: Callable[[Admin, Path], None]
    check: Callable[[Account], None]


def nothing(admin: Admin, journal: Path) -> None:
    """An account where the service never ran."""


def role_of(workflow: str) -> Callable[[Account], None]:
    def check(account: Account) -> None:
        role = account.wait_for_role(get(workflow).role_name)
        assert role["Path"] == get(workflow).role_path

    return check


def gone(workflow: str, also: Callable[[Account], None]) -> Callable[[Account], None]:
    def check(account: Account) -> None:
        account.wait_for_no_role(get(workflow).role_name)
        also(account)

    return check


def recording(admin: Admin, journal: Path) -> None:
    config.recorder(admin.account, "us-east-1")
    config.recorder(admin.account, "eu-west-1")
    admin.account.wait_for_role(get("config").role_name)


def enforcing_url(admin: Admin) -> str:
    return str(admin.account.client("iam").meta.endpoint_url)


def drained_by_admin(admin: Admin, journal: Path) -> None:
    """Recorders a decommission stopped (its drain kept in the journal), to be undone."""
    recording(admin, journal)
    settings = RunnerConfig(endpoint_url=enforcing_url(admin), regions=REGIONS)
    runner = Runner(fast(get("config")), open_journal(journal), settings, session=admin.session)
    assert runner.apply("draining").outcome == Outcome.DONE


def stopped_recorder(admin: Admin, journal: Path) -> None:
    config.recorder(admin.account, "us-east-1", recording=False)
    admin.account.wait_for_role(get("config").role_name)


def nothing_records(account: Account) -> None:
    for region in REGIONS:
        assert not any(r["recording"] for r in config.recorders(account, region).values())


def all_recording(account: Account) -> None:
    for region in REGIONS:
        assert all(r["recording"] for r in config.recorders(account, region).values())


def organization_trail(admin: Admin, journal: Path) -> None:
    cloudtrail.management_account(admin.account)
    cloudtrail.organization_trail(admin.account, "us-east-1", "organization-audit")
    admin.account.wait_for_role(get("cloudtrail").role_name)


def no_organization_trail(account: Account) -> None:
    trails = cloudtrail.trails(account, "us-east-1")
    assert trails["organization-audit"]["IsOrganizationTrail"] is False


def auto_scaling_role(admin: Admin, journal: Path) -> None:
    admin.account.create_role(get("autoscaling").principal)


def no_group(account: Account) -> None:
    assert not any(autoscaling.groups(account, region) for region in REGIONS)


SCENARIOS = {
    "config-absent": Scenario("config", "provision", "created", nothing, role_of("config")),
    # Recorders' status is read only when a recorder names the role.
    "config-adopted": Scenario(
        "config", "provision", "created", stopped_recorder, role_of("config")
    ),
    "config-in-use": Scenario(
        "config", "decommission", "deleted", recording, gone("config", nothing_records)
    ),
    # A decommission may undo its own drain: only a restore starts recorders again.
    "config-undone": Scenario("config", "decommission", "in-use", drained_by_admin, all_recording),
    "cloudtrail-absent": Scenario(
        "cloudtrail", "provision", "created", nothing, role_of("cloudtrail")
    ),
    "cloudtrail-in-use": Scenario(
        "cloudtrail",
        "decommission",
        "deleted",
        organization_trail,
        gone("cloudtrail", no_organization_trail),
    ),
    "autoscaling-absent": Scenario(
        "autoscaling", "provision", "created", nothing, role_of("autoscaling")
    ),
    # Only a person deletes the groups: a decommission runs where none is left.
    "autoscaling-unused": Scenario(
        "autoscaling", "decommission", "deleted", auto_scaling_role, gone("autoscaling", no_group)
    ),
}
#: The scenario each (workflow, scope)'s necessity is shown in, unless ONLY_IN names another.
MAIN = {
    ("config", "provision"): "config-absent",
    ("config", "decommission"): "config-in-use",
    ("cloudtrail", "provision"): "cloudtrail-absent",
    ("cloudtrail", "decommission"): "cloudtrail-in-use",
    ("autoscaling", "provision"): "autoscaling-absent",
    ("autoscaling", "decommission"): "autoscaling-unused",
}
ONLY_IN = {
    ("config", "provision", "config:DescribeConfigurationRecorderStatus"): "config-adopted",
    ("config", "decommission", "config:StartConfigurationRecorder"): "config-undone",
}


def run(
    enforcing: LocalAWS, admin: Admin, scenario: Scenario, document: dict[str, object], tmp: Path
) -> tuple[str | None, Outcome | None]:
    scenario.prepare(admin, tmp)
    session = user_holding(admin, document)
    settings = RunnerConfig(
        endpoint_url=enforcing.endpoint_url, regions=REGIONS, reject_wait_seconds=0.2
    )
    runner = Runner(fast(get(scenario.workflow)), open_journal(tmp), settings, session=session)
    try:
        result = runner.apply(scenario.target)
    except AwsError as error:
        return str(error), None
    return result.error, result.outcome


def needed() -> list[tuple[str, str, str]]:
    """(workflow, scope, action) of every action a proof here shows necessary."""
    return [
        (workflow, scope, action)
        for workflow, scope in MAIN
        for action in actions(policy_document(get(workflow), scope))
        if action not in OPTIONAL and (scope, action) not in ENGINE_ONLY_IN
    ]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_scopes_policy_suffices(
    enforcing: LocalAWS, admin: Admin, name: str, tmp_path: Path
) -> None:
    scenario = SCENARIOS[name]
    document = policy_document(get(scenario.workflow), scenario.scope)
    error, outcome = run(enforcing, admin, scenario, document, tmp_path)
    assert (error, outcome) == (None, Outcome.DONE)
    scenario.check(admin.account)


@pytest.mark.parametrize(("workflow", "scope", "action"), needed())
def test_every_action_of_the_scopes_policy_is_needed(
    enforcing: LocalAWS, admin: Admin, workflow: str, scope: str, action: str, tmp_path: Path
) -> None:
    scenario = SCENARIOS[ONLY_IN.get((workflow, scope, action), MAIN[(workflow, scope)])]
    document = without(policy_document(get(workflow), scope), action)
    error, outcome = run(enforcing, admin, scenario, document, tmp_path)
    assert error is not None, f"the run succeeded without {action}"
    assert "\n" not in error
    assert re.match(rf"{re.escape(action)} in [a-z0-9-]+ failed: AccessDenied(Exception)?: ", error)
    assert outcome in (None, Outcome.ERROR)
