"""Authorization as AWS does it, for our IAM and MediaTailor plug-ins under moto's enforcement.

With ``INITIAL_NO_AUTH_ACTION_COUNT`` set, moto (5.2.5) checks every request against the
caller's policies, but for a least-privilege proof it falls short in three ways:

- it evaluates ``StringEquals`` alone (other operators hold), and only against a trust
  policy's ``sts:ExternalId``: an identity policy's condition meets no value, and a condition
  with no value *holds*, so ``iam:AWSServiceName`` of another service still allows
  ``CreateServiceLinkedRole``; and a condition that fails turns an ``Allow`` statement into an
  explicit deny;
- it recomputes a SigV4 signature over the parsed query string (or the headers) as the body
  when a request has none, so every signed rest-json ``GET`` (MediaTailor's lists) fails with
  ``SignatureDoesNotMatch``;
- its ``AccessDenied`` names neither the resource nor the reason.

:class:`AuthorizedRequest` replaces moto's ``IAMRequest`` for the plug-ins' response classes
(each says which resource a request is authorized against): the policy evaluation logic of
AWS for identity-based policies (an explicit deny wins, else an allow is needed; a statement
applies when its action, resource and every condition match), with the request's condition
keys (``aws:RequestedRegion``, ``aws:PrincipalAccount`` and the action-specific keys of
:data:`REQUEST_CONDITION_KEYS`; any other key is absent), and AWS's message::

    User: arn:aws:iam::123456789012:user/runner is not authorized to perform:
    iam:GetRole on resource: arn:... because no identity-based policy allows the
    iam:GetRole action
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from functools import cache
from typing import Any

from botocore.awsrequest import AWSRequest
from moto.core.exceptions import AccessDeniedError
from moto.iam.access_control import IAMRequest
from moto.iam.models import Policy

__all__ = [
    "REQUEST_CONDITION_KEYS",
    "AccessDenied",
    "AuthorizedRequest",
    "Decision",
    "evaluate",
]

#: Condition keys an action takes from its request: action -> {condition key: parameter}.
REQUEST_CONDITION_KEYS: dict[str, dict[str, str]] = {
    "iam:CreateServiceLinkedRole": {"iam:AWSServiceName": "AWSServiceName"},
}


class Decision(Enum):
    """The outcome of evaluating identity-based policies for one request."""

    ALLOW = "allow"
    #: no statement allows it
    IMPLICIT_DENY = "implicit deny"
    EXPLICIT_DENY = "explicit deny"


class AccessDenied(AccessDeniedError):
    """moto's ``AccessDenied`` (403) with AWS's whole message: the resource and the reason."""

    def __init__(self, principal_arn: str, action: str, resource: str, decision: Decision) -> None:
        reason = (
            "with an explicit deny in an identity-based policy"
            if decision is Decision.EXPLICIT_DENY
            else f"because no identity-based policy allows the {action} action"
        )
        # moto's message is "User: <arn> is not authorized to perform: <action>"; AWS goes on.
        detail = f"{action} on resource: {resource} {reason}"
        super().__init__(user_arn=principal_arn, action=detail)
        self.action, self.resource, self.decision = action, resource, decision


@cache
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """IAM's wildcards: ``*`` any run of characters, ``?`` any one character."""
    body = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(f"^{body}$", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _matches(patterns: Any, value: str, *, ignore_case: bool) -> bool:
    listed = [patterns] if isinstance(patterns, str) else list(patterns)
    return any(_wildcard(str(p), ignore_case).match(value) for p in listed)


def _element(statement: Mapping[str, Any], name: str, value: str, *, ignore_case: bool) -> bool:
    """Whether ``Action``/``NotAction`` (or ``Resource``/``NotResource``) covers ``value``."""
    if name in statement:
        return _matches(statement[name], value, ignore_case=ignore_case)
    negated = f"Not{name}"
    if negated in statement:
        return not _matches(statement[negated], value, ignore_case=ignore_case)
    return False


def _equals(expected: str, actual: str) -> bool:
    return expected == actual


def _equals_ignoring_case(expected: str, actual: str) -> bool:
    return expected.lower() == actual.lower()


def _like(expected: str, actual: str) -> bool:
    return _wildcard(expected, False).match(actual) is not None


#: Operators for single-valued string keys: name -> (comparison, negated).
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (_equals, False),
    "StringNotEquals": (_equals, True),
    "StringEqualsIgnoreCase": (_equals_ignoring_case, False),
    "StringNotEqualsIgnoreCase": (_equals_ignoring_case, True),
    "StringLike": (_like, False),
    "StringNotLike": (_like, True),
    "ArnEquals": (_like, False),
    "ArnLike": (_like, False),
    "ArnNotEquals": (_like, True),
    "ArnNotLike": (_like, True),
    "Bool": (_equals_ignoring_case, False),
}


