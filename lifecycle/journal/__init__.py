"""The journal of runs, steps and AWS write calls, per-role memory, and the lease lock per role.

One contract (:class:`Journal`), two backends: ``sqlite`` (a file on this machine, the
default) and ``dynamodb`` (one table shared by runners on many machines). ``open_journal``
opens either from a state URL.

May import: ``lifecycle.errors``, ``lifecycle.log``, ``lifecycle.model``, ``lifecycle.aws`` (the
shared table is reached through it) and ``lifecycle.journal``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lifecycle.errors import StateUrlError
from lifecycle.journal.contract import Journal, Lease, default_state_dir, holder_id

__all__ = ["Journal", "Lease", "default_state_dir", "holder_id", "open_journal", "table_of"]


def table_of(url: str | None) -> tuple[str, str | None] | None:
    """``(table, region or None)`` of a ``dynamodb://TABLE?region=R`` URL; ``None`` for a
    local journal (a directory or ``sqlite:///PATH``)."""
    if not url or "://" not in url:
        return None
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return None
    if parts.scheme != "dynamodb":
        raise StateUrlError(f"state {url!r}: use a directory, sqlite:///PATH or dynamodb://TABLE")
    table = parts.netloc or parts.path.strip("/")
    query = parse_qs(parts.query)
    unknown = set(query) - {"region"}
    if not table or "/" in table or unknown:
        raise StateUrlError(f"state {url!r}: use dynamodb://TABLE or dynamodb://TABLE?region=R")
    return table, query.get("region", [None])[0]


def open_journal(
    url: str | Path | None,
    *,
    profile: str | None = None,
    endpoint_url: str | None = None,
) -> Journal:
    """The journal a state URL names: a directory (its ``journal.sqlite3``), ``sqlite:///PATH``
    (that file), or ``dynamodb://TABLE[?region=R]``; ``None``: the default state dir.

    A DynamoDB table is reached with the runner's own credentials (``profile`` or the standard
    chain), never with a role the runner assumes in a target account: the state belongs to the
    runner's account. Its endpoint is ``endpoint_url``, its region ``?region=`` else the
    session's.
    """
    text = None if url is None else str(url)
    shared = table_of(text)
    if shared is not None:
        from lifecycle.journal.dynamodb.journal import DynamoJournal

        table, region = shared
        return DynamoJournal.connect(
            table, region=region, profile=profile, endpoint_url=endpoint_url
        )
    from lifecycle.journal.sqlite import SqliteJournal

    if text and text.startswith("sqlite://"):
        path = Path(urlsplit(text).path)
        if not path.name or path.is_dir():
            return SqliteJournal.in_dir(path)
        return SqliteJournal(path)
    return SqliteJournal.in_dir(Path(text) if text else None)
