"""The ``slr`` command: a thin layer over the runner, the renderers and the local AWS.

Heavy modules (boto3, graphviz, moto) are imported inside the commands that need them, so
``slr --help`` and ``slr diagram --format dot`` start quickly.

May import: anything. Nothing imports it: it alone maps outcomes and exceptions to exit codes,
reads plan files and arms crash points.
"""

from __future__ import annotations

from lifecycle.cli import describe, inventory, local, runs, state
from lifecycle.cli.base import cli
from lifecycle.cli.entry import main, run

__all__ = ["cli", "main", "run"]

#: The modules whose commands join the group when imported.
COMMANDS = (describe, inventory, local, runs, state)
