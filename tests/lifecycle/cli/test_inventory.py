"""`slr inventory` over HTTP on a seeded account: every service-linked role once, with its
last use and the workflow that knows it; the unused ones marked; `--scan` gives each known
role's state; nothing written."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lifecycle.cli import exits
from localaws import LocalAWS
from localaws.seed import Account
from localaws.service_roles import ACCOUNT_ROLES, SeededRole, seed_service_linked_roles
from tests import recorder
from tests.lifecycle.cli.test_cli import Slr, one_line_error

MEDIATAILOR = "AWSServiceRoleForMediaTailor"


@pytest.fixture
def slr(aws: LocalAWS, tmp_path: Path) -> Slr:
    return Slr(aws, tmp_path / "state")


@pytest.fixture
def seeded(aws: LocalAWS, account: Account) -> dict[str, SeededRole]:
    account.client("iam").create_role(RoleName="deployer", AssumeRolePolicyDocument="{}")
    return seed_service_linked_roles(aws, account)


def inventory_json(slr: Slr, *args: str) -> dict[str, Any]:
    done = slr("--output", "json", "inventory", *args)
    assert done.returncode == exits.OK, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def test_every_service_linked_role_is_listed_once_with_its_last_use(
    slr: Slr, seeded: dict[str, SeededRole]
) -> None:
    document = inventory_json(slr)
    assert document["schema_version"] == 1
    names = [role["name"] for role in document["roles"]]
    assert names == sorted(seeded)  # once each, and the deployer (no service's) left out
    for item in document["roles"]:
        seed = seeded[item["name"]]
        assert item["principal"] == seed.principal
        if seed.used_days_ago is None:
            expected = "never" if seed.created_days_ago <= 400 else "not within 400 days"
        elif seed.used_days_ago > 400:
            expected = "not within 400 days"
        else:
            expected = "used"
            assert item["last_used_region"] == seed.region
        assert item["last_use"] == expected, item["name"]


@pytest.mark.parametrize("days", [30, 90, 400])
def test_the_roles_unused_for_the_days_asked_are_marked(
    slr: Slr, seeded: dict[str, SeededRole], days: int
) -> None:
    document = inventory_json(slr, "--unused-days", str(days))

    def idle(seed: SeededRole) -> bool:
        since = seed.used_days_ago if seed.used_days_ago is not None else seed.created_days_ago
        return since > days or since > 400

    marked = {item["name"] for item in document["roles"] if item["unused"]}
    assert marked == {name for name, seed in seeded.items() if idle(seed)}
    assert document["summary"]["unused"] == len(marked)


def test_the_workflow_that_knows_a_role_is_named_and_the_rest_fall_to_generic(
    slr: Slr, seeded: dict[str, SeededRole]
) -> None:
    by_name = {item["name"]: item for item in inventory_json(slr)["roles"]}
    assert (by_name[MEDIATAILOR]["workflow"], by_name[MEDIATAILOR]["cleared_by"]) == (
        "mediatailor",
        "workflow",
    )
    others = [item for name, item in by_name.items() if name != MEDIATAILOR]
    # On this branch no other workflow is registered: each one names itself here.
    assert {(i["workflow"], i["lifecycle_workflow"], i["cleared_by"]) for i in others} <= {
        (None, "generic", "person"),
        *((i["workflow"], i["workflow"], i["cleared_by"]) for i in others if i["workflow"]),
    }


def test_scan_gives_each_known_roles_state_and_active_dependents(
    slr: Slr, seeded: dict[str, SeededRole], account: Account
) -> None:
    account.configuration("eu-west-1", "news", 50)
    by_name = {item["name"]: item for item in inventory_json(slr, "--scan")["roles"]}
    mediatailor = by_name[MEDIATAILOR]
    assert mediatailor["state"] == "in-use"
    assert mediatailor["active_dependents"] == ["eu-west-1/playback-configuration/news"]
    for item in by_name.values():
        if item["workflow"] is None:
            assert (item["state"], item["active_dependents"]) == (None, None)


def test_an_inventory_writes_nothing(
    slr: Slr, aws: LocalAWS, seeded: dict[str, SeededRole]
) -> None:
    recorder.start(aws)
    inventory_json(slr, "--scan")
    recorder.stop(aws)
    sent = [(method, action) for method, action, _, _ in recorder.requests(aws)]
    assert sent
    assert not [call for call in sent if recorder.is_write(*call)]
    iam_calls = {action for method, action in sent if action and action[0].isupper()}
    assert "GetAccountAuthorizationDetails" in iam_calls
    assert "ListRoles" not in iam_calls


def test_markdown_is_a_table_a_ticket_can_hold(slr: Slr, seeded: dict[str, SeededRole]) -> None:
    done = slr("inventory", "--format", "markdown")
    assert done.returncode == exits.OK, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| `")]
    assert len(rows) == len(seeded)
    assert all(line.count("|") == 8 for line in rows)


def test_csv_has_a_row_per_role_with_iso_dates(slr: Slr, seeded: dict[str, SeededRole]) -> None:
    done = slr("inventory", "--format", "csv")
    assert done.returncode == exits.OK, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert sorted(row["name"] for row in rows) == sorted(seeded)
    for row in rows:
        age = datetime.now(UTC) - datetime.fromisoformat(row["created"])
        assert round(age / timedelta(days=1)) == seeded[row["name"]].created_days_ago


def test_text_ends_with_the_count_of_roles_and_unused(
    slr: Slr, seeded: dict[str, SeededRole]
) -> None:
    done = slr("inventory")
    assert done.returncode == exits.OK, done.stderr
    unused = sum(
        1
        for s in ACCOUNT_ROLES
        if (s.used_days_ago if s.used_days_ago is not None else s.created_days_ago) > 90
    )
    assert done.stdout.splitlines()[-1] == (
        f"{len(seeded)} service-linked roles, {unused} unused for 90+ days"
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--output", "json", "inventory", "--format", "csv"], "choose one"),
        (["inventory", "--unused-days", "401"], "401"),
        (["inventory", "--unused-days", "0"], "0"),
    ],
)
def test_bad_input_is_one_line_and_exit_64(
    slr: Slr, aws: LocalAWS, args: list[str], says: str
) -> None:
    done = slr(*args)
    assert done.returncode == exits.USAGE
    assert says in one_line_error(done)
