"""Helpers for the tests of code built on slr-lifecycle, as ``structlog.testing`` and
``botocore.stub`` ship theirs:

- :func:`fast`: a workflow whose retries and deletion polls take milliseconds;
- :func:`crash_at`: a context manager that kills the process (SIGKILL) at the n-th request of
  an operation, before it is sent or after its answer, to test resuming;
- :class:`JournalContract`: the journal's contract as tests, for a new backend to run.

Importing this package loads neither pytest nor botocore: :class:`JournalContract` (with
pytest) is loaded on first use, botocore when a crash is armed.

May import: ``lifecycle`` but the command line, and pytest in
:mod:`lifecycle.testing.journal` and :mod:`lifecycle.testing.records` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lifecycle.testing.crash import CrashPoint, crash_at
from lifecycle.testing.policies import fast

if TYPE_CHECKING:
    from lifecycle.testing.journal import JournalContract as JournalContract

__all__ = ["CrashPoint", "JournalContract", "crash_at", "fast"]


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
