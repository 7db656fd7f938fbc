"""The control interface shared by the server and :class:`~lifecycle.localaws.LocalAWS`.

Kept free of moto imports so that driving a server does not load moto.
"""

from __future__ import annotations

__all__ = ["CONTROL_PREFIX", "ENDPOINT_LINE_PREFIX"]

#: Path prefix of the JSON control endpoints (see :mod:`lifecycle.localaws.app`).
CONTROL_PREFIX = "/_localaws/"
#: The line the server prints once it listens; :class:`LocalAWS` waits for it.
ENDPOINT_LINE_PREFIX = "export AWS_ENDPOINT_URL="
