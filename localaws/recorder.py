"""moto's request recorder, read as this project's tests, benchmarks and soak read it: which
requests reached the local AWS, whatever client sent them.

moto records every request that reaches a backend through its app, plug-ins included
(``/moto-api/recorder/*``; the server's file is ``MOTO_RECORDER_FILEPATH``).
"""

from __future__ import annotations

import base64
import json
import re
import urllib.request
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["Recorder", "body_of", "operation_of"]


class Recorder:
    """The recorder of the local AWS at ``endpoint_url``."""

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url

    def _call(self, method: str, path: str) -> bytes:
        request = urllib.request.Request(self.endpoint_url + path, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            body: bytes = response.read()
            return body

    def start(self) -> None:
        """Forget what was recorded, and record from now on."""
        self._call("POST", "/moto-api/recorder/reset-recording")
        self._call("POST", "/moto-api/recorder/start-recording")

    def stop(self) -> None:
        self._call("POST", "/moto-api/recorder/stop-recording")

    def entries(self) -> list[dict[str, Any]]:
        """Every request recorded, as moto records it (``method``, ``url``, ``headers``,
        ``body``...)."""
        lines = self._call("GET", "/moto-api/recorder/download-recording").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def body_of(entry: Mapping[str, Any]) -> str:
    """A recorded request's body, as text (moto base64-encodes the binary ones)."""
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        return base64.b64decode(body).decode(errors="replace")
    return str(body)


def operation_of(entry: Mapping[str, Any]) -> str:
    """``service:Operation`` of one recorded request: the service from its SigV4 scope, the
    operation from the ``Action`` of a query request or, for REST, botocore's model."""
    auth = str(entry.get("headers", {}).get("Authorization", ""))
    match = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", auth)
    service = match.group(1) if match else "unsigned"
    body = body_of(entry)
    action = parse_qs(body).get("Action") if "Action=" in body else None
    if action:
        return f"{service}:{action[0]}"
    path = urlsplit(str(entry.get("url", ""))).path
    for method, pattern, name in _rest_routes(service):
        if method == entry.get("method") and pattern.fullmatch(path):
            return f"{service}:{name}"
    return f"{service}:{entry.get('method')} {path}"


@cache
def _rest_routes(service: str) -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path pattern, operation) of a REST service, literal paths first."""
    import botocore.session

    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # an unknown signing name: nothing to match
        return []
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = str(http.get("requestUri", "/")).split("?")[0]
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(uri))
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        literal = len(re.sub(r"\{[^}]+\}", "", uri))
        routes.append((literal, str(http.get("method")), re.compile(pattern), name))
    routes.sort(key=lambda r: -r[0])
    return [(method, pattern, name) for _, method, pattern, name in routes]
