"""The least-privilege IAM policy a workflow needs, derived from the operations it declares.

Nothing is listed here by hand: the actions come from the workflow's bindings of the
transitions in scope, the resources from the role's ARN pattern and each operation's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lifecycle.workflow import OBSERVE, Operation, Workflow

__all__ = ["SCOPES", "policy_document", "scope_operations"]

#: Which transitions each scope covers (observation is in every scope).
SCOPES: dict[str, tuple[str, ...]] = {
    "provision": ("create",),
    "decommission": ("drain", "verify", "delete", "reject", "restore"),
}
CREATE = "CreateServiceLinkedRole"


def scope_operations(workflow: Workflow, scope: str) -> tuple[Operation, ...]:
    """The operations of ``scope`` (``all`` for every transition), observation included."""
    if scope == "all":
        return workflow.operations()
    if scope not in SCOPES:
        raise KeyError(f"unknown scope {scope!r} (known: {', '.join(SCOPES)}, all)")
    return workflow.operations(OBSERVE, *SCOPES[scope])


def role_arn_pattern(workflow: Workflow) -> str:
    """Every account's copy of the role (``*`` after the name covers a custom suffix)."""
    return f"arn:aws:iam::*:role{workflow.role_path}{workflow.role_name}*"


def _sid(*words: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in words)


def _statement(sid: str, actions: Iterable[str], resources: Iterable[str],
               condition: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    resource_list = sorted(set(resources))
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(set(actions)),
        "Resource": resource_list[0] if len(resource_list) == 1 else resource_list,
    }
    if condition:
        statement["Condition"] = condition
    return statement


def policy_document(
    workflow: Workflow, scope: str = "all", *, cross_account: str | None = None
) -> dict[str, Any]:
    """An IAM policy document granting exactly what ``scope`` of ``workflow`` calls.

    ``cross_account``: the ARN of a role in another account that runs assume (adds
    ``sts:AssumeRole`` on it alone).
    """
    operations = scope_operations(workflow, scope)
    role = role_arn_pattern(workflow)
    statements = []
    if any(op.service == "iam" and op.name == CREATE for op in operations):
        # AWS: only this service's role may be created through this statement.
        statements.append(_statement(
            "CreateServiceLinkedRoleFor" + _sid(workflow.name), ["iam:" + CREATE], [role],
            {"StringEquals": {"iam:AWSServiceName": workflow.principal}},
        ))  # fmt: skip
    iam = [op for op in operations if op.service == "iam" and op.name != CREATE]
    for writes, verb in ((False, "Read"), (True, "Change")):
        chosen = [op.action for op in iam if op.writes is writes]
        if chosen:
            statements.append(_statement(f"{verb}{_sid(workflow.name)}Role", chosen, [role]))
    services = sorted({op.service for op in operations if op.service != "iam"})
    for service in services:
        for writes, verb in ((False, "List"), (True, "Configure")):
            ops = [op for op in operations if op.service == service and op.writes is writes]
            if ops:
                statements.append(_statement(
                    f"{verb}{_sid(service)}Dependents", [op.action for op in ops],
                    [op.resource for op in ops],
                ))  # fmt: skip
    if cross_account:
        statements.append(_statement("AssumeRunnerRole", ["sts:AssumeRole"], [cross_account]))
    return {"Version": "2012-10-17", "Statement": statements}
