"""The least-privilege IAM policy: derived from the definitions, lint-clean, in the README, and
proven sufficient and necessary against the local AWS with IAM enforcement on.

The proof: an IAM user holding exactly the policy of a scope runs that scope to the end
through the real runner; with any one action taken out, the run stops with an access-denied
error naming that action. The local AWS authorizes actions, resources and conditions as AWS
does (``localaws.authorization``), so a statement scoped too tightly fails here too.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from parliament import analyze_policy_string
from structlog.testing import capture_logs

from lifecycle.engine.config import RunnerConfig
from lifecycle.engine.runner import Runner
from lifecycle.errors import AwsError
from lifecycle.journal import open_journal
from lifecycle.model.decide import PlanOptions
from lifecycle.model.outcome import Outcome
from lifecycle.model.results import RunResult
from lifecycle.model.retry import RetryPolicy
from lifecycle.model.workflow import Workflow
from lifecycle.views.policy import SCOPES, policy_document, role_arn_pattern, scope_operations
from localaws import LocalAWS
from localaws.seed import Account
from tests.enforcement import Admin, actions, user_holding, without
from tests.lifecycle.conftest import FAST, REGIONS
from workflows.mediatailor import WORKFLOW

README = Path(__file__).parents[3] / "README.md"
PRINCIPAL = WORKFLOW.principal
ROLE_ARN = role_arn_pattern(WORKFLOW)
CROSS_ACCOUNT = "arn:aws:iam::210987654321:role/slr-runner"
ALL_SCOPES = (*SCOPES, "all")


def statement(document: dict[str, Any], action: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in document["Statement"] if action in s["Action"]]
    assert len(found) == 1, f"{action} is granted by {len(found)} statements"
    return found[0]


# -- what the policy grants -------------------------------------------------------------------


@pytest.mark.parametrize("scope", ALL_SCOPES)
def test_a_scope_grants_exactly_the_actions_its_transitions_declare(scope: str) -> None:
    declared = sorted({op.action for op in scope_operations(WORKFLOW, scope)})
    assert actions(policy_document(WORKFLOW, scope)) == declared


def test_provision_and_decommission_grant_their_own_writes_only() -> None:
    provision = actions(policy_document(WORKFLOW, "provision"))
    decommission = actions(policy_document(WORKFLOW, "decommission"))
    assert "iam:DeleteServiceLinkedRole" not in provision
    assert not [a for a in provision if a.startswith("mediatailor:Configure")]
    assert "iam:CreateServiceLinkedRole" not in decommission
    assert "iam:UpdateRole" not in decommission


def test_the_role_may_be_created_only_for_the_workflows_service() -> None:
    create = statement(policy_document(WORKFLOW, "all"), "iam:CreateServiceLinkedRole")
    assert create["Action"] == ["iam:CreateServiceLinkedRole"]
    assert create["Resource"] == ROLE_ARN
    assert create["Condition"] == {"StringEquals": {"iam:AWSServiceName": PRINCIPAL}}


def test_every_iam_action_is_granted_on_the_roles_arn_alone() -> None:
    assert ROLE_ARN == (
        "arn:aws:iam::*:role/aws-service-role/mediatailor.amazonaws.com/"
        "AWSServiceRoleForMediaTailor*"
    )
    document = policy_document(WORKFLOW, "all")
    for action in actions(document):
        if action.startswith("iam:"):
            assert statement(document, action)["Resource"] == ROLE_ARN, action


def test_each_service_write_is_granted_on_its_own_kind_of_resource() -> None:
    document = policy_document(WORKFLOW, "all")
    assert statement(document, "mediatailor:ConfigureLogsForChannel")["Resource"] == (
        "arn:aws:mediatailor:*:*:channel/*"
    )
    assert statement(document, "mediatailor:ConfigureLogsForPlaybackConfiguration")["Resource"] == (
        "arn:aws:mediatailor:*:*:playbackConfiguration/*"
    )


@pytest.mark.parametrize("scope", ALL_SCOPES)
def test_each_statement_has_its_own_sid(scope: str) -> None:
    sids = [s["Sid"] for s in policy_document(WORKFLOW, scope)["Statement"]]
    assert len(set(sids)) == len(sids)
    assert all(re.fullmatch(r"[A-Za-z0-9]+", sid) for sid in sids)


def test_sts_is_granted_only_with_cross_account_use_and_only_on_that_role() -> None:
    assert not [a for a in actions(policy_document(WORKFLOW, "all")) if a.startswith("sts:")]
    document = policy_document(WORKFLOW, "decommission", cross_account=CROSS_ACCOUNT)
    assume = statement(document, "sts:AssumeRole")
    assert (assume["Sid"], assume["Action"], assume["Resource"]) == (
        "AssumeRunnerRole",
        ["sts:AssumeRole"],
        CROSS_ACCOUNT,
    )


def test_an_unknown_scope_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown scope 'teardown'"):
        policy_document(WORKFLOW, "teardown")


@pytest.mark.parametrize("cross_account", [None, CROSS_ACCOUNT], ids=["alone", "assume-role"])
@pytest.mark.parametrize("scope", ALL_SCOPES)
def test_parliament_finds_nothing(scope: str, cross_account: str | None) -> None:
    document = policy_document(WORKFLOW, scope, cross_account=cross_account)
    findings = analyze_policy_string(json.dumps(document)).findings
    assert [(f.issue, f.detail) for f in findings] == []


def test_parliament_would_flag_a_misspelt_condition_key() -> None:
    # The linter does look at what we send it: the same policy with one typo is reported.
    document = policy_document(WORKFLOW, "provision")
    statement(document, "iam:CreateServiceLinkedRole")["Condition"] = {
        "StringEquals": {"iam:AWSServiceNames": PRINCIPAL}
    }
    issues = {f.issue for f in analyze_policy_string(json.dumps(document)).findings}
    assert "UNKNOWN_CONDITION_FOR_ACTION" in issues


# -- the README shows what `slr policy` prints ------------------------------------------------


def readme_policies() -> dict[str, str]:
    text = README.read_text()
    block = text[text.index("<!-- policy:begin -->") : text.index("<!-- policy:end -->")]
    found = re.findall(
        r"^###[^\n]*`slr policy --scope (\w+)`[^\n]*\n.*?```json\n(.*?\n)```", block, re.S | re.M
    )
    return dict(found)


def test_the_readme_shows_the_policy_of_every_scope_as_slr_policy_prints_it() -> None:
    shown = readme_policies()
    assert sorted(shown) == sorted(ALL_SCOPES)
    for scope, text in shown.items():
        generated = json.dumps(policy_document(WORKFLOW, scope), indent=2) + "\n"
        assert text == generated, f"README policy of {scope!r} is stale: paste `slr policy`"


# -- the proof: sufficient and necessary, on the local AWS with IAM enforcement on ------------


def runner(enforcing: LocalAWS, session: Any, state_dir: Path, workflow: Workflow = FAST) -> Runner:
    config = RunnerConfig(
        endpoint_url=enforcing.endpoint_url, regions=REGIONS, reject_wait_seconds=0.0
    )
    return Runner(workflow, open_journal(state_dir), config, session=session)


@dataclass(frozen=True)
class Scenario:
    """A run of one scope: the account before it, the target, and what must hold after."""

    scope: str
    target: str
    #: sets the account (and the journal in the state directory) up, as the administrator
    prepare: Callable[[LocalAWS, Admin, Path], None]
    check: Callable[[Account], None]
    options: PlanOptions = field(default_factory=PlanOptions)


def nothing(enforcing: LocalAWS, admin: Admin, state_dir: Path) -> None:
    """An account where MediaTailor never ran."""


def in_use(enforcing: LocalAWS, admin: Admin, state_dir: Path) -> None:
    """Session logging on in two regions (one configuration idle) and a channel's As Run log."""
    admin.account.configuration("us-east-1", "east-live", 100)
    admin.account.configuration("eu-west-1", "west-live", 25)
    admin.account.configuration("eu-west-1", "west-idle", 0)
    admin.account.channel("us-west-2", "linear", ["AS_RUN"])


