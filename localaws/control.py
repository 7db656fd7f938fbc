"""The control interface shared by the server and :class:`~localaws.LocalAWS`.

Kept free of moto imports so that driving a server does not load moto.
"""

from __future__ import annotations

import os

__all__ = ["CONTROL_PREFIX", "ENDPOINT_LINE_PREFIX", "use_fake_credentials"]

#: Path prefix of the JSON control endpoints (see :mod:`localaws.app`).
CONTROL_PREFIX = "/_localaws/"
#: The line the server prints once it listens; :class:`LocalAWS` waits for it.
ENDPOINT_LINE_PREFIX = "export AWS_ENDPOINT_URL="


def use_fake_credentials(key: str = "testing") -> None:
    """Fake credentials and no AWS configuration for this process and its children, so that
    nothing talking to a local AWS can reach real AWS or read the user's profiles."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ENDPOINT_URL",
    ):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
