"""A step's detail: typed facts, and the JSON ``--output json`` has always printed."""

from __future__ import annotations

import json

from lifecycle.model.observation import RoleUsage, TaskStatus
from lifecycle.model.results import StepDetail, StepResult, StepStatus


def test_a_detail_without_facts_prints_an_empty_object() -> None:
    step = StepResult("verify", "Deletable", "Deletable", StepStatus.SUCCEEDED)
    assert step.as_dict()["detail"] == {}


def test_only_the_facts_learnt_are_printed_even_when_empty() -> None:
    detail = StepDetail(active=(), usage=(), dependents=0)
    assert detail.as_dict() == {"dependents": 0, "active": [], "usage": []}


def test_a_deletion_prints_its_keys_in_the_order_they_were_learnt() -> None:
    usage = (RoleUsage("eu-west-1", ("arn:a", "arn:b")),)
    detail = StepDetail(
        deletion_task="task/1",
        deletion_status=TaskStatus.FAILED,
        usage=usage,
        patience_spent=600,
        throttled=2,
        notes={"eu-west-1/a": ("note",)},
    )
    assert json.dumps(detail.as_dict()) == json.dumps(
        {
            "deletion_task": "task/1",
            "deletion_status": "FAILED",
            "usage": [{"region": "eu-west-1", "resources": ["arn:a", "arn:b"]}],
            "patience_spent": 600,
            "throttled": 2,
            "notes": {"eu-west-1/a": ["note"]},
        }
    )


def test_a_write_per_dependent_and_a_rescan_print_plain_lists_and_objects() -> None:
    sent = StepDetail(dependents=2, gone=("eu-west-1/b",))
    assert sent.as_dict() == {"dependents": 2, "gone": ["eu-west-1/b"]}
    rescan = StepDetail(active=("us-east-1/a",), skipped_regions={"me-south-1": "opt-in"})
    assert rescan.as_dict() == {
        "active": ["us-east-1/a"],
        "skipped_regions": {"me-south-1": "opt-in"},
    }
