"""The generic workflow's naming: a principal or a role name, AWS's names as localaws has
them, a custom suffix, and a name that says too little refused in one line."""

from __future__ import annotations

import pytest

from lifecycle.errors import UnknownName
from localaws.principals import SERVICE_LINKED_ROLES
from workflows.generic import KNOWN_NAMES, WORKFLOW, for_service


def test_its_names_agree_with_the_local_aws() -> None:
    for principal, name in KNOWN_NAMES.items():
        assert SERVICE_LINKED_ROLES[principal].role_name == name


@pytest.mark.parametrize("name", ["rds.amazonaws.com", "AWSServiceRoleForRDS"])
def test_a_principal_or_a_role_name_gives_the_same_role(name: str) -> None:
    workflow = for_service(name, {})
    assert (workflow.principal, workflow.role_name) == ("rds.amazonaws.com", "AWSServiceRoleForRDS")
    assert workflow.name == WORKFLOW.name
    assert not workflow.dependents_known
    assert workflow.kinds == ()


def test_a_custom_suffix_is_part_of_the_role_name() -> None:
    workflow = for_service("autoscaling.amazonaws.com", {}, "fleet")
    assert workflow.role_name == "AWSServiceRoleForAutoScaling_fleet"


def test_an_unlisted_service_is_named_by_its_role_in_the_account() -> None:
    roles = {"AWSServiceRoleForKafka": "kafka.amazonaws.com"}
    assert for_service("kafka.amazonaws.com", roles).role_name == "AWSServiceRoleForKafka"
    assert for_service("AWSServiceRoleForKafka", roles).principal == "kafka.amazonaws.com"


@pytest.mark.parametrize("name", ["kafka.amazonaws.com", "AWSServiceRoleForKafka"])
def test_a_name_that_says_too_little_is_refused_in_one_line(name: str) -> None:
    with pytest.raises(UnknownName, match=f"--service-name {name}: ") as refused:
        for_service(name, {})
    assert "\n" not in str(refused.value)


def test_only_its_delete_and_poll_talk_to_iam_no_service_is_called() -> None:
    workflow = for_service("rds.amazonaws.com", {})
    assert {op.service for op in workflow.operations()} <= {"iam", "account"}