def _condition_holds(
    operator: str, expected: Mapping[str, Any], keys: Mapping[str, Sequence[str]]
) -> bool | None:
    """One operator block of a ``Condition``; None when this evaluator does not know it."""
    if_exists = operator.endswith("IfExists")
    name = operator.removesuffix("IfExists")
    for key, values in expected.items():
        wanted = [values] if isinstance(values, str | bool) else list(values)
        actual = keys.get(key.lower())  # condition key names are case-insensitive
        if name == "Null":
            if str(wanted[0]).lower() != str(actual is None).lower():
                return False
            continue
        if name not in _OPERATORS:
            return None
        compare, negated = _OPERATORS[name]
        if actual is None:
            # AWS: a missing key matches nothing, so only a negated operator (or IfExists) holds.
            if not (negated or if_exists):
                return False
            continue
        hit = any(compare(str(w), value) for w in wanted for value in actual)
        if hit == negated:
            return False
    return True


def _statement_applies(
    statement: Mapping[str, Any], action: str, resource: str, keys: Mapping[str, Sequence[str]]
) -> bool:
    if not _element(statement, "Action", action, ignore_case=True):
        return False
    if not _element(statement, "Resource", resource, ignore_case=False):
        return False
    for operator, expected in (statement.get("Condition") or {}).items():
        holds = _condition_holds(operator, expected, keys)
        if holds is None:
            # An operator we cannot evaluate: fail closed, whichever the effect.
            return statement.get("Effect") == "Deny"
        if not holds:
            return False
    return True


def evaluate(
    documents: Iterable[Mapping[str, Any]],
    action: str,
    resource: str,
    keys: Mapping[str, Sequence[str]],
) -> Decision:
    """AWS's evaluation of identity-based policies: an explicit deny wins; else an allow
    decides; else the request is implicitly denied. ``keys``: lower-cased condition keys."""
    allowed = False
    for document in documents:
        statements = document.get("Statement", [])
        for statement in [statements] if isinstance(statements, Mapping) else statements:
            if _statement_applies(statement, action, resource, keys):
                if statement.get("Effect") == "Deny":
                    return Decision.EXPLICIT_DENY
                allowed = allowed or statement.get("Effect") == "Allow"
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def _document(policy: Any) -> dict[str, Any]:
    """A policy as moto collects it (managed, inline string, inline record) as a document."""
    if isinstance(policy, Policy):
        text = next(v.document for v in policy.versions if v.is_default)
    elif isinstance(policy, str):
        text = policy
    else:
        text = policy["policy_document"]
    document: dict[str, Any] = json.loads(text) if isinstance(text, str) else dict(text)
    return document


class AuthorizedRequest(IAMRequest):
    """moto's ``IAMRequest`` (the caller, the signature check) with AWS's policy evaluation."""

    def check_action_permitted(self, resource: str) -> None:
        if self._action == "sts:GetCallerIdentity":  # AWS never denies it
            return
        documents = [_document(p) for p in self._access_key.collect_policies()]
        decision = evaluate(documents, self._action, resource, self.condition_keys())
        if decision is not Decision.ALLOW:
            raise AccessDenied(self._access_key.arn, self._action, resource, decision)

    def condition_keys(self) -> dict[str, list[str]]:
        """The request context's condition keys (lower-cased) and their values."""
        keys = {
            "aws:requestedregion": [self._region],
            "aws:principalaccount": [self.account_id],
        }
        for key, parameter in REQUEST_CONDITION_KEYS.get(self._action, {}).items():
            value = self._data.get(parameter)  # the query protocol's values are lists
            if value:
                values = value if isinstance(value, list) else [value]
                keys[key.lower()] = [str(v) for v in values]
        return keys

    def _create_aws_request(self) -> AWSRequest:
        request = super()._create_aws_request()
        content_type = str(self._headers.get("Content-Type") or "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            # moto signs ``body or data``: a form's body is in ``data`` (parsed), but a request
            # with no body (a rest-json GET) would be signed over its query string or headers.
            request.data = self._body or b""
        return request
