"""Helpers for the tests of code built on slr-lifecycle, as ``structlog.testing`` and
``botocore.stub`` ship theirs:

- :func:`fast`: a workflow whose retries and deletion polls take milliseconds;
- :class:`JournalContract`: the journal's contract as tests, for a new backend to run.

Importing this package loads neither pytest nor botocore: :class:`JournalContract` (with
pytest) is loaded on first use.

May import: ``lifecycle`` but the command line, and pytest in
:mod:`lifecycle.testing.journal` and :mod:`lifecycle.testing.records` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lifecycle.testing.policies import fast

if TYPE_CHECKING:
    from lifecycle.testing.journal import JournalContract as JournalContract

__all__ = ["JournalContract", "fast"]


def __getattr__(name: str) -> Any:
    if name == "JournalContract":
        import pytest

        # Its assertions explain themselves as a test module's do.
        pytest.register_assert_rewrite("lifecycle.testing.journal", "lifecycle.testing.records")
        from lifecycle.testing.journal import JournalContract

        return JournalContract
    raise AttributeError(f"module 'lifecycle.testing' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
