"""``python -m lifecycle.cli``: the same as ``slr``."""

from lifecycle.cli import run

run()
