"""Every registered workflow's declarations, checked against botocore's service models and
the engine's rules: the same checks for each, whoever wrote it."""

from __future__ import annotations

import botocore.session
import pytest

from lifecycle.errors import DefinitionError
from lifecycle.model.calls import Access, Operation
from lifecycle.model.kinds import Kind
from lifecycle.model.workflow import OBSERVE, Workflow
from lifecycle.registry import workflows

WORKFLOWS = workflows()
#: The workflows of one service's resources (``generic`` knows no service's).
OF_A_SERVICE = [name for name, workflow in WORKFLOWS.items() if workflow.dependents_known]
SESSION = botocore.session.get_session()


def model_operations(*services: str) -> dict[str, frozenset[str]]:
    return {s: frozenset(SESSION.get_service_model(s).operation_names) for s in services}


def test_the_built_in_workflows_are_registered() -> None:
    assert {"mediatailor", "config", "cloudtrail", "autoscaling", "generic"} <= set(WORKFLOWS)
    assert set(OF_A_SERVICE) >= {"mediatailor", "config", "cloudtrail", "autoscaling"}


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_every_declared_operation_exists_in_its_service_model(name: str) -> None:
    workflow = WORKFLOWS[name]
    workflow.check_operations(model_operations(*{op.service for op in workflow.operations()}))


@pytest.mark.parametrize("name", OF_A_SERVICE)
def test_its_service_and_principal_are_botocores(name: str) -> None:
    workflow = WORKFLOWS[name]
    assert SESSION.get_available_regions(workflow.service), workflow.service
    assert workflow.principal == f"{workflow.service}.amazonaws.com"
    assert workflow.role_path == f"/aws-service-role/{workflow.principal}/"


@pytest.mark.parametrize("name", OF_A_SERVICE)
def test_iam_and_the_account_api_are_called_globally_the_service_per_region(name: str) -> None:
    for _, op in WORKFLOWS[name].all_operations():
        assert op.regional is (op.service == WORKFLOWS[name].service), op


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_read_only_transitions_declare_no_write(name: str) -> None:
    workflow = WORKFLOWS[name]
    for trigger in (OBSERVE, "verify", "reject"):
        assert all(op.access is Access.READ for op in workflow.binding(trigger).operations)


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_the_kinds_write_only_to_their_own_kind_of_resource(name: str) -> None:
    for kind in WORKFLOWS[name].kinds:
        for op in kind.writes:
            assert op.resource != "*", f"{name}: {op.action} is granted on every resource"


def test_a_drain_sends_only_what_deactivates_and_a_restore_only_what_reactivates() -> None:
    config = WORKFLOWS["config"]
    drain = {op.name for op in config.binding("drain").operations if op.writes}
    restore = {op.name for op in config.binding("restore").operations if op.writes}
    assert (drain, restore) == ({"StopConfigurationRecorder"}, {"StartConfigurationRecorder"})


def test_what_a_kind_deactivates_with_must_be_among_its_writes() -> None:
    class Stray(Kind):
        name = "stray"
        writes = (Operation("example", "SetStray", Access.WRITE),)
        deactivates = (Operation("example", "DropStray", Access.WRITE),)

    with pytest.raises(DefinitionError, match="kind 'stray': what it deactivates"):
        Workflow("x", "x.amazonaws.com", "R", "example", kinds=(Stray(),))


def test_a_kind_only_a_person_clears_brings_no_write_to_a_drain() -> None:
    autoscaling = WORKFLOWS["autoscaling"]
    assert all(kind.person_only and kind.by_hand for kind in autoscaling.kinds)
    assert not [op for op in autoscaling.binding("drain").operations if op.writes]
