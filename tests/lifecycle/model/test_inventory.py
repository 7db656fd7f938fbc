"""The inventory's reading of IAM's facts, for any dates: last use, unused, each role once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle.model.inventory import (
    TRACKED_DAYS,
    Known,
    LastUse,
    ServiceRole,
    entries,
    last_use,
    summary,
    unused,
)

NOW = datetime(2026, 12, 8, tzinfo=UTC)
days_ago = st.integers(0, 3000).map(lambda d: NOW - timedelta(days=d))
unused_days = st.integers(1, TRACKED_DAYS)


def role(
    name: str = "AWSServiceRoleForExample",
    principal: str = "example.amazonaws.com",
    *,
    created: datetime = NOW - timedelta(days=500),
    used: datetime | None = None,
    account: str = "111111111111",
) -> ServiceRole:
    return ServiceRole(
        name=name,
        principal=principal,
        arn=f"arn:aws:iam::{account}:role/aws-service-role/{principal}/{name}",
        created=created,
        last_used=used,
        last_used_region="eu-west-1" if used else None,
    )


@st.composite
def roles(draw: st.DrawFn) -> ServiceRole:
    created = draw(days_ago)
    used = draw(st.none() | st.integers(0, TRACKED_DAYS).map(lambda d: NOW - timedelta(days=d)))
    return role(created=created, used=None if used is None or used < created else used)


@given(roles())
def test_a_role_with_a_last_use_reads_used(r: ServiceRole) -> None:
    assert (last_use(r, NOW) is LastUse.USED) == (r.last_used is not None)


@given(days_ago)
def test_no_last_use_reads_never_when_younger_than_400_days_else_not_tracked(
    created: datetime,
) -> None:
    young = NOW - created <= timedelta(days=TRACKED_DAYS)
    expected = LastUse.NEVER if young else LastUse.NOT_TRACKED
    assert last_use(role(created=created), NOW) is expected


@given(roles(), unused_days)
def test_unused_means_no_use_and_no_creation_within_the_days(r: ServiceRole, days: int) -> None:
    recent = NOW - timedelta(days=days)
    assert unused(r, NOW, days) == ((r.last_used or r.created) < recent)


@given(days_ago, unused_days)
def test_a_role_iam_shows_no_use_of_for_400_days_is_unused_for_any_days(
    created: datetime, days: int
) -> None:
    r = role(created=created)
    if last_use(r, NOW) is LastUse.NOT_TRACKED:
        assert unused(r, NOW, days)


@pytest.mark.parametrize("days", [0, TRACKED_DAYS + 1])
def test_unused_days_beyond_what_iam_tracks_are_refused(days: int) -> None:
    with pytest.raises(ValueError, match=r"1\.\.400"):
        unused(role(), NOW, days)


@given(st.lists(st.sampled_from(["A", "B", "C", "D"]), max_size=12), unused_days)
def test_each_role_is_listed_once_sorted_by_name(names: list[str], days: int) -> None:
    listed = [role(f"AWSServiceRoleFor{n}", f"{n.lower()}.amazonaws.com") for n in names]
    found = entries(listed, NOW, days, lambda _p: None)
    assert [e.role.name for e in found] == sorted({f"AWSServiceRoleFor{n}" for n in names})


def test_the_workflow_that_knows_a_principal_is_named_and_others_fall_back() -> None:
    def known(principal: str) -> Known:
        if principal == "a.amazonaws.com":
            return Known(workflow="a", lifecycle="a", knows_dependents=True, drains=True)
        return Known(workflow=None, lifecycle="generic", knows_dependents=False, drains=False)

    found = entries(
        [role("RoleA", "a.amazonaws.com"), role("RoleB", "b.amazonaws.com")], NOW, 90, known
    )
    assert [(e.workflow, e.lifecycle, e.cleared_by) for e in found] == [
        ("a", "a", "workflow"),
        (None, "generic", "person"),
    ]


def test_the_summary_counts_roles_and_unused_per_service_and_names_failed_accounts() -> None:
    listed = [
        role("R1", "a.amazonaws.com", used=NOW, account="111111111111"),
        role("R1", "a.amazonaws.com", account="222222222222"),
        role("R2", "b.amazonaws.com", account="222222222222"),
    ]
    found = [
        e
        for account in ("111111111111", "222222222222")
        for e in entries([r for r in listed if account in r.arn], NOW, 90, lambda _p: None, account)
    ]
    facts = summary(found, {"333333333333": "AccessDenied"})
    assert facts["by_service"] == {
        "a.amazonaws.com": {"roles": 2, "unused": 1},
        "b.amazonaws.com": {"roles": 1, "unused": 1},
    }
    assert (facts["roles"], facts["unused"], facts["accounts"]) == (3, 2, 2)
    assert facts["failed_accounts"] == {"333333333333": "AccessDenied"}
