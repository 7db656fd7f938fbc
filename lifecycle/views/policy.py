"""The least-privilege IAM policy a workflow needs, derived from the operations it declares.

Nothing is listed here by hand: the actions come from the workflow's bindings of the
transitions in scope (observation is in every scope), the resources from the role's ARN
pattern and each operation's own. One statement per purpose, each with a ``Sid`` saying it:

- ``Create<role>``: ``iam:CreateServiceLinkedRole`` on the role's ARN, and only for the
  workflow's service principal (the ``iam:AWSServiceName`` condition);
- ``Read<role>`` and ``Change<role>``: IAM's other reads and writes, on the role's ARN alone;
- ``List<Service>Dependents``: the service's reads that scan for dependents;
- ``Configure<Service><Kind>s``: the service's writes, one statement per resource kind;
- ``AssumeRunnerRole``: ``sts:AssumeRole`` on the one role, when cross-account use is set.

An inventory's policy (``--scope inventory``) is apart too: ``ReadServiceLinkedRoles``
(``iam:GetAccountAuthorizationDetails``, which takes no resource-level permission), and
with ``inventory-scan`` each workflow's observation, its statements' ids prefixed with
``Scan<Workflow>``.

The shared state table's policy (``--scope state``) is apart: it belongs to the runner's own
account, not to the accounts it works on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lifecycle.errors import UnknownName
from lifecycle.model.calls import Operation
from lifecycle.model.definition import LIFECYCLE, Definition
from lifecycle.model.workflow import OBSERVE, Workflow

__all__ = [
    "SCOPES",
    "inventory_policy_document",
    "operations_policy",
    "policy_document",
    "role_arn_pattern",
    "scope_operations",
    "scopes",
    "state_policy_document",
]

CREATE = "CreateServiceLinkedRole"


def scopes(definition: Definition) -> dict[str, tuple[str, ...]]:
    """Which transitions each scope covers, as the definition declares (observation is in
    every scope): setting the role up, and taking it down (a decommission may also undo its
    drain, or learn that AWS refused)."""
    found: dict[str, tuple[str, ...]] = {}
    for transition in definition.transitions:
        if transition.scope is not None:
            found[transition.scope] = (*found.get(transition.scope, ()), transition.trigger)
    return found


#: The scopes of the service-linked role lifecycle.
SCOPES = scopes(LIFECYCLE)


def scope_operations(workflow: Workflow, scope: str) -> tuple[Operation, ...]:
    """The operations of ``scope`` (``all`` for every transition), observation included."""
    if scope == "all":
        return workflow.operations()
    known = scopes(workflow.definition)
    if scope not in known:
        raise UnknownName(f"unknown scope {scope!r} (known: {', '.join(known)}, all)")
    return workflow.operations(OBSERVE, *known[scope])


def role_arn_pattern(workflow: Workflow, partition: str = "aws") -> str:
    """Every account's copy of the role (``*`` after the name covers a custom suffix)."""
    return f"arn:{partition}:iam::*:role{workflow.role_path}{workflow.role_name}*"


def _sid(*words: str) -> str:
    """A statement id (IAM allows only letters and digits) from ``words``, each capitalized."""
    return "".join(re.sub(r"[^A-Za-z0-9]", "", word[:1].upper() + word[1:]) for word in words)


def _resource_kind(arn: str) -> str:
    """``widget`` of ``arn:aws:example:*:*:widget/*``; ``dependent`` for ``*``."""
    parts = arn.split(":", 5)
    return parts[5].split("/", 1)[0] if len(parts) == 6 and parts[5] != "*" else "dependent"


def _statement(
    sid: str,
    actions: Iterable[str],
    resources: Iterable[str],
    condition: dict[str, Any] | None = None,
) -> dict[str, Any]:
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
    workflow: Workflow,
    scope: str = "all",
    *,
    cross_account: str | None = None,
    partition: str = "aws",
) -> dict[str, Any]:
    """An IAM policy document granting exactly what ``scope`` of ``workflow`` calls, in
    ``partition`` (``aws``, ``aws-cn``, ``aws-us-gov``).

    ``cross_account``: the ARN of a role in another account that runs assume (adds
    ``sts:AssumeRole`` on it alone).
    """
    return operations_policy(
        workflow,
        scope_operations(workflow, scope),
        cross_account=cross_account,
        partition=partition,
    )


