"""Fleets: one command over many accounts of an AWS Organization, one ``Runner`` per
account on one bounded pool, the accounts split among the runners that share a journal.

- :mod:`~lifecycle.fleet.accounts`: ``--accounts``, the organization's listing, a session in
  each account (its credentials, and clients shared by every account);
- :mod:`~lifecycle.fleet.pool`: the one pool and the bounds on calls in flight;
- :mod:`~lifecycle.fleet.runner`: the fleet run (claims, completion records, StackSets' knobs);
- :mod:`~lifecycle.fleet.results`: outcomes, the summary, the fleet's run outcome, the text,
  progress (the command line numbers outcomes as exit codes).

May import: ``lifecycle.errors``, ``lifecycle.log``, ``lifecycle.model``, ``lifecycle.aws``,
``lifecycle.journal``, ``lifecycle.engine``, ``lifecycle.views`` and ``lifecycle.fleet``; never
the command line.
"""

from __future__ import annotations

from lifecycle.fleet.accounts import (
    DEFAULT_ROLE_NAME,
    FLEET_OPERATIONS,
    Selection,
    Sessions,
    organization_accounts,
    parse_accounts,
    role_arn_template,
)
from lifecycle.fleet.pool import FleetPool
from lifecycle.fleet.results import (
    AccountResult,
    Codes,
    FleetProgress,
    FleetResult,
    Outcome,
    fleet_text,
)
from lifecycle.fleet.runner import FleetConfig, FleetRunner, Work, fleet_run_id

__all__ = [
    "DEFAULT_ROLE_NAME",
    "FLEET_OPERATIONS",
    "AccountResult",
    "Codes",
    "FleetConfig",
    "FleetPool",
    "FleetProgress",
    "FleetResult",
    "FleetRunner",
    "Outcome",
    "Selection",
    "Sessions",
    "Work",
    "fleet_run_id",
    "fleet_text",
    "organization_accounts",
    "parse_accounts",
    "role_arn_template",
]
