"""Values AWS would refuse, found from botocore's model before anything is sent."""

from __future__ import annotations

import pytest

from lifecycle.errors import InvalidOption
from lifecycle.model.options import PlanOptions
from lifecycle.model.parameters import refusal


@pytest.mark.parametrize(
    "text",
    ["", "session logs", "tab\there\r\nand newlines", "caf\u00e9 \u00ff", "x" * 1000],
    ids=["empty", "ascii", "whitespace", "latin-1", "at-the-limit"],
)
def test_a_description_iam_takes_is_taken(text: str) -> None:
    assert refusal("iam", "UpdateRole", "Description", text) is None


@pytest.mark.parametrize(
    ("text", "culprit"),
    [
        ("a\u2014b", "character U+2014 (EM DASH) at position 2"),
        ("bell\u0007", "character U+0007 (a control character) at position 5"),
        ("\u00a0no-break", "character U+00A0 (NO-BREAK SPACE) at position 1"),
    ],
    ids=["em-dash", "control", "no-break-space"],
)
def test_the_first_character_iam_refuses_is_named_with_its_code_point(
    text: str, culprit: str
) -> None:
    why = refusal("iam", "CreateServiceLinkedRole", "Description", text)
    assert why is not None
    assert why.startswith(f"{culprit} is not one IAM accepts (pattern [")


def test_a_description_over_the_models_maximum_is_refused_by_its_length() -> None:
    assert refusal("iam", "UpdateRole", "Description", "x" * 1001) == (
        "1001 characters; IAM accepts at most 1000"
    )


def test_plan_options_refuse_a_description_iam_would_refuse() -> None:
    with pytest.raises(InvalidOption, match=r"^--description: character U\+2014 \(EM DASH\)"):
        PlanOptions(description="session logs \u2014 MediaTailor")
