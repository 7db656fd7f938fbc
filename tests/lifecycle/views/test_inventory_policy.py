"""`slr policy --scope inventory` (and `inventory-scan`), proven against the local AWS with
IAM enforcement on, as the workflows' policies are: a user holding exactly the policy reads
the inventory (and scans), and with an action taken out it is refused, naming that action."""

# ruff: noqa: F811  # the fixtures imported from the policy tests are parameters here

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lifecycle.cli.inventory import account_inventory
from lifecycle.engine.config import RunnerConfig
from lifecycle.errors import AwsError
from lifecycle.journal import open_journal
from lifecycle.model.inventory import Entry
from lifecycle.registry import workflows
from lifecycle.views.policy import inventory_policy_document
from localaws import LocalAWS
from tests.lifecycle.conftest import REGIONS
from tests.lifecycle.views.test_policy import (  # noqa: F401  (admin, enforcing: fixtures)
    OPTIONAL,
    Admin,
    actions,
    admin,
    enforcing,
    user_holding,
    without,
)

SCANNED = [w for w in workflows().values() if w.dependents_known]
#: Read only when the journal knows a deletion task, or a list item lacks its settings: an
#: inventory of a fresh account never sends them (the workflows' own policy tests prove them).
NOT_SENT_HERE = {"iam:GetServiceLinkedRoleDeletionStatus", "mediatailor:GetPlaybackConfiguration"}
READ = "iam:GetAccountAuthorizationDetails"
MEDIATAILOR = "AWSServiceRoleForMediaTailor"


def inventory_of(
    aws: LocalAWS, owner: Admin, document: dict[str, Any], tmp_path: Path, *, scan: bool
) -> list[Entry]:
    """The inventory a user holding ``document`` reads (scanning: every known workflow's)."""
    owner.account.create_role("rds.amazonaws.com")
    owner.account.configuration("us-east-1", "news", 100)  # MediaTailor makes its role
    owner.account.wait_for_role()
    session = user_holding(owner, document)
    config = RunnerConfig(endpoint_url=aws.endpoint_url, regions=REGIONS)
    return account_inventory(
        session, config, open_journal(tmp_path), now=datetime.now(UTC), days=90, scan=scan
    )


def test_the_inventory_policy_suffices(enforcing: LocalAWS, admin: Admin, tmp_path: Path) -> None:
    found = inventory_of(enforcing, admin, inventory_policy_document(), tmp_path, scan=False)
    assert {e.role.name for e in found} == {"AWSServiceRoleForRDS", MEDIATAILOR}


def test_without_its_one_action_the_inventory_is_refused_naming_it(
    enforcing: LocalAWS, admin: Admin, tmp_path: Path
) -> None:
    # Another read in its place: IAM refuses a policy with no statement at all.
    other = {"Effect": "Allow", "Action": ["iam:ListRoles"], "Resource": "*"}
    document = without(inventory_policy_document(), READ) | {"Statement": [other]}
    with pytest.raises(AwsError) as refused:
        inventory_of(enforcing, admin, document, tmp_path, scan=False)
    assert re.match(rf"{re.escape(READ)} in us-east-1 failed: AccessDenied: ", str(refused.value))


def test_the_scan_policy_suffices(enforcing: LocalAWS, admin: Admin, tmp_path: Path) -> None:
    document = inventory_policy_document(SCANNED)
    found = inventory_of(enforcing, admin, document, tmp_path, scan=True)
    scanned = next(e for e in found if e.role.name == MEDIATAILOR)
    assert (scanned.state, scanned.scan_note) == ("in-use", None)
    assert scanned.active == ("us-east-1/playback-configuration/news",)


@pytest.mark.parametrize(
    "action",
    [
        a
        for a in actions(inventory_policy_document(SCANNED))
        if a not in OPTIONAL | NOT_SENT_HERE | {READ}
    ],
)
def test_every_action_of_the_scan_policy_is_needed(
    enforcing: LocalAWS, admin: Admin, action: str, tmp_path: Path
) -> None:
    document = without(inventory_policy_document(SCANNED), action)
    found = inventory_of(enforcing, admin, document, tmp_path, scan=True)
    scanned = next(e for e in found if e.role.name == MEDIATAILOR)
    assert scanned.state is None
    assert f"not authorized to perform: {action}" in (scanned.scan_note or "")
