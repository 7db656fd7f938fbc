"""What AWS accepts in a request parameter, from botocore's service model: the constraints
botocore leaves to the service (it checks types and minimum lengths only, not maximum lengths
or patterns), so that a value AWS would refuse is refused before anything is sent. Pure: the
model is data, read from botocore's files.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

__all__ = ["refusal"]


@cache
def _model(service: str) -> dict[str, Any]:
    from botocore.loaders import create_loader

    model: dict[str, Any] = create_loader().load_service_model(service, "service-2")
    return model


def _constraints(service: str, operation: str, member: str) -> tuple[int | None, str | None]:
    """The member's maximum length and pattern, as the model declares them."""
    shapes = _model(service)["shapes"]
    request = shapes[_model(service)["operations"][operation]["input"]["shape"]]
    shape = shapes[request["members"][member]["shape"]]
    return shape.get("max"), shape.get("pattern")


def refusal(service: str, operation: str, member: str, value: str) -> str | None:
    """Why AWS would refuse ``value`` as ``operation``'s ``member``, in one line that names
    the culprit (the first character outside the pattern, with its code point, or the
    length); ``None`` when AWS takes it."""
    most, pattern = _constraints(service, operation, member)
    name = _model(service)["metadata"]["serviceId"]
    if pattern is not None and re.fullmatch(pattern, value) is None:
        # A pattern of allowed characters fails on the first character it does not take.
        position, bad = next(
            ((i, c) for i, c in enumerate(value, 1) if re.fullmatch(pattern, c) is None),
            (0, ""),
        )
        if bad:
            what = unicodedata.name(bad, "a control character")
            return (
                f"character U+{ord(bad):04X} ({what}) at position {position} is not one "
                f"{name} accepts (pattern {pattern})"
            )
        return f"{name} accepts only values matching {pattern}"
    if most is not None and len(value) > most:
        return f"{len(value)} characters; {name} accepts at most {most}"
    return None
