"""The MediaTailor workflow's own declarations (tests/workflows/test_workflows.py checks what
every workflow must)."""

from __future__ import annotations

import botocore.session
import pytest

from lifecycle.errors import DefinitionError
from lifecycle.model.calls import Operation
from lifecycle.model.workflow import Binding, Workflow
from lifecycle.registry import workflows
from workflows.mediatailor import WORKFLOW

WORKFLOWS = workflows()


def model_operations(*services: str) -> dict[str, frozenset[str]]:
    session = botocore.session.get_session()
    return {s: frozenset(session.get_service_model(s).operation_names) for s in services}


def test_an_operation_missing_from_the_model_is_named() -> None:
    known = model_operations("iam", "mediatailor")
    known["iam"] = known["iam"] - {"GetRole"}
    with pytest.raises(DefinitionError, match="transition 'observe': iam:GetRole is not"):
        WORKFLOW.check_operations(known)


def test_every_transition_needs_a_binding() -> None:
    bindings = dict(WORKFLOW.bindings)
    del bindings["drain"]
    with pytest.raises(DefinitionError, match="transition 'drain' has no binding"):
        Workflow("x", "p", "r", "s", bindings=bindings)


def test_a_binding_for_an_unknown_transition_is_refused() -> None:
    bindings = {**WORKFLOW.bindings, "purge": Binding(())}
    with pytest.raises(DefinitionError, match="binds unknown transition 'purge'"):
        Workflow("x", "p", "r", "s", bindings=bindings)


def test_dry_run_allow_list_holds_reads_only() -> None:
    allowed = WORKFLOW.read_only_operations()
    assert ("iam", "GetRole") in allowed
    assert ("iam", "DeleteServiceLinkedRole") not in allowed
    assert Operation("iam", "GetRole").action == "iam:GetRole"


def test_registry_names_the_role() -> None:
    assert WORKFLOWS["mediatailor"].role_name == "AWSServiceRoleForMediaTailor"
    assert WORKFLOW.role_path == "/aws-service-role/mediatailor.amazonaws.com/"
