"""AWS's refusals of a call before it runs: credentials whose session is over, and an opt-in
region the account has not enabled, each answered as the call's protocol answers it."""

from __future__ import annotations

from localaws import regions, sts
from localaws.calls import Environ, account_of, credential_scope, guess_protocol, protocol_of
from localaws.faults import Call, Fault

__all__ = ["refusal"]


def _disabled_region(environ: Environ) -> Call | None:
    """The call, when it goes to an opt-in region its account has not enabled."""
    scope = credential_scope(environ)
    if scope is None:
        return None
    key, region, service = scope
    if region not in regions.opt_in_regions():  # the cheap test first: most calls stop here
        return None
    if not regions.refuses(account_of(environ, key), region, service):
        return None
    return Call(service, None, region, protocol_of(service) or guess_protocol(environ))


#: AWS's answer in a disabled region, per protocol family: json services' message has no full
#: stop (nccgroup/ScoutSuite#1389), query services' has (STS, IAM).
_DISABLED_REGION = {
    True: ("UnrecognizedClientException", "The security token included in the request is invalid"),
    False: ("InvalidClientTokenId", "The security token included in the request is invalid."),
}


def _refusal_in_disabled_region(call: Call) -> Fault:
    code, message = _DISABLED_REGION[call.protocol in ("json", "rest-json")]
    return Fault(service="*", kind="error", error_code=code, http_status=403, message=message)


def _expired_credentials(environ: Environ) -> Call | None:
    """The call, when it is signed with an assumed role's keys whose session is over."""
    scope = credential_scope(environ)
    if scope is None or not sts.expired(scope[0]):
        return None
    _, region, service = scope
    return Call(service, None, region, protocol_of(service) or guess_protocol(environ))


#: AWS's answer to a call signed with expired credentials, per protocol: the common errors of
#: AWS's API references (``ExpiredTokenException`` 403); query services (IAM, STS) name it
#: ``ExpiredToken``; DynamoDB answers its authentication failures with 400; S3 words it its way.
_EXPIRED = {
    "query": ("ExpiredToken", 403, "The security token included in the request is expired"),
    "json": ("ExpiredTokenException", 400, "The security token included in the request is expired"),
    "rest-json": (
        "ExpiredTokenException",
        403,
        "The security token included in the request is expired",
    ),
    "rest-xml": ("ExpiredToken", 400, "The provided token has expired."),
}


def _refusal_of_expired_credentials(call: Call) -> Fault:
    code, status, message = _EXPIRED.get(call.protocol, _EXPIRED["query"])
    return Fault(service="*", kind="error", error_code=code, http_status=status, message=message)


def refusal(environ: Environ) -> tuple[Fault, Call] | None:
    """AWS's refusal of a call before it runs: expired credentials, then a disabled region."""
    expired = _expired_credentials(environ)
    if expired is not None:
        return _refusal_of_expired_credentials(expired), expired
    disabled = _disabled_region(environ)
    if disabled is not None:
        return _refusal_in_disabled_region(disabled), disabled
    return None
