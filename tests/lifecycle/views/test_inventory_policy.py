"""`slr policy --scope inventory` (and `inventory-scan`), proven against the local AWS with
IAM enforcement on, as the workflows' policies are: a user holding exactly the policy reads
the inventory (and scans), and with an action taken out it is refused, naming that action."""

# ruff: noqa: F811  # the fixtures imported from tests.enforcement are parameters here

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
from lifecycle.model.workflow import OBSERVE
from lifecycle.registry import workflows
from lifecycle.views.policy import inventory_policy_document
from localaws import LocalAWS
from tests.enforcement import (  # noqa: F401  (admin, enforcing: fixtures)
    Admin,
    actions,
    admin,
    enforcing,
    user_holding,
    without,
)
from tests.lifecycle.conftest import REGIONS

SCANNED = [w for w in workflows().values() if w.dependents_known]
#: Read only when the journal knows a deletion task, or when a list leaves out what decides
#: (``conditional``): an inventory of a fresh account never sends them (each workflow's own
#: policy tests prove them).
NOT_SENT_HERE = {"iam:GetServiceLinkedRoleDeletionStatus"} | {
    op.action for w in SCANNED for op in w.operations(OBSERVE) if op.conditional
}
#: Better with, done without: unlisted, every region is probed.
OPTIONAL = {"account:ListRegions"}
READ = "iam:GetAccountAuthorizationDetails"
SCAN_POLICY = inventory_policy_document(SCANNED)


def with_roles(owner: Admin) -> None:
    """RDS's role and each scanned workflow's, as the administrator makes them (once)."""
    iam = owner.account.client("iam")
    present = {r["RoleName"] for r in iam.list_roles(PathPrefix="/aws-service-role/")["Roles"]}
    for principal in sorted({"rds.amazonaws.com", *(w.principal for w in SCANNED)}):
        if not any(name.startswith(_base(principal)) for name in present):
            owner.account.create_role(principal)


def _base(principal: str) -> str:
    return next((w.role_name for w in SCANNED if w.principal == principal), "AWSServiceRoleForRDS")


def inventory_of(aws: LocalAWS, session: Any, tmp_path: Path, *, scan: bool) -> list[Entry]:
    config = RunnerConfig(endpoint_url=aws.endpoint_url, regions=REGIONS)
    return account_inventory(
        session, config, open_journal(tmp_path), now=datetime.now(UTC), days=90, scan=scan
    )


def held(
    aws: LocalAWS, owner: Admin, document: dict[str, Any], tmp_path: Path, *, scan: bool
) -> list[Entry]:
    """The inventory a user holding exactly ``document`` reads (scanning: every known
    workflow's) in the account :func:`with_roles` makes."""
    with_roles(owner)
    return inventory_of(aws, user_holding(owner, document), tmp_path, scan=scan)


def sent_by_a_scan(aws: LocalAWS, owner: Admin, tmp_path: Path) -> set[str]:
    """The actions a scan of that account sends (the administrator's, every call seen)."""
    with_roles(owner)
    sent: set[str] = set()

    def note(model: Any, **_: Any) -> None:
        sent.add(f"{model.service_model.signing_name}:{model.name}")

    owner.session.events.register("before-call", note)
    try:
        inventory_of(aws, owner.session, tmp_path / "seen", scan=True)
    finally:
        owner.session.events.unregister("before-call", note)
    return sent


def test_the_inventory_policy_suffices(enforcing: LocalAWS, admin: Admin, tmp_path: Path) -> None:
    found = held(enforcing, admin, inventory_policy_document(), tmp_path, scan=False)
    assert {e.role.name for e in found} == {
        "AWSServiceRoleForRDS",
        *(w.role_name for w in SCANNED),
    }


def test_without_its_one_action_the_inventory_is_refused_naming_it(
    enforcing: LocalAWS, admin: Admin, tmp_path: Path
) -> None:
    # Another read in its place: IAM refuses a policy with no statement at all.
    other = {"Effect": "Allow", "Action": ["iam:ListRoles"], "Resource": "*"}
    document = without(inventory_policy_document(), READ) | {"Statement": [other]}
    with pytest.raises(AwsError) as refused:
        held(enforcing, admin, document, tmp_path, scan=False)
    assert re.match(rf"{re.escape(READ)} in us-east-1 failed: AccessDenied: ", str(refused.value))


def test_the_scan_policy_suffices(enforcing: LocalAWS, admin: Admin, tmp_path: Path) -> None:
    found = held(enforcing, admin, SCAN_POLICY, tmp_path, scan=True)
    scanned = {e.workflow: e for e in found if e.workflow is not None}
    assert set(scanned) == {w.name for w in SCANNED}
    for entry in scanned.values():
        assert (entry.state, entry.scan_note) == ("created", None), entry.role.name


@pytest.mark.parametrize(
    "action", [a for a in actions(SCAN_POLICY) if a not in OPTIONAL | NOT_SENT_HERE | {READ}]
)
def test_every_action_of_the_scan_policy_is_needed(
    enforcing: LocalAWS, admin: Admin, action: str, tmp_path: Path
) -> None:
    # What a scan of roles nothing uses does not send is declared conditional (its
    # workflow's own proof shows it needed); every other action it sends.
    assert action in sent_by_a_scan(enforcing, admin, tmp_path)
    found = held(enforcing, admin, without(SCAN_POLICY, action), tmp_path, scan=True)
    refused = [e for e in found if f"not authorized to perform: {action}" in (e.scan_note or "")]
    assert refused, f"every role was scanned without {action}"
    assert all(e.state is None for e in refused)