def decommission_left_polling(enforcing: LocalAWS, admin: Admin, state_dir: Path) -> None:
    """An earlier decommission stopped while its deletion task ran (exit 2: run apply again);
    the task has succeeded since, and only the journal knows about it."""
    admin.account.create_role()
    # The task runs until the local AWS's clock moves past it, and stays readable for as long
    # after: its status is what the provision run reads.
    enforcing.set_settings(
        deletion_seconds=600.0, task_visibility_seconds=0, task_retention_seconds=600.0
    )
    impatient = dataclasses.replace(FAST, poll=RetryPolicy(0.0, 1.0, 0, jitter="NONE"))
    result = runner(enforcing, admin.session, state_dir, impatient).apply("deleted")
    assert result.outcome == Outcome.PENDING, result.error
    enforcing.advance_clock(600.0)  # the task has succeeded since


def created_by_mediatailor(enforcing: LocalAWS, admin: Admin, state_dir: Path) -> None:
    """The role exists (MediaTailor made it), without a description."""
    admin.account.create_role()


def role_exists(account: Account) -> None:
    role = account.role()
    assert role is not None
    assert role["Path"] == f"/aws-service-role/{PRINCIPAL}/"


def role_described(account: Account) -> None:
    role = account.role()
    assert role is not None
    assert role.get("Description") == "MediaTailor session logs"


