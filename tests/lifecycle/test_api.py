"""The public API: one list of names in ``lifecycle/__init__.py``, loaded lazily, and what the
workflows import from it."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import lifecycle

ROOT = Path(__file__).resolve().parents[2]
#: What ``import lifecycle`` must not load: ``slr --help`` and the diagrams start without them.
HEAVY = ("boto3", "botocore", "graphviz", "moto")
#: What a workflow author writes a workflow with.
AUTHORING = (
    "Access",
    "Call",
    "Dependent",
    "Kind",
    "Operation",
    "Option",
    "Reads",
    "RetryPolicy",
    "Workflow",
    "integer",
)


def type_checking_imports() -> dict[str, str]:
    """The names the ``if TYPE_CHECKING:`` block of ``lifecycle/__init__.py`` imports, each
    with its module."""
    tree = ast.parse((ROOT / "lifecycle" / "__init__.py").read_text())
    [block] = [
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    ]
    imported: dict[str, str] = {}
    for statement in block.body:
        assert isinstance(statement, ast.ImportFrom), ast.dump(statement)
        for alias in statement.names:
            # ``X as X``: a re-export for strict type checkers.
            assert alias.asname == alias.name, alias.name
            assert statement.module is not None
            imported[alias.name] = statement.module
    return imported


def test_the_type_checkers_see_the_one_list_of_names() -> None:
    assert type_checking_imports() == lifecycle._PUBLIC


def test_every_public_name_is_what_its_module_defines() -> None:
    assert lifecycle.__all__ == sorted(lifecycle._PUBLIC)
    for name, home in lifecycle._PUBLIC.items():
        assert getattr(lifecycle, name) is getattr(importlib.import_module(home), name), name


def test_a_workflow_author_finds_what_they_need() -> None:
    assert set(AUTHORING) <= set(lifecycle.__all__)


def test_dir_lists_the_public_names_before_they_are_loaded() -> None:
    assert set(lifecycle.__all__) <= set(dir(lifecycle))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        _ = lifecycle.Nothing  # type: ignore[attr-defined]


def imported_by(code: str) -> set[str]:
    """The top-level packages loaded in a fresh interpreter after ``code``."""
    probe = f"{code}; import sys; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(done.stdout.split())


def test_importing_lifecycle_loads_no_aws_sdk_nor_graphviz() -> None:
    loaded = imported_by("import lifecycle; dir(lifecycle); lifecycle.__all__")
    assert "lifecycle" in loaded
    assert not loaded & set(HEAVY)


def test_the_test_kit_loads_neither_pytest_nor_the_aws_sdk_until_used() -> None:
    loaded = imported_by("import lifecycle.testing")
    assert not loaded & {*HEAVY, "pytest"}


def test_the_workflows_import_only_the_public_api() -> None:
    for path in sorted((ROOT / "workflows").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lifecycle"):
                assert node.module == "lifecycle", f"{path.name} imports {node.module}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("lifecycle."), f"{path.name}: {alias.name}"