def operations_policy(
    workflow: Workflow,
    operations: Iterable[Operation],
    *,
    cross_account: str | None = None,
    partition: str = "aws",
) -> dict[str, Any]:
    """An IAM policy document granting exactly ``operations`` of ``workflow`` (a plan's own
    transitions, say), in the statements :func:`policy_document` makes, in ``partition``."""
    operations = tuple(sorted(set(operations)))
    role = role_arn_pattern(workflow, partition)
    statements = []
    if any(op.service == "iam" and op.name == CREATE for op in operations):
        # AWS authorizes the create against the ARN of the role it would make; the condition
        # keeps this statement from creating any other service's role.
        statements.append(
            _statement(
                _sid("Create", workflow.role_name),
                ["iam:" + CREATE],
                [role],
                {"StringEquals": {"iam:AWSServiceName": workflow.principal}},
            )
        )
    iam = [op for op in operations if op.service == "iam" and op.name != CREATE]
    for writes, verb in ((False, "Read"), (True, "Change")):
        chosen = [op.action for op in iam if op.writes is writes]
        if chosen:
            statements.append(_statement(_sid(verb, workflow.role_name), chosen, [role]))
    services = sorted({op.service for op in operations if op.service != "iam"})
    for service in services:
        # One statement per kind of resource, so that no action is granted on a kind of
        # resource it never acts on: the lists (on "*"), reads of one resource, writes.
        ops = [op for op in operations if op.service == service]
        for writes, verb in ((False, "Read"), (True, "Configure")):
            kind_ops = [op for op in ops if op.writes is writes]
            for resource in sorted({op.resource for op in kind_ops}):
                actions = [op.action for op in kind_ops if op.resource == resource]
                arn = resource.format(partition=partition)
                kind = _resource_kind(arn)
                if arn != "*":
                    sid = _sid(verb, service, kind + "s")
                elif writes:  # a service whose writes take no resource-level permission
                    sid = _sid(verb, service, "Dependents")
                elif service == workflow.service:
                    sid = _sid("List", service, "Dependents")
                else:
                    sid = _sid("List", service, "Regions")
                statements.append(_statement(sid, actions, [arn]))
    if cross_account:
        statements.append(_statement("AssumeRunnerRole", ["sts:AssumeRole"], [cross_account]))
    return {"Version": "2012-10-17", "Statement": statements}


def inventory_policy_document(
    scanned: Iterable[Workflow] = (), *, partition: str = "aws"
) -> dict[str, Any]:
    """What ``slr inventory`` calls; with ``scanned``, what ``--scan`` adds: each of those
    workflows' observation (its ``status``)."""
    from lifecycle.model.inventory import INVENTORY_OPERATIONS

    reads = [op.action for op in INVENTORY_OPERATIONS]
    statements = [_statement("ReadServiceLinkedRoles", reads, ["*"])]
    for workflow in scanned:
        observed = operations_policy(workflow, workflow.operations(OBSERVE), partition=partition)
        for statement in observed["Statement"]:
            statements.append({**statement, "Sid": _sid("Scan", workflow.name, statement["Sid"])})
    return {"Version": "2012-10-17", "Statement": statements}


def state_policy_document(table: str, region: str | None) -> dict[str, Any]:
    """The runner's access to its state table ``table`` (in ``region``, else any): what the
    shared journal calls, on that table alone."""
    from lifecycle.journal.dynamodb.table import ACTIONS
    from lifecycle.model.options import partition_of

    partition = partition_of(region or "us-east-1")
    arn = f"arn:{partition}:dynamodb:{region or '*'}:*:table/{table}"
    statement = _statement("SlrStateTable", [f"dynamodb:{a}" for a in ACTIONS], [arn])
    return {"Version": "2012-10-17", "Statement": [statement]}


def fleet_policy_document(
    workflow: Workflow, role_template: str, operations: Iterable[tuple[str, str]], scope: str
) -> dict[str, Any]:
    """A fleet's two policies: the management account's (``operations``: listing the
    organization, assuming ``role_template`` with ``{account}`` in each member) and the one
    each member's role needs for ``scope`` of ``workflow``."""
    listed = sorted(f"{service}:{name}" for service, name in operations if service != "sts")
    assumed = sorted(f"{service}:{name}" for service, name in operations if service == "sts")
    partition = role_template.split(":")[1] if role_template.startswith("arn:") else "aws"
    management = [
        _statement("ListOrganizationAccounts", listed, ["*"]),
        _statement("AssumeMemberRole", assumed, [role_template.replace("{account}", "*")]),
    ]
    return {
        "management_account": {"Version": "2012-10-17", "Statement": management},
        "member_accounts": policy_document(workflow, scope, partition=partition),
    }
