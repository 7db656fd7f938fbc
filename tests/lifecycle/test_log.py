"""structlog configuration: JSON lines or console, bound context, and secrets redacted."""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle.log import REDACTED, configure, get_logger, redact

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"

SECRET_KEYS = [
    "aws_secret_access_key",
    "SecretAccessKey",
    "aws_session_token",
    "SessionToken",
    "password",
    "DbPassword",
    "AccessKeyId",
    "aws_access_key_id",
    "x-amz-security-token",
    "Credentials",
    "token",
]
KEPT_KEYS = ["NextToken", "RoleName", "PercentEnabled", "MaxResults", "DeletionTaskId", "event"]


@pytest.fixture(autouse=True)
def _pristine_structlog() -> Iterator[None]:
    """Each test configures structlog as it likes; the next one starts from the defaults."""
    structlog.contextvars.clear_contextvars()
    yield
    structlog.contextvars.clear_contextvars()
    structlog.reset_defaults()


def run(*events: tuple[str, dict[str, Any]], fmt: Any = "json") -> str:
    """Configure ``fmt`` on a fresh (non-tty) stream, log ``events``, return what was printed."""
    out = io.StringIO()
    configure(fmt, stream=out)
    log = get_logger()
    for event, fields in events:
        log.info(event, **fields)
    return out.getvalue()


# -- redact -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_redact_replaces_the_value_of_a_secret_looking_key(key: str) -> None:
    assert redact(None, "info", {key: SECRET}) == {key: REDACTED}


@pytest.mark.parametrize("key", KEPT_KEYS)
def test_redact_keeps_the_value_of_an_ordinary_key(key: str) -> None:
    assert redact(None, "info", {key: "value-1"}) == {key: "value-1"}


def test_redact_reaches_into_nested_dicts_and_lists() -> None:
    event = {
        "params": {"RoleName": "r", "Auth": {"SessionToken": SECRET}},
        "pages": [{"NextToken": "t1"}, {"items": [{"password": SECRET}]}],
    }
    assert redact(None, "info", event) == {
        "params": {"RoleName": "r", "Auth": {"SessionToken": REDACTED}},
        "pages": [{"NextToken": "t1"}, {"items": [{"password": REDACTED}]}],
    }


def test_redact_replaces_a_whole_structure_under_a_secret_key() -> None:
    event = {"Credentials": {"AccessKeyId": "AKIA", "Expiration": "soon"}}
    assert redact(None, "info", event) == {"Credentials": REDACTED}


# Trees of the shapes AWS responses take, with keys that never look secret.
leaves = st.none() | st.booleans() | st.integers() | st.text(alphabet="abc-_0", max_size=6)
safe_keys = st.sampled_from(["Name", "Region", "Items", "NextToken", "RoleName", "Arn", "Tags"])
trees = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(safe_keys, children, max_size=3)
    ),
    max_leaves=12,
)


def plant(tree: Any, key: str, value: str, path: list[int]) -> Any:
    """``tree`` with ``{key: value}`` added in the container ``path`` leads to."""
    if isinstance(tree, dict):
        if path and tree:
            child = sorted(tree)[path[0] % len(tree)]
            return {**tree, child: plant(tree[child], key, value, path[1:])}
        return {**tree, key: value}
    if isinstance(tree, list):
        if path and tree:
            i = path[0] % len(tree)
            return [*tree[:i], plant(tree[i], key, value, path[1:]), *tree[i + 1 :]]
        return [*tree, {key: value}]
    return {"Value": tree, key: value}


@settings(max_examples=100)
@given(
    tree=trees,
    key=st.sampled_from(SECRET_KEYS).flatmap(lambda k: st.sampled_from([k, k.upper(), k.lower()])),
    path=st.lists(st.integers(0, 5), max_size=6),
)
def test_redact_replaces_a_planted_secret_at_any_depth_and_changes_nothing_else(
    tree: Any, key: str, path: list[int]
) -> None:
    event = {"event": "aws.call", "params": plant(tree, key, SECRET, path)}
    assert redact(None, "info", event) == {
        "event": "aws.call",
        "params": plant(tree, key, REDACTED, path),
    }


# -- configure: JSON lines --------------------------------------------------------------------


def test_json_format_prints_one_json_object_per_event_per_line() -> None:
    out = run(("step.start", {}), ("step.end", {"status": "succeeded"}))
    lines = out.splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["step.start", "step.end"]


def test_a_json_line_carries_event_level_and_utc_iso_timestamp() -> None:
    [line] = run(("aws.call", {"operation": "GetRole"})).splitlines()
    record = json.loads(line)
    assert (record["event"], record["level"], record["operation"]) == (
        "aws.call",
        "info",
        "GetRole",
    )
    stamp = datetime.datetime.fromisoformat(record["timestamp"])
    assert stamp.utcoffset() == datetime.timedelta(0)


def test_a_json_line_carries_the_context_bound_in_contextvars() -> None:
    structlog.contextvars.bind_contextvars(run_id="r-1", workflow="mediatailor")
    [line] = run(("step.start", {})).splitlines()
    record = json.loads(line)
    assert (record["run_id"], record["workflow"]) == ("r-1", "mediatailor")


def test_auto_format_on_a_stream_that_is_not_a_terminal_is_json() -> None:
    [line] = run(("step.start", {}), fmt="auto").splitlines()
    assert json.loads(line)["event"] == "step.start"


def test_events_below_the_configured_level_are_not_printed() -> None:
    out = io.StringIO()
    configure("json", stream=out, level=30)
    get_logger().info("quiet")
    get_logger().warning("loud")
    assert [json.loads(line)["event"] for line in out.getvalue().splitlines()] == ["loud"]


# -- configure: console -----------------------------------------------------------------------


def test_console_format_prints_a_line_that_is_not_json() -> None:
    [line] = run(("step.start", {"state": "created"}), fmt="console").splitlines()
    assert "step.start" in line
    assert "state=created" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_console_format_on_a_stream_that_is_not_a_terminal_has_no_colour_codes() -> None:
    out = run(("step.start", {"state": "created"}), fmt="console")
    assert "\x1b[" not in out


# -- secrets never reach the output -----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_a_secret_under_a_secret_key_never_reaches_the_output(fmt: str) -> None:
    structlog.contextvars.bind_contextvars(aws_session_token=SECRET)
    out = run(
        ("session.made", {"aws_secret_access_key": SECRET}),
        ("aws.call", {"params": {"Credentials": {"SecretAccessKey": SECRET}}}),
        ("aws.call", {"headers": [{"X-Amz-Security-Token": SECRET}], "NextToken": "t1"}),
        fmt=fmt,
    )
    assert len(out.splitlines()) == 3
    assert SECRET not in out
    assert "t1" in out
