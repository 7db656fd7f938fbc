"""The engine: reading the world, acting on it, the real and the simulated executors, the
intents stored ahead of writes, and the runner that walks the machine to a target.

May import: ``lifecycle.errors``, ``lifecycle.log``, ``lifecycle.model``, ``lifecycle.aws``,
``lifecycle.journal`` and ``lifecycle.engine``. Never the views, fleets or the command line.
"""
