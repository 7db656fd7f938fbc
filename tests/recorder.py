"""moto's request recorder, as the tests read it: which requests reached the local AWS."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from localaws import LocalAWS
from localaws.recorder import Recorder, body_of

__all__ = ["is_write", "requests", "signed_by", "start", "stop"]


def start(aws: LocalAWS) -> None:
    """Forget what was recorded, and record from now on."""
    Recorder(aws.endpoint_url).start()


def stop(aws: LocalAWS) -> None:
    Recorder(aws.endpoint_url).stop()


def requests(aws: LocalAWS) -> list[tuple[str, str, dict[str, Any], str]]:
    """(HTTP method, the operation's name for a query-protocol request or the last word of the
    path for a REST one, the entry, its body) of every request."""
    found = []
    for entry in Recorder(aws.endpoint_url).entries():
        body = body_of(entry)
        action = parse_qs(body).get("Action", [""])[0]
        if not action:
            # A JSON-protocol service (Config, CloudTrail, DynamoDB) names it in a header.
            target = str(entry.get("headers", {}).get("X-Amz-Target", ""))
            action = target.rsplit(".", 1)[-1]
        if not action and entry["method"] == "POST":
            # A REST service that reads with POST (the Account API's listRegions) names the
            # operation in its path.
            action = str(entry.get("url", "")).split("?")[0].rsplit("/", 1)[-1]
        found.append((entry["method"], action, entry, body))
    return found


def is_write(method: str, action: str) -> bool:
    """IAM and STS name the operation in the body, JSON-protocol services in a header;
    MediaTailor (REST) reads with GET; a REST read sent with POST is named for what it does
    (``listRegions``)."""
    if action:
        return not action.lower().startswith(("get", "list", "describe"))
    return method != "GET"


def signed_by(entry: dict[str, Any]) -> tuple[str, str, str] | None:
    """(access key, region, service) of a recorded request's SigV4 credential scope."""
    auth = str(entry.get("headers", {}).get("Authorization", ""))
    if "Credential=" not in auth:
        return None
    key, _date, region, service, _ = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    return key, region, service
