"""IAM enforcement for the policy proofs: a local AWS that checks every request after its
bootstrap, an administrator of its account, and users holding exactly a given policy.

A proof runs a scope to the end as a user holding exactly that scope's policy, then once per
action with that action taken out: the run must stop with an access-denied error naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from localaws import LocalAWS
from localaws.seed import Account


def actions(document: dict[str, Any]) -> list[str]:
    return sorted(a for statement in document["Statement"] for a in statement["Action"])


def without(document: dict[str, Any], action: str) -> dict[str, Any]:
    """``document`` with ``action`` taken out (and its statement, when it was the only one)."""
    statements = []
    for old in document["Statement"]:
        kept = [a for a in old["Action"] if a != action]
        if kept:
            statements.append({**old, "Action": kept})
    return {**document, "Statement": statements}


#: Unchecked requests at the start of each test: create the admin user, its policy, its keys.
BOOTSTRAP_REQUESTS = 3
ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@pytest.fixture(scope="module")
def enforcing() -> Iterator[LocalAWS]:
    """One local AWS for the module that checks every request after the bootstrap's."""
    with LocalAWS(iam_enforcement_after=BOOTSTRAP_REQUESTS, deletion_seconds=0.05) as server:
        yield server


def session_of(key: dict[str, str]) -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    )


@dataclass(frozen=True)
class Admin:
    """An administrator of the account: its clients, and its session for a runner."""

    account: Account
    session: boto3.session.Session


@pytest.fixture
def admin(enforcing: LocalAWS) -> Admin:
    """An empty account and its administrator (every request after its creation is checked)."""
    enforcing.reset()
    iam = enforcing.client("iam")
    iam.create_user(UserName="admin")
    iam.put_user_policy(
        UserName="admin", PolicyName="everything", PolicyDocument=json.dumps(ADMIN_POLICY)
    )
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    account = Account(enforcing.endpoint_url, key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    return Admin(account, session_of(key))


def user_holding(admin: Admin, document: dict[str, Any]) -> boto3.session.Session:
    """A session of a new IAM user whose only permissions are ``document``."""
    iam = admin.account.client("iam")
    iam.create_user(UserName="runner")
    iam.put_user_policy(UserName="runner", PolicyName="slr", PolicyDocument=json.dumps(document))
    return session_of(iam.create_access_key(UserName="runner")["AccessKey"])