def role_deleted_and_logging_off(account: Account) -> None:
    account.wait_for_no_role()
    for region in REGIONS:
        assert all(log["PercentEnabled"] == 0 for log in account.configurations(region).values())
        assert all("AS_RUN" not in types for types in account.channels(region).values())


def lists_without_log_configuration(enforcing: LocalAWS, admin: Admin, state_dir: Path) -> None:
    """List items carry no LogConfiguration (optional in the model): each is read by itself."""
    enforcing.set_settings(list_omits_log_configuration=True)
    admin.account.configuration("us-east-1", "east-idle", 0)


def in_use_lists_without_log_configuration(
    enforcing: LocalAWS, admin: Admin, state_dir: Path
) -> None:
    in_use(enforcing, admin, state_dir)
    enforcing.set_settings(list_omits_log_configuration=True)


SCENARIOS = {
    "absent": Scenario("provision", "created", nothing, role_exists),
    "absent-lists-without-logs": Scenario(
        "provision", "created", lists_without_log_configuration, role_exists
    ),
    "in-use-lists-without-logs": Scenario(
        "decommission",
        "deleted",
        in_use_lists_without_log_configuration,
        role_deleted_and_logging_off,
    ),
    "after-a-decommission": Scenario(
        "provision", "created", decommission_left_polling, role_exists
    ),
    "adopting-the-role": Scenario(
        "provision",
        "created",
        created_by_mediatailor,
        role_described,
        PlanOptions(description="MediaTailor session logs"),
    ),
    "in-use": Scenario("decommission", "deleted", in_use, role_deleted_and_logging_off),
}
#: The scenario each scope's necessity is shown in, unless an action is called only in another.
MAIN = {"provision": "absent", "decommission": "in-use"}
#: Actions a scope needs only in some runs: the deletion status is read when the journal holds
#: an unfinished deletion task; UpdateRole converges an adopted role's description.
ONLY_IN = {
    ("provision", "iam:GetServiceLinkedRoleDeletionStatus"): "after-a-decommission",
    ("provision", "iam:UpdateRole"): "adopting-the-role",
    ("provision", "mediatailor:GetPlaybackConfiguration"): "absent-lists-without-logs",
    ("decommission", "mediatailor:GetPlaybackConfiguration"): "in-use-lists-without-logs",
}
#: Actions a run is better with but does without: without the region list, every region is
#: probed (an opt-in region answering as a disabled one is skipped).
OPTIONAL = {"account:ListRegions"}


