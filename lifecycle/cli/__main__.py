"""``python -m lifecycle.cli``: the same as ``slr``."""

import sys

from lifecycle.cli import main

sys.exit(main())
