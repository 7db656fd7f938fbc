"""Which AWS call a request is: its service, region and account from the SigV4 credential
scope, its operation from botocore's model (by route where the protocol allows, once per
route), and its protocol."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from botocore.exceptions import DataNotFoundError
from moto.core.request import Request as MotoRequest
from moto.core.routing import get_service_router
from moto.core.utils import get_service_model
from moto.iam.models import get_account_id_from

from localaws.faults import Call

__all__ = [
    "Environ",
    "StartResponse",
    "account_of",
    "credential_scope",
    "guess_protocol",
    "identify",
    "protocol_of",
]

StartResponse = Callable[..., Any]
Environ = dict[str, Any]


@cache
def protocol_of(service: str) -> str | None:
    try:
        return str(get_service_model(service).protocol)
    except DataNotFoundError:  # a signing name that is no botocore service name
        return None


def _read_body(environ: Environ) -> bytes:
    """The request body, put back so that moto reads it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body: bytes = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def credential_scope(environ: Environ) -> tuple[str, str, str] | None:
    """(access key, region, service) of a SigV4-signed request, None when unsigned."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        # "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iam/aws4_request, ..."
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0]
        key, _, region, service, _ = scope.split("/")
    except (IndexError, ValueError):
        return None
    return key, region, service


def account_of(environ: Environ, access_key: str) -> str:
    """The caller's account, as moto decides it (its BaseResponse.get_current_account)."""
    return str(
        os.environ.get("MOTO_ACCOUNT_ID")
        or environ.get("HTTP_X_MOTO_ACCOUNT_ID")
        or get_account_id_from(access_key)
    )


def identify(environ: Environ) -> Call:
    """Service, region and account from the SigV4 credential scope; operation from botocore's
    model."""
    scope = credential_scope(environ)
    if scope is None:
        return Call(service=None)
    key, region, service = scope
    account = account_of(environ, key)
    protocol = protocol_of(service)
    if protocol is None:
        return Call(service, None, region, guess_protocol(environ), account)
    if protocol in _ROUTED_WITHOUT_BODY:
        route = tuple(str(environ.get(k, "")) for k in _ROUTE)
        return Call(service, _routed(service, *route), region, protocol, account)
    body = _read_body(environ)
    return Call(service, _operation(service, environ, body), region, protocol, account)


def _operation(service: str, environ: Environ, body: bytes) -> str | None:
    probe = MotoRequest(dict(environ, **{"wsgi.input": io.BytesIO(body)}))
    try:
        operation, _ = get_service_router(service).match(probe)
        return str(operation.name)
    except Exception:  # an unrecognised call is still served (and faulted by "*"), unnamed
        return None


#: Protocols whose operation is named by the method, path, query and target header alone (a
#: query protocol's is in its body): matched once per route, not on every request.
_ROUTED_WITHOUT_BODY = frozenset({"json", "rest-json", "rest-xml"})
_ROUTE = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "HTTP_X_AMZ_TARGET")


@lru_cache(maxsize=4096)
def _routed(service: str, method: str, path: str, query: str, target: str) -> str | None:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
    }
    if target:
        environ["HTTP_X_AMZ_TARGET"] = target
    return _operation(service, environ, b"")


def guess_protocol(environ: Environ) -> str:
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    if str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        return "query"
    return "rest-json"