def run(
    enforcing: LocalAWS, admin: Admin, scenario: Scenario, document: dict[str, Any], state_dir: Path
) -> tuple[str | None, RunResult | None]:
    """(error, result) of the scenario's run by a user holding ``document``; an error that
    stops the observation, before any step, is raised rather than returned by the runner."""
    scenario.prepare(enforcing, admin, state_dir)
    session = user_holding(admin, document)
    try:
        result = runner(enforcing, session, state_dir).apply(scenario.target, scenario.options)
    except AwsError as error:
        return str(error), None
    return result.error, result


def scenarios_of(scope: str) -> list[str]:
    return [name for name, scenario in SCENARIOS.items() if scenario.scope == scope]


def scope_actions(scope: str) -> list[str]:
    return actions(policy_document(WORKFLOW, scope))


def assert_sufficient(enforcing: LocalAWS, admin: Admin, name: str, tmp_path: Path) -> None:
    scenario = SCENARIOS[name]
    document = policy_document(WORKFLOW, scenario.scope)
    error, result = run(enforcing, admin, scenario, document, tmp_path)
    assert error is None
    assert result is not None
    assert result.final_state == scenario.target
    scenario.check(admin.account)


def assert_necessary(
    enforcing: LocalAWS, admin: Admin, scope: str, action: str, tmp_path: Path
) -> None:
    scenario = SCENARIOS[ONLY_IN.get((scope, action), MAIN[scope])]
    document = without(policy_document(WORKFLOW, scope), action)
    error, result = run(enforcing, admin, scenario, document, tmp_path)
    assert error is not None, f"the run succeeded without {action}"
    assert "\n" not in error
    # e.g. "iam:CreateServiceLinkedRole in us-east-1 failed: AccessDenied: User: ... is not
    # authorized to perform: iam:CreateServiceLinkedRole on resource: arn:... because ..."
    assert re.match(rf"{re.escape(action)} in [a-z0-9-]+ failed: AccessDenied(Exception)?: ", error)
    assert f"not authorized to perform: {action} on resource: " in error
    if result is not None:
        assert result.outcome == Outcome.ERROR


@pytest.mark.parametrize("name", scenarios_of("provision"))
def test_the_provision_policy_suffices(
    enforcing: LocalAWS, admin: Admin, name: str, tmp_path: Path
) -> None:
    assert_sufficient(enforcing, admin, name, tmp_path)


@pytest.mark.parametrize("name", scenarios_of("decommission"))
def test_the_decommission_policy_suffices(
    enforcing: LocalAWS, admin: Admin, name: str, tmp_path: Path
) -> None:
    assert_sufficient(enforcing, admin, name, tmp_path)


@pytest.mark.parametrize("action", [a for a in scope_actions("provision") if a not in OPTIONAL])
def test_every_action_of_the_provision_policy_is_needed(
    enforcing: LocalAWS, admin: Admin, action: str, tmp_path: Path
) -> None:
    assert_necessary(enforcing, admin, "provision", action, tmp_path)


@pytest.mark.parametrize("action", [a for a in scope_actions("decommission") if a not in OPTIONAL])
def test_every_action_of_the_decommission_policy_is_needed(
    enforcing: LocalAWS, admin: Admin, action: str, tmp_path: Path
) -> None:
    assert_necessary(enforcing, admin, "decommission", action, tmp_path)


@pytest.mark.parametrize("scope", ["provision", "decommission"])
@pytest.mark.parametrize("action", sorted(OPTIONAL))
def test_an_optional_action_denied_falls_back_and_the_run_still_succeeds(
    enforcing: LocalAWS, admin: Admin, scope: str, action: str, tmp_path: Path
) -> None:
    scenario = SCENARIOS[MAIN[scope]]
    with capture_logs() as logs:
        error, result = run(
            enforcing, admin, scenario, without(policy_document(WORKFLOW, scope), action), tmp_path
        )
    assert error is None
    assert result is not None
    assert result.final_state == scenario.target
    assert any(e["event"] == "regions.unlisted" for e in logs)
