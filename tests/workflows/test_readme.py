"""README's workflow table says what the registered workflows declare.

The table between ``<!-- workflows:begin -->`` and ``<!-- workflows:end -->`` is generated
from the built-in workflows: name, role, what uses it (each kind, and whether a drain turns it
off or a person must clear it), the first sentence of the module's docstring, and links to its
diagrams and its demo. The test generates it again and compares; to bring README up to date::

    python tests/workflows/test_readme.py
"""

from __future__ import annotations

import importlib
from pathlib import Path

from lifecycle.model.workflow import Workflow
from lifecycle.registry import registered

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
BEGIN, END = "<!-- workflows:begin -->\n", "<!-- workflows:end -->\n"
#: The distribution whose workflows README describes (others are listed by `slr workflows`).
OURS = "slr-lifecycle"


def first_sentence(module: str) -> str:
    """The first sentence after the title line of the workflow module's docstring."""
    paragraph = (importlib.import_module(module).__doc__ or "").split("\n\n")[1]
    return " ".join(paragraph.split()).split(". ")[0].rstrip(".").replace("``", "`") + "."


def kinds(workflow: Workflow) -> str:
    if not workflow.dependents_known:
        return "unknown: IAM's failed deletion names them, a person clears them"
    return "<br>".join(
        f"{kind.name}: {'a person clears it' if kind.person_only else 'drained, restored'}"
        for kind in workflow.kinds
    )


def demo(name: str, workflow: Workflow) -> str:
    return f"`slr demo --workflow {name}`" if workflow.demo is not None else "-"


def table() -> str:
    rows = [
        "| workflow | role | what uses it | how | diagrams | demo |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in registered().items():
        workflow = entry.workflow
        if workflow is None or not entry.package.startswith(f"{OURS} "):
            continue
        rows.append(
            f"| `{name}` ({workflow.title}) | `{workflow.role_name}` "
            f"| {first_sentence(entry.value.split(':')[0])} "
            f"| {kinds(workflow)} | [table](diagrams/{name}.md), [picture](diagrams/{name}.svg) "
            f"| {demo(name, workflow)} |"
        )
    return "\n".join(rows) + "\n"


def current() -> str:
    text = README.read_text()
    return text[text.index(BEGIN) + len(BEGIN) : text.index(END)]


def test_the_readme_lists_every_built_in_workflow_as_it_is_declared() -> None:
    assert current() == table(), "README's workflow table is stale: python " + __file__


if __name__ == "__main__":
    text = README.read_text()
    README.write_text(text.replace(BEGIN + current() + END, BEGIN + table() + END))
    print("README.md's workflow table regenerated")
