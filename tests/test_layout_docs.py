"""README's layout section says what the packages' own docstrings say.

The table between ``<!-- layout:begin -->`` and ``<!-- layout:end -->`` in README.md is
generated from the packages on disk: every package of ``lifecycle``, ``workflows`` and
``localaws``, the first sentence of its docstring, what it may import (its docstring's "May
import:" paragraph) and its modules (those directly in ``lifecycle/`` are listed by hand below
the table, each of them checked to be there). The test generates it again and compares, so a
package added, moved or described anew without README shows here. To bring README up to date::

    python tests/test_layout_docs.py
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
TOP_LEVEL = ("lifecycle", "workflows", "localaws")
BEGIN, END = "<!-- layout:begin -->\n", "<!-- layout:end -->\n"
#: The line README's top-level modules of ``lifecycle/`` are listed after.
MODULES_HEADING = "Modules directly in `lifecycle/`:"


def packages() -> list[Path]:
    """Every package directory under the top-level packages, the top-level ones included."""
    found = [init.parent for top in TOP_LEVEL for init in (ROOT / top).rglob("__init__.py")]
    return sorted(found, key=lambda path: path.relative_to(ROOT).parts)


def docstring(package: Path) -> str:
    text = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
    assert text, f"{package.relative_to(ROOT)}/__init__.py has no docstring"
    return text


def markdown(rst: str) -> str:
    """One line of Markdown from a docstring's reStructuredText: roles and literals as code."""
    text = re.sub(r":[a-z]+:`~?([^`]*?)`", lambda m: f"`{m.group(1).split('.')[-1]}`", rst)
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    return " ".join(text.split()).replace("|", "\\|")


def first_sentence(text: str) -> str:
    paragraph = text.split("\n\n")[0]
    return markdown(re.split(r"(?<=[.!?])\s+(?=[A-Z`(:])", " ".join(paragraph.split()))[0])


def may_import(text: str) -> str:
    """The docstring's "May import:" paragraph, without its label; "" when it has none."""
    for paragraph in text.split("\n\n"):
        if paragraph.startswith("May import:"):
            return markdown(paragraph.removeprefix("May import:"))
    return ""


def modules(package: Path) -> str:
    if package == ROOT / "lifecycle":
        return "listed below"  # each with a line of its own, checked apart
    names = sorted(p.name for p in package.glob("*.py") if p.name != "__init__.py")
    return ", ".join(f"`{name}`" for name in names)


def table() -> str:
    """The generated block: one row per package."""
    rows = [
        "| package | what it is | may import | modules |",
        "|---|---|---|---|",
    ]
    for package in packages():
        text = docstring(package)
        name = f"`{package.relative_to(ROOT).as_posix()}/`"
        rows.append(
            f"| {name} | {first_sentence(text)} | {may_import(text) or '-'} | {modules(package)} |"
        )
    return "\n".join(rows) + "\n"


def layout_section(readme: str) -> str:
    start = readme.index("\n## Layout\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else len(readme)]


def generated(readme: str) -> str:
    return readme.split(BEGIN, 1)[1].split(END, 1)[0]


def regenerate(readme: str) -> str:
    before, rest = readme.split(BEGIN, 1)
    return before + BEGIN + table() + END + rest.split(END, 1)[1]


# -- the tests --------------------------------------------------------------------------------


def test_readmes_layout_table_is_generated_from_the_packages_on_disk() -> None:
    readme = README.read_text()
    assert BEGIN in layout_section(readme), "README's Layout section has no generated table"
    assert generated(readme) == table(), (
        "README's layout table is stale: run `python tests/test_layout_docs.py`"
    )


@pytest.mark.parametrize("package", packages(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_package_is_named_in_the_layout_section_with_its_first_sentence(
    package: Path,
) -> None:
    section = layout_section(README.read_text())
    row = f"| `{package.relative_to(ROOT).as_posix()}/` | {first_sentence(docstring(package))} |"
    assert row in section


def test_every_module_directly_in_lifecycle_is_described_in_the_layout_section() -> None:
    section = layout_section(README.read_text())
    assert MODULES_HEADING in section
    described = section.split(MODULES_HEADING, 1)[1]
    for module in sorted((ROOT / "lifecycle").glob("*.py")):
        assert f"- `lifecycle/{module.name}`" in described, f"README omits {module.name}"


def test_the_first_sentence_is_the_docstrings_own_words() -> None:
    text = "The ``slr`` command: a thin layer over :mod:`~lifecycle.engine.runner`.\n\nMore."
    assert first_sentence(text) == "The `slr` command: a thin layer over `runner`."
    assert may_import("Intro.\n\nMay import: ``boto3`` and\nthe model.") == "`boto3` and the model."
    assert may_import("Intro only.") == ""


if __name__ == "__main__":
    README.write_text(regenerate(README.read_text()))
    sys.stdout.write("README.md's layout table regenerated\n")
