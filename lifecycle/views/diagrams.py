"""Diagrams from the definitions: definition -> :class:`Diagram` model -> renderers.

DOT, Mermaid and Markdown are plain text and need no binary; SVG and PNG ask Graphviz's
``dot`` through the ``graphviz`` package when it is installed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from lifecycle.errors import DefinitionError, GraphvizMissing
from lifecycle.model.workflow import Workflow

__all__ = [
    "FORMATS",
    "Diagram",
    "Edge",
    "Highlight",
    "Node",
    "extract",
    "render",
    "to_dot",
    "to_markdown",
    "to_mermaid",
]

TEXT_FORMATS = ("dot", "mermaid", "markdown")
IMAGE_FORMATS = ("svg", "png")
FORMATS = TEXT_FORMATS + IMAGE_FORMATS
#: The formats committed under ``diagrams/`` (PNG is left out: SVG says the same, smaller).
COMMITTED_FORMATS = ("dot", "mermaid", "markdown", "svg")
#: The file suffix each format is committed under in ``diagrams/``.
SUFFIXES = {"dot": "dot", "mermaid": "mmd", "markdown": "md", "svg": "svg", "png": "png"}

_HIGHLIGHT = "#b45309"
_HIGHLIGHT_FILL = "#fde68a"


@dataclass(frozen=True)
class Highlight:
    """What to mark: the observed state and the planned path (triggers in order from it),
    or, with ``taken``, the state a run started from and the path it took."""

    state: str
    path: tuple[str, ...] = ()
    taken: bool = False


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    initial: bool
    final: bool
    highlighted: bool
    #: Labels of the targets already reached here, beside itself (``State.meets``).
    meets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Edge:
    source: str
    dest: str
    trigger: str
    guards: tuple[str, ...]
    #: ``W iam:CreateServiceLinkedRole`` / ``R iam:GetRole``, in binding order.
    operations: tuple[str, ...]
    retry: str
    highlighted: bool

    @property
    def title(self) -> str:
        guards = f" [{', '.join(self.guards)}]" if self.guards else ""
        return self.trigger + guards


@dataclass(frozen=True)
class Diagram:
    """The renderer-neutral model of one workflow's lifecycle diagram."""

    name: str
    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    #: How the marked state and path are named: observed and planned, or a run's.
    state_caption: str = "Observed state"
    path_caption: str = "Planned path"


def _path_edges(workflow: Workflow, highlight: Highlight) -> set[tuple[str, str, str]]:
    definition = workflow.definition
    here = definition.state(highlight.state).id
    marked: set[tuple[str, str, str]] = set()
    for trigger in highlight.path:
        transition = definition.transition(trigger)
        if here not in transition.sources:
            raise DefinitionError(f"highlighted path: {trigger!r} cannot fire from {here!r}")
        marked.add((here, transition.dest, trigger))
        here = transition.dest
    return marked


def extract(workflow: Workflow, highlight: Highlight | None = None) -> Diagram:
    """The diagram model of ``workflow``, with ``highlight`` marked when given."""
    definition = workflow.definition
    marked_state = definition.state(highlight.state).id if highlight else None
    marked_edges = _path_edges(workflow, highlight) if highlight else set()
    nodes = tuple(
        Node(
            s.id,
            s.label,
            s.initial,
            s.final,
            s.id == marked_state,
            tuple(definition.state(met).label for met in s.meets),
        )
        for s in definition.states
    )
    edges = []
    for transition in definition.transitions:
        binding = workflow.binding(transition.trigger)
        operations = tuple(f"{'W' if op.writes else 'R'} {op.action}" for op in binding.operations)
        for source, dest in transition.edges:
            edges.append(
                Edge(
                    source=source,
                    dest=dest,
                    trigger=transition.trigger,
                    guards=transition.guards,
                    operations=operations,
                    retry=binding.retry.describe()
                    + (f"; poll {workflow.poll.describe()}" if transition.polls else ""),
                    highlighted=(source, dest, transition.trigger) in marked_edges,
                )
            )
    title = f"{workflow.role_name} ({workflow.title or workflow.name})"
    captions = ("Start state", "Path taken") if highlight and highlight.taken else ()
    return Diagram(workflow.name, title, nodes, tuple(edges), *captions)


# -- DOT -------------------------------------------------------------------------------------


def _digraph(diagram: Diagram) -> object:
    import graphviz  # imported here: only diagram paths pay for it

    graph = graphviz.Digraph(
        name=diagram.name,
        graph_attr={
            "rankdir": "LR",
            "label": diagram.title,
            "labelloc": "t",
            "fontname": "Helvetica",
            "nodesep": "0.6",
        },
        node_attr={"shape": "box", "style": "rounded", "fontname": "Helvetica"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"},
    )
    graph.node("__start__", label="", shape="point", width="0.15")
    for node in diagram.nodes:
        attrs = {"peripheries": "2"} if node.final else {}
        if node.highlighted:
            attrs |= {
                "style": "rounded,filled,bold",
                "fillcolor": _HIGHLIGHT_FILL,
                "color": _HIGHLIGHT,
            }
        label = node.label + (f"\nmeets {', '.join(node.meets)}" if node.meets else "")
        graph.node(node.id, label=label, **attrs)
        if node.initial:
            graph.edge("__start__", node.id)
    for edge in diagram.edges:
        # "\l" ends a left-justified line in DOT labels.
        lines = [edge.title, *edge.operations, f"retry {edge.retry}"]
        attrs = (
            {"color": _HIGHLIGHT, "fontcolor": _HIGHLIGHT, "penwidth": "2.5"}
            if (edge.highlighted)
            else {}
        )
        graph.edge(edge.source, edge.dest, label="\\l".join(lines) + "\\l", **attrs)
    return graph


def to_dot(diagram: Diagram) -> str:
    """Graphviz DOT source (no binary needed)."""
    source: str = _digraph(diagram).source  # type: ignore[attr-defined]
    return source


# -- Mermaid ---------------------------------------------------------------------------------


def to_mermaid(diagram: Diagram) -> str:
    """A Mermaid ``stateDiagram-v2``: state ids carry no hyphen, labels keep theirs.

    Edge labels hold the trigger and its guards only: Mermaid's transition text stops at a
    colon, and operations (``iam:GetRole``) are full of them. The Markdown table has them.
    """
    lines = ["stateDiagram-v2", "    direction LR"]
    lines += [f'    state "{node.label}" as {node.id}' for node in diagram.nodes]
    lines += [f"    [*] --> {node.id}" for node in diagram.nodes if node.initial]
    lines += [f"    {e.source} --> {e.dest}: {e.title}" for e in diagram.edges]
    lines += [f"    {node.id} --> [*]" for node in diagram.nodes if node.final]
    lines += [
        f"    note left of {node.id}: meets {', '.join(node.meets)}"
        for node in diagram.nodes
        if node.meets
    ]
    marked = [node.id for node in diagram.nodes if node.highlighted]
    if marked:
        lines.append(
            f"    classDef observed fill:{_HIGHLIGHT_FILL},stroke:{_HIGHLIGHT},stroke-width:3px"
        )
        lines.append(f"    class {','.join(marked)} observed")
    path = [e for e in diagram.edges if e.highlighted]
    if path:
        caption = diagram.path_caption.lower()
        lines.append(f"    note right of {path[-1].dest}: {caption} {_path_text(path)}")
    return "\n".join(lines) + "\n"


def _path_text(path: Sequence[Edge]) -> str:
    return " then ".join(edge.trigger for edge in path)


# -- Markdown --------------------------------------------------------------------------------


def to_markdown(diagram: Diagram) -> str:
    """A Markdown table of every transition: state, trigger, guard, target, operations, retry."""
    labels = {node.id: node.label for node in diagram.nodes}
    rows = [
        f"# {diagram.title}",
        "",
        "| state | trigger | guard | target | operations | retry |",
        "|---|---|---|---|---|---|",
    ]
    for edge in diagram.edges:
        mark = "**" if edge.highlighted else ""
        rows.append(
            f"| {labels[edge.source]} | {mark}{edge.trigger}{mark} | "
            f"{', '.join(edge.guards) or '-'} | {labels[edge.dest]} | "
            f"{'<br>'.join(f'`{op}`' for op in edge.operations) or '-'} | {edge.retry} |"
        )
    marked = [node.label for node in diagram.nodes if node.highlighted]
    if marked:
        rows += ["", f"{diagram.state_caption}: **{marked[0]}**."]
    path = [e for e in diagram.edges if e.highlighted]
    if path:
        rows.append(f"{diagram.path_caption}: {_path_text(path)}.")
    meets = [f"{node.label} meets {', '.join(node.meets)}" for node in diagram.nodes if node.meets]
    if meets:
        rows += [
            "",
            f"Already reached, with nothing to send: {'; '.join(meets)} (no role is left to "
            "delete, so a decommission never creates one).",
        ]
    rows += ["", "`R` reads, `W` writes: a dry run refuses every `W` operation."]
    return "\n".join(rows) + "\n"


# -- images ----------------------------------------------------------------------------------


def dot_fingerprint(dot: str) -> str:
    """A short digest of DOT source, stamped into rendered SVG so drift can be detected
    without depending on the Graphviz version's exact output."""
    return hashlib.sha256(dot.encode()).hexdigest()[:16]


def to_image(diagram: Diagram, fmt: str) -> bytes:
    """SVG or PNG through Graphviz's ``dot``; :class:`GraphvizMissing` without it."""
    import graphviz

    graph = _digraph(diagram)
    try:
        data: bytes = graph.pipe(format=fmt)  # type: ignore[attr-defined]
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing(
            f"{fmt} needs Graphviz's dot: install it (apt-get install graphviz, "
            "brew install graphviz) or use --format dot|mermaid|markdown"
        ) from None
    if fmt == "svg":
        stamp = f"<!-- dot-source {dot_fingerprint(to_dot(diagram))} -->\n"
        head, _, rest = data.decode().partition("<svg")
        data = (head + stamp + "<svg" + rest).encode()
    return data


def render(diagram: Diagram, fmt: str) -> bytes:
    """``diagram`` in ``fmt`` (one of :data:`FORMATS`) as bytes."""
    if fmt == "dot":
        return to_dot(diagram).encode()
    if fmt == "mermaid":
        return to_mermaid(diagram).encode()
    if fmt == "markdown":
        return to_markdown(diagram).encode()
    if fmt in IMAGE_FORMATS:
        return to_image(diagram, fmt)
    raise ValueError(f"unknown diagram format {fmt!r} (known: {', '.join(FORMATS)})")
