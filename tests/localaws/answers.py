"""What the local AWS answers, as a test reads it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

__all__ = ["error_of"]


def error_of(call: Callable[[], object]) -> tuple[str, int, str]:
    """The error code, HTTP status and message ``call`` is refused with."""
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )
