"""A run as one page: its outcome, timeline, dependents and path, escaped and self-contained."""

from __future__ import annotations

import re

from lifecycle.views import diagrams
from lifecycle.views.review.page import run_highlight, run_page
from tests.lifecycle.views.review.conftest import RunOf
from workflows.mediatailor import WORKFLOW

CONFIGURE = "ConfigureLogsForPlaybackConfiguration"
DRAIN_CALLS = [
    (
        CONFIGURE,
        "eu-west-1",
        {
            "PlaybackConfigurationName": "vod-catalog",
            "PercentEnabled": 0,
            "EnabledLoggingStrategies": ["VENDED_LOGS"],
        },
        True,
        1,
        None,
    ),
    (
        CONFIGURE,
        "us-east-1",
        {
            "PlaybackConfigurationName": "live-news",
            "PercentEnabled": 0,
            "EnabledLoggingStrategies": ["VENDED_LOGS"],
        },
        True,
        3,
        None,
    ),
]
#: A stand-in for Graphviz's output, prolog included (the page keeps the element alone).
SVG = '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'


def page(run_of: RunOf, svg: str | None = SVG, **kwargs: object) -> str:
    run, steps, memory = run_of(**kwargs)
    return run_page(WORKFLOW, run, steps, memory, svg)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_outcome_and_final_state_come_first(run_of: RunOf) -> None:
    html = page(run_of, calls=DRAIN_CALLS)
    assert '<span class="outcome succeeded" id="outcome">succeeded</span>' in html
    assert "final state draining" in text_of(html)
    assert html.index('id="outcome"') < html.index("<h2>")


def test_each_step_and_write_is_on_the_timeline_with_attempts_and_retries(
    run_of: RunOf,
) -> None:
    html = page(run_of, calls=DRAIN_CALLS)
    timeline = text_of(html.split('id="timeline"')[1].split("</table>")[0])
    assert "1. drain in-use → draining" in timeline
    assert re.search(
        r"mediatailor:ConfigureLogsForPlaybackConfiguration .*"
        r"PlaybackConfigurationName=live-news us-east-1 \+\d\.\d\d s \d+ ms 3 2 ok",
        timeline,
    )
    assert re.search(
        r"PlaybackConfigurationName=vod-catalog eu-west-1 \+\d\.\d\d s \d+ ms 1 0 ok", timeline
    )


def test_a_failed_write_shows_its_error(run_of: RunOf) -> None:
    failed = (
        CONFIGURE,
        "us-east-1",
        {"PlaybackConfigurationName": "x", "PercentEnabled": 0},
        False,
        6,
        "ThrottlingException: Rate exceeded",
    )
    html = page(run_of, calls=[failed], outcome="failed")
    assert '<span class="outcome failed"' in html
    assert "6 5 failed: ThrottlingException: Rate exceeded" in text_of(html)


def test_an_interrupted_run_and_a_call_without_result_say_so(run_of: RunOf) -> None:
    lost = (
        CONFIGURE,
        "us-east-1",
        {"PlaybackConfigurationName": "x", "PercentEnabled": 0},
        None,
        1,
        None,
    )
    html = page(run_of, calls=[lost], outcome=None)
    assert '<span class="outcome interrupted"' in html
    assert "no result (interrupted)" in html


def test_dependents_before_and_after_with_what_the_drain_also_stopped(run_of: RunOf) -> None:
    html = page(run_of, calls=DRAIN_CALLS)
    table = html.split('id="dependents"')[1].split("</table>")[0]
    row = text_of(next(r for r in table.split("<tr>") if "live-news" in r))
    assert row == (
        "us-east-1 playback-configuration live-news EnabledLoggingStrategies=VENDED_LOGS "
        "PercentEnabled=100 EnabledLoggingStrategies=VENDED_LOGS PercentEnabled=0 ok "
        "a drain also stops its vended log delivery"
    )


def test_without_a_drain_record_the_page_says_what_is_missing(run_of: RunOf) -> None:
    html = page(run_of, calls=DRAIN_CALLS, drained=())
    assert "2 write(s) to dependents, but no drain record to compare them with" in html


def test_the_diagram_is_inline_svg_without_prolog(run_of: RunOf) -> None:
    html = page(run_of, calls=DRAIN_CALLS)
    assert '<div class="diagram">\n<svg xmlns=' in html
    assert "<?xml" not in html
    assert "<!DOCTYPE svg>" not in html


def test_without_graphviz_a_table_of_the_path_stands_in_and_says_so(run_of: RunOf) -> None:
    html = page(run_of, svg=None, calls=DRAIN_CALLS)
    assert "<svg" not in html
    assert "Graphviz's <code>dot</code> is not installed" in html
    assert "<tr class=taken><td>in-use</td><td>drain</td><td>draining</td></tr>" in html


def test_the_highlight_is_the_path_the_run_took(run_of: RunOf) -> None:
    _, steps, _ = run_of(calls=DRAIN_CALLS)
    assert run_highlight(steps) == diagrams.Highlight("IN_USE", ("drain",), taken=True)
    _, failed, _ = run_of(calls=[(*DRAIN_CALLS[0][:3], False, 1, "AccessDenied")], run_id="run2")
    assert run_highlight(failed) == diagrams.Highlight("IN_USE", (), taken=True)


def test_names_from_aws_are_escaped(run_of: RunOf) -> None:
    evil = "<script>alert(1)</script>"
    call = (
        CONFIGURE,
        "us-east-1",
        {"PlaybackConfigurationName": evil, "PercentEnabled": 0},
        False,
        1,
        f'NotFoundException: no "{evil}"',
    )
    html = page(run_of, calls=[call], outcome="failed")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_fetches_nothing_and_runs_no_script(run_of: RunOf) -> None:
    html = page(run_of, calls=DRAIN_CALLS)
    assert "default-src 'none'" in html  # the browser refuses any fetch the page would make
    assert not re.search(r"<script|\b(src|href)\s*=|@import|url\(", html, flags=re.I)


def test_the_page_has_a_print_stylesheet(run_of: RunOf) -> None:
    assert "@media print" in page(run_of, calls=DRAIN_CALLS)
