"""moto's request recorder, as the tests read it: which requests reached the local AWS."""

from __future__ import annotations

import base64
import json
import urllib.request
from typing import Any
from urllib.parse import parse_qs

from localaws import LocalAWS

__all__ = ["control", "is_write", "requests", "start", "stop"]


def control(aws: LocalAWS, method: str, path: str) -> bytes:
    """An unsigned request to one of the local AWS's own endpoints."""
    request = urllib.request.Request(aws.endpoint_url + path, method=method)
    with urllib.request.urlopen(request) as response:
        body: bytes = response.read()
        return body


def start(aws: LocalAWS) -> None:
    """Forget what was recorded, and record from now on."""
    control(aws, "POST", "/moto-api/recorder/reset-recording")
    control(aws, "POST", "/moto-api/recorder/start-recording")


def stop(aws: LocalAWS) -> None:
    control(aws, "POST", "/moto-api/recorder/stop-recording")


def requests(aws: LocalAWS) -> list[tuple[str, str, dict[str, Any], str]]:
    """(HTTP method, query-protocol Action or "", the entry, its body) of every request."""
    found = []
    lines = control(aws, "GET", "/moto-api/recorder/download-recording").decode().splitlines()
    for entry in map(json.loads, lines):
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode(errors="replace")
        found.append((entry["method"], parse_qs(body).get("Action", [""])[0], entry, body))
    return found


def is_write(method: str, action: str) -> bool:
    """IAM and STS name the operation in the body; MediaTailor (REST) reads with GET."""
    if action:
        return not action.startswith(("Get", "List"))
    return method != "GET"
