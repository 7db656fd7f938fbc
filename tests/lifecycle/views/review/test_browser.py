"""The run page in a real browser: headless Chromium loads it from a file, shows the outcome,
the steps and the diagram, and asks the network for nothing."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from lifecycle.views import diagrams
from lifecycle.views.review.page import run_highlight, run_page
from tests.lifecycle.views.review.conftest import RunOf
from workflows.mediatailor import WORKFLOW

CONFIGURE = "ConfigureLogsForPlaybackConfiguration"
CALLS = [
    (
        CONFIGURE,
        "us-east-1",
        {
            "PlaybackConfigurationName": "live-news",
            "PercentEnabled": 0,
            "EnabledLoggingStrategies": ["VENDED_LOGS"],
        },
        True,
        2,
        None,
    ),
]
#: A clean, quiet browser: no profile, no sync, no updates, no first-run pages.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]


def needs(binary: str, package: str) -> str:
    """The path of ``binary``; skipped without it on a laptop, failed without it in CI
    (``.ci/run`` installs the Debian ``package``)."""
    found = shutil.which(binary)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install {package} (.ci/run does)")
        pytest.skip(f"{binary} is not installed (apt-get install {package})")
    return found


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    argv = [needs("chromium", "chromium"), *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=90, check=True)


def page_requests(net_log: Path) -> list[str]:
    """URLs the page asked for, from Chromium's net log: requests with an initiator (the
    browser's own background requests have none) to anything but the file itself."""
    log = json.loads(net_log.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    starts = [e.get("params", {}) for e in log["events"] if e["type"] == start]
    return [
        params["url"]
        for params in starts
        if "url" in params  # the event's end carries no parameters
        and params.get("initiator") != "not an origin"
        and not params["url"].startswith("file:")
    ]


@pytest.fixture
def run_html(run_of: RunOf, tmp_path: Path) -> Path:
    run, steps, memory = run_of(calls=CALLS)
    needs("dot", "graphviz")
    svg = diagrams.to_image(diagrams.extract(WORKFLOW, run_highlight(steps)), "svg").decode()
    path = tmp_path / "run.html"
    path.write_text(run_page(WORKFLOW, run, steps, memory, svg))
    return path


def test_chromium_shows_outcome_steps_and_diagram_and_fetches_nothing(
    run_html: Path, tmp_path: Path
) -> None:
    net_log = tmp_path / "net.json"
    dom = chromium(tmp_path, f"--log-net-log={net_log}", "--dump-dom", run_html.as_uri()).stdout
    assert '<span class="outcome succeeded" id="outcome">succeeded</span>' in dom
    assert "1. drain</td>" in dom
    assert "mediatailor:ConfigureLogsForPlaybackConfiguration" in dom
    assert "<svg" in dom
    assert ">draining</text>" in dom  # the diagram's nodes are in the page, as SVG text
    assert page_requests(net_log) == []


def test_the_net_log_check_sees_a_page_that_fetches(tmp_path: Path) -> None:
    # The check above can fail: a page loading an image over HTTP is caught.
    fetching = tmp_path / "fetching.html"
    fetching.write_text('<p>hi</p><img src="http://127.0.0.1:9/x.png">')
    net_log = tmp_path / "net.json"
    chromium(tmp_path, f"--log-net-log={net_log}", "--dump-dom", fetching.as_uri())
    assert page_requests(net_log) == ["http://127.0.0.1:9/x.png"]


def test_chromium_renders_a_screenshot_of_the_page(run_html: Path, tmp_path: Path) -> None:
    shot = tmp_path / "run.png"
    chromium(tmp_path, "--window-size=1200,1500", f"--screenshot={shot}", run_html.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1200, 1500)
    assert len(data) > 50_000  # text, tables and a diagram, not an empty page
