"""The tree is the architecture: the import graph of ``lifecycle``, ``workflows`` and
``localaws`` has no cycle, each package imports only what its docstring allows, and no module
grows past what a reader takes in at once.

Imports are read from the source (every ``import``, at module level, inside functions and
under ``TYPE_CHECKING`` alike): a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGES = ("lifecycle", "workflows", "localaws")
MAX_LINES = 400
MAX_TOP_LEVEL_MODULES = 8

#: Each package of lifecycle, and the packages of lifecycle it may import (itself included);
#: the top-level modules (``errors``, ``log``) are open to all. Kept in step with each
#: package's docstring ("May import: ...").
ALLOWED = {
    "lifecycle.model": {"lifecycle.model"},
    "lifecycle.aws": {"lifecycle.model", "lifecycle.aws"},
    "lifecycle.journal": {"lifecycle.model", "lifecycle.aws", "lifecycle.journal"},
    "lifecycle.engine": {
        "lifecycle.model",
        "lifecycle.aws",
        "lifecycle.journal",
        "lifecycle.engine",
    },
    "lifecycle.views": {
        "lifecycle.model",
        "lifecycle.aws",
        "lifecycle.journal",
        "lifecycle.engine",
        "lifecycle.views",
    },
    "lifecycle.fleet": {
        "lifecycle.model",
        "lifecycle.aws",
        "lifecycle.journal",
        "lifecycle.engine",
        "lifecycle.views",
        "lifecycle.fleet",
    },
}
OPEN_TO_ALL = {"lifecycle", "lifecycle.errors", "lifecycle.log"}
#: Third-party modules the pure model never imports: it does no I/O.
NOT_IN_THE_MODEL = ("boto3", "botocore.session", "botocore.client", "tenacity", "structlog")


@cache
def modules() -> dict[str, Path]:
    found = {}
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imported(path: Path) -> Iterator[str]:
    """Every module name ``path`` imports (``from a import b`` yields ``a.b`` when that is a
    module of ours, else ``a``)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                yield sub if sub in modules() else node.module


@cache
def graph() -> dict[str, frozenset[str]]:
    ours = modules()
    return {
        name: frozenset(m for m in _imported(path) if m in ours and m != name)
        for name, path in ours.items()
    }


def cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "lifecycle" and len(parts) > 1 else parts[0]


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The check below can fail: a -> b -> c -> a is one cycle, d on its own is none."""
    edges = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    assert cycles(edges) == [["a", "b", "c"]]


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_what_it_may(package: str) -> None:
    allowed = ALLOWED[package] | OPEN_TO_ALL
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph().items()
        if package_of(module) == package
        for target in targets
        if target.startswith("lifecycle")
        and package_of(target) not in allowed
        and target not in allowed
    )
    assert wrong == []


def test_each_package_docstring_says_what_it_may_import() -> None:
    """The contract above and the docstrings a reader sees name the same packages."""
    for package, allowed in ALLOWED.items():
        doc = ast.get_docstring(ast.parse(modules()[package].read_text())) or ""
        said = doc.partition("May import:")[2]
        assert said, package
        assert [a for a in sorted(allowed) if f"``{a}``" not in said] == [], package


def test_nothing_imports_the_command_line() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph().items()
        if package_of(module) != "lifecycle.cli"
        for target in targets
        if package_of(target) == "lifecycle.cli"
    )
    assert wrong == []


def test_the_model_does_no_io() -> None:
    wrong = sorted(
        f"{name} imports {target}"
        for name, path in modules().items()
        if package_of(name) == "lifecycle.model"
        for target in _imported(path)
        if target.startswith(NOT_IN_THE_MODEL)
    )
    assert wrong == []


def test_no_module_is_over_the_limit() -> None:
    long = {
        name: lines
        for name, path in modules().items()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_few_modules_sit_directly_in_lifecycle() -> None:
    top = sorted(p.name for p in (ROOT / "lifecycle").glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_only_the_command_line_imports_the_test_kit() -> None:
    """``lifecycle.testing`` is for tests; ``slr`` arms ``SLR_CRASH_AT`` through it."""
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph().items()
        if package_of(module) not in ("lifecycle.cli", "lifecycle.testing")
        for target in targets
        if package_of(target) == "lifecycle.testing"
    )
    assert wrong == []
