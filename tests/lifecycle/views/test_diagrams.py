"""Diagrams: committed files match the definitions, and each renderer says what it must."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lifecycle.errors import DefinitionError, GraphvizMissing
from lifecycle.registry import workflows
from lifecycle.views import diagrams
from lifecycle.views.diagrams import Highlight

WORKFLOWS = workflows()

DIAGRAMS = Path(__file__).parents[3] / "diagrams"
MODELS = {name: diagrams.extract(workflow) for name, workflow in WORKFLOWS.items()}
TEXT = [(name, fmt) for name in WORKFLOWS for fmt in diagrams.TEXT_FORMATS]


def needs_dot() -> None:
    """Skip without Graphviz on a laptop; CI installs it, so there a missing dot fails."""
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Graphviz (.ci/run does)")
        pytest.skip("Graphviz's dot is not installed")


@pytest.mark.parametrize(("name", "fmt"), TEXT)
def test_committed_text_diagram_matches_definition(name: str, fmt: str) -> None:
    committed = DIAGRAMS / f"{name}.{diagrams.SUFFIXES[fmt]}"
    assert committed.read_bytes() == diagrams.render(MODELS[name], fmt), (
        f"{committed} is stale: run `make diagrams`"
    )


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_committed_svg_was_rendered_from_current_dot(name: str) -> None:
    svg = (DIAGRAMS / f"{name}.svg").read_text()
    fingerprint = diagrams.dot_fingerprint(diagrams.to_dot(MODELS[name]))
    assert f"<!-- dot-source {fingerprint} -->" in svg, "diagrams/*.svg is stale: make diagrams"


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_dot_is_accepted_by_graphviz(name: str) -> None:
    needs_dot()
    result = subprocess.run(
        ["dot", "-Tsvg"],
        input=diagrams.to_dot(MODELS[name]).encode(),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    for node in MODELS[name].nodes:
        # Graphviz writes a hyphen in SVG text as the entity &#45;.
        assert f">{node.label.replace('-', '&#45;')}</text>" in result.stdout.decode()


def test_mermaid_ids_have_no_hyphen_and_labels_keep_theirs() -> None:
    text = diagrams.to_mermaid(MODELS["mediatailor"])
    assert 'state "in-use" as IN_USE' in text
    for line in text.splitlines():
        if "-->" in line:
            ends = line.split(":")[0].replace("-->", " ").split()
            assert all("-" not in end for end in ends), line


def test_mermaid_edge_labels_hold_no_colon() -> None:
    # Mermaid ends a transition's text at a colon: one inside would cut the label.
    for line in diagrams.to_mermaid(MODELS["mediatailor"]).splitlines():
        if "-->" in line and ":" in line:
            assert line.count(":") == 1, line


def test_every_state_and_trigger_appears_in_every_text_format() -> None:
    workflow = WORKFLOWS["mediatailor"]
    for fmt in diagrams.TEXT_FORMATS:
        text = diagrams.render(MODELS["mediatailor"], fmt).decode()
        for state in workflow.definition.states:
            assert state.label in text, (fmt, state.label)
        for transition in workflow.definition.transitions:
            assert transition.trigger in text, (fmt, transition.trigger)


def test_dot_and_markdown_name_each_bound_operation_and_retry() -> None:
    workflow = WORKFLOWS["mediatailor"]
    dot = diagrams.to_dot(MODELS["mediatailor"])
    table = diagrams.to_markdown(MODELS["mediatailor"])
    for trigger, op in workflow.all_operations():
        if trigger == "observe":
            continue
        mark = "W" if op.writes else "R"
        assert f"{mark} {op.action}" in dot
        assert f"`{mark} {op.action}`" in table
    for transition in workflow.definition.transitions:
        assert workflow.binding(transition.trigger).retry.describe() in table


def test_highlight_marks_the_state_and_each_edge_of_the_path() -> None:
    workflow = WORKFLOWS["mediatailor"]
    model = diagrams.extract(workflow, Highlight("in-use", ("drain", "verify", "delete")))
    assert [n.id for n in model.nodes if n.highlighted] == ["IN_USE"]
    assert [(e.source, e.trigger) for e in model.edges if e.highlighted] == [
        ("IN_USE", "drain"),
        ("DRAINING", "verify"),
        ("DELETABLE", "delete"),
    ]
    assert "class IN_USE observed" in diagrams.to_mermaid(model)
    assert "Planned path: drain then verify then delete." in diagrams.to_markdown(model)
    assert diagrams.to_dot(model).count("penwidth=2.5") == 3


def test_highlight_refuses_a_path_that_cannot_fire() -> None:
    with pytest.raises(DefinitionError, match="'delete' cannot fire from 'IN_USE'"):
        diagrams.extract(WORKFLOWS["mediatailor"], Highlight("in-use", ("delete",)))


def test_svg_needs_graphviz_and_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(GraphvizMissing, match="install it"):
        diagrams.render(MODELS["mediatailor"], "svg")


def test_png_is_a_png_when_graphviz_is_present() -> None:
    needs_dot()
    assert diagrams.render(MODELS["mediatailor"], "png").startswith(b"\x89PNG")


def test_readme_shows_the_current_mermaid_diagram() -> None:
    readme = (DIAGRAMS.parent / "README.md").read_text()
    mermaid = diagrams.to_mermaid(MODELS["mediatailor"])
    assert f"<!-- diagram:mermaid -->\n```mermaid\n{mermaid}```" in readme


def test_the_delete_edge_carries_the_deletion_poll_policy() -> None:
    workflow = WORKFLOWS["mediatailor"]
    table = diagrams.to_markdown(MODELS["mediatailor"])
    assert f"; poll {workflow.poll.describe()} |" in table


def test_a_runs_path_is_captioned_as_taken_not_planned() -> None:
    model = diagrams.extract(WORKFLOWS["mediatailor"], Highlight("in-use", ("drain",), taken=True))
    table = diagrams.to_markdown(model)
    assert "Start state: **in-use**." in table
    assert "Path taken: drain." in table
