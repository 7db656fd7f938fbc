"""Paginated lists as AWS answers them: in name order, with opaque tokens, and (``short``) in
short and empty pages while more remain, as DynamoDB-style pagination allows.

moto alone fills every page up to ``MaxResults``. Here, with ``short``, a page holds anywhere
from none to ``MaxResults`` items, its size drawn from a hash of the request (list, token,
limit), so a test that pages the same list twice sees the same pages. Never two empty pages in
a row, so every walk ends; following ``NextToken`` to the end yields each item once. A list
with nothing left answers one page without a token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import TypeVar

__all__ = ["InvalidPageRequest", "page", "short_size"]

T = TypeVar("T")

_TOKEN_PREFIX = "localaws-v2:"


class InvalidPageRequest(ValueError):
    """A MaxResults out of range or a NextToken this server never issued."""


def _encode(sequence: int, after_empty: bool, start: str) -> str:
    text = f"{_TOKEN_PREFIX}{sequence}:{int(after_empty)}:{start}"
    return base64.urlsafe_b64encode(text.encode()).decode()


def _decode(token: str) -> tuple[int, bool, str]:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        sequence, after_empty, start = text.removeprefix(_TOKEN_PREFIX).split(":", 2)
        if not text.startswith(_TOKEN_PREFIX):
            raise ValueError(token)
        return int(sequence), after_empty == "1", start
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidPageRequest("Invalid NextToken.") from None


def short_size(key: str, limit: int, after_empty: bool) -> int:
    """A page size in 0..limit from a hash of ``key``; one in four pages empty, never two in a
    row."""
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    if not after_empty and digest % 4 == 0:
        return 0
    return 1 + (digest >> 2) % limit


def page(
    items: Mapping[str, T],
    max_results: int | None,
    next_token: str | None,
    *,
    most: int,
    short: bool = False,
    listing: str = "",
) -> tuple[list[T], str | None]:
    """One page of ``items`` (by name) and the token of the next, None at the end.

    ``most`` is the operation's MaxResults limit and default; ``listing`` names the list
    (operation, account, region) so that different lists get different page sizes.
    """
    limit = most if max_results is None else int(max_results)
    if not 1 <= limit <= most:
        raise InvalidPageRequest(f"MaxResults must be between 1 and {most}.")
    names = sorted(items)
    sequence, after_empty, start_name = _decode(next_token) if next_token else (0, False, "")
    # The token names the first item of its page, so deletions between pages skip nothing.
    start = next((i for i, name in enumerate(names) if name >= start_name), len(names))
    size = limit
    if short:
        size = short_size(f"{listing}/{sequence}/{start_name}/{limit}", limit, after_empty)
    end = start + size
    chosen = [items[name] for name in names[start:end]]
    if end >= len(names):
        return chosen, None
    return chosen, _encode(sequence + 1, size == 0, names[end])
