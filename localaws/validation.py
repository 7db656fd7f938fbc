"""IAM's input validation where botocore does none: the maximum lengths and patterns of
botocore's IAM model, which botocore leaves to the service (it checks minimum lengths only).

moto alone stores any description. Here, as in IAM, ``CreateServiceLinkedRole``,
``UpdateRole`` and ``UpdateRoleDescription`` refuse a ``Description`` longer than its shape's
``max`` or with a character outside its ``pattern`` (``roleDescriptionType``: 1,000 characters
of tab, newline, carriage return, U+0020-U+007E and U+00A1-U+00FF) with ``ValidationError``
400, in AWS's words: "1 validation error detected: Value '...' at 'description' failed to
satisfy constraint: Member must satisfy regular expression pattern: ...". The constraints are
read from the model, never written here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from botocore.loaders import create_loader
from moto.iam.exceptions import IAMException

__all__ = ["CHECKED", "ValidationError", "check"]

#: The members IAM validates here, per operation.
CHECKED: dict[str, tuple[str, ...]] = {
    "CreateServiceLinkedRole": ("Description",),
    "UpdateRole": ("Description",),
    "UpdateRoleDescription": ("Description",),
}


class ValidationError(IAMException):
    code = "ValidationError"


@cache
def _constraints(operation: str, member: str) -> tuple[int | None, str | None]:
    """The member's maximum length and pattern, as botocore's IAM model declares them."""
    model = create_loader().load_service_model("iam", "service-2")
    shapes = model["shapes"]
    shape = shapes[
        shapes[model["operations"][operation]["input"]["shape"]]["members"][member]["shape"]
    ]
    return shape.get("max"), shape.get("pattern")


def check(operation: str, param: Callable[[str], Any]) -> None:
    """Refuse the request as IAM does when a checked member of ``operation`` (read with
    ``param``) breaks its constraints; one error per broken constraint, as AWS counts them."""
    errors = []
    for member in CHECKED.get(operation, ()):
        value = param(member)
        if value is None:
            continue
        most, pattern = _constraints(operation, member)
        name = member[0].lower() + member[1:]
        where = f"Value '{value}' at '{name}' failed to satisfy constraint: Member must"
        if pattern is not None and re.fullmatch(pattern, value) is None:
            errors.append(f"{where} satisfy regular expression pattern: {pattern}")
        if most is not None and len(value) > most:
            errors.append(f"{where} have length less than or equal to {most}")
    if errors:
        count = f"{len(errors)} validation error{'s' if len(errors) > 1 else ''}"
        raise ValidationError(f"{count} detected: {'; '.join(errors)}")
