"""Deletion tasks as an administrator starts them, for the engine's tests."""

from __future__ import annotations

import time

from localaws.seed import Account

ROLE = "AWSServiceRoleForMediaTailor"


def task_of(account: Account, status: str, timeout: float = 10.0) -> str:
    """Delete the role as an administrator would, and wait until its task reads ``status``."""
    iam = account.client("iam")
    task_id: str = iam.delete_service_linked_role(RoleName=ROLE)["DeletionTaskId"]
    deadline = time.monotonic() + timeout
    while True:
        try:
            if (
                iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)["Status"]
                == status
            ):
                return task_id
        except iam.exceptions.NoSuchEntityException:
            pass  # IAM does not show a new task at once
        assert time.monotonic() < deadline, f"the deletion task never read {status}"
        time.sleep(0.05)
