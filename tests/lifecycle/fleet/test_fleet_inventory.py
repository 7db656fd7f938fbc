"""`slr --accounts org inventory` over an organization of 50 member accounts on the local
AWS: one inventory with an account column, every account answered (or named as failed, with
why), and a summary per service."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lifecycle.cli import exits
from localaws import LocalAWS
from localaws.service_roles import ACCOUNT_ROLES, SeededRole, seed_service_linked_roles
from tests.lifecycle.cli.test_cli import Slr
from tests.lifecycle.fleet.conftest import MANAGEMENT, Organization, build

MEMBERS = 50


@pytest.fixture
def slr(aws: LocalAWS, tmp_path: Path) -> Slr:
    return Slr(aws, tmp_path / "state")


def roles_of(n: int) -> tuple[SeededRole, ...]:
    return (ACCOUNT_ROLES[n % len(ACCOUNT_ROLES)], ACCOUNT_ROLES[(n + 5) % len(ACCOUNT_ROLES)])


@pytest.fixture
def org(aws: LocalAWS) -> tuple[Organization, dict[str, set[str]]]:
    """50 members in two OUs, the first without the role a fleet assumes; two roles each."""
    made = build(aws, {"": 1, "workloads": 24, "sandbox": 25}, without_role=1)
    seeded: dict[str, set[str]] = {}

    def seed(item: tuple[int, str]) -> None:
        n, account = item
        if account in made.without_role:
            return
        found = seed_service_linked_roles(
            aws, made.member(account), account_id=account, roles=roles_of(n)
        )
        seeded[account] = set(found)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(seed, enumerate(sorted(made.accounts.values()))))
    return made, seeded


def test_every_account_of_the_organization_answers(
    slr: Slr, org: tuple[Organization, dict[str, set[str]]]
) -> None:
    made, seeded = org
    done = slr("--output", "json", "--accounts", "org", "inventory")
    assert "Traceback" not in done.stderr
    document = json.loads(done.stdout)
    # One member cannot be reached (no role to assume): the fleet says so, and exits 1.
    assert done.returncode == exits.ERROR
    outcomes = {item["account"]: item["outcome"] for item in document["accounts"]}
    assert set(outcomes) == {*made.accounts.values(), MANAGEMENT}
    [unreachable] = made.without_role
    assert outcomes.pop(unreachable) == "failed"
    assert set(outcomes.values()) == {"succeeded"}
    assert unreachable in document["summary"]["failed_accounts"]
    listed: dict[str, set[str]] = {}
    for role in document["roles"]:
        listed.setdefault(role["account"], set()).add(role["name"])
    for account, names in seeded.items():
        assert listed[account] == names, account
    assert document["summary"]["accounts"] == len(seeded)


def test_the_summary_counts_roles_and_unused_per_service(
    slr: Slr, org: tuple[Organization, dict[str, set[str]]]
) -> None:
    _, seeded = org
    done = slr("--output", "json", "--accounts", "org", "inventory", "--unused-days", "90")
    document = json.loads(done.stdout)
    by_service = document["summary"]["by_service"]
    roles = Counter(r["principal"] for r in document["roles"])
    unused = Counter(r["principal"] for r in document["roles"] if r["unused"])
    assert {p: c["roles"] for p, c in by_service.items()} == dict(roles)
    assert {p: c["unused"] for p, c in by_service.items()} == {p: unused[p] for p in roles}
    assert sum(roles.values()) == sum(len(names) for names in seeded.values())


def test_the_text_has_an_account_column_and_names_the_failed_account(
    slr: Slr, org: tuple[Organization, dict[str, set[str]]]
) -> None:
    made, _ = org
    done = slr("--accounts", "org", "inventory")
    lines = done.stdout.splitlines()
    assert lines[0].split()[:2] == ["account", "role"]
    [unreachable] = made.without_role
    assert any(line.startswith(f"failed {unreachable}: ") for line in lines)
