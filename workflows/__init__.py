"""The built-in workflows, one module per service-linked role, each registered under the
``slr_lifecycle.workflows`` entry points in ``pyproject.toml`` (:mod:`lifecycle.registry`
finds them, and any other package's, there).

May import: ``lifecycle`` (its public API), ``localaws`` (each workflow's demo account) and
the service's own knowledge; nothing else of the engine.
"""

from __future__ import annotations

__all__ = ["DEFAULT"]

#: The workflow ``slr`` works on when none is named (``--workflow``, ``SLR_WORKFLOW``).
DEFAULT = "mediatailor"
