"""A state URL names one journal: a directory, ``sqlite:///PATH`` or ``dynamodb://TABLE``
(``?region=R``); anything else is refused in one line that says what to write instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecycle.errors import StateUrlError
from lifecycle.journal import open_journal, table_of
from lifecycle.journal.sqlite import SqliteJournal


@pytest.mark.parametrize(
    ("url", "table"),
    [
        (None, None),
        ("", None),
        ("state/dir", None),
        ("sqlite:///tmp/journal.sqlite3", None),
        ("dynamodb://slr-state", ("slr-state", None)),
        ("dynamodb://slr-state?region=eu-west-1", ("slr-state", "eu-west-1")),
        ("dynamodb:///slr-state", ("slr-state", None)),
    ],
)
def test_a_state_url_names_a_table_or_a_local_journal(
    url: str | None, table: tuple[str, str | None] | None
) -> None:
    assert table_of(url) == table


@pytest.mark.parametrize(
    ("url", "use"),
    [
        ("s3://bucket/state", "use a directory, sqlite:///PATH or dynamodb://TABLE"),
        ("dynamodb://", "use dynamodb://TABLE or dynamodb://TABLE?region=R"),
        ("dynamodb:///a/b", "use dynamodb://TABLE or dynamodb://TABLE?region=R"),
        ("dynamodb://t?profile=p", "use dynamodb://TABLE or dynamodb://TABLE?region=R"),
    ],
)
def test_a_malformed_state_url_is_refused_saying_what_to_use(url: str, use: str) -> None:
    with pytest.raises(StateUrlError) as refused:
        table_of(url)
    assert str(refused.value) == f"state {url!r}: {use}"


def test_a_sqlite_url_opens_that_file_or_the_journal_in_that_directory(tmp_path: Path) -> None:
    file = open_journal(f"sqlite://{tmp_path}/mine.sqlite3")
    directory = open_journal(f"sqlite://{tmp_path}")
    try:
        assert isinstance(file, SqliteJournal)
        assert file.path == tmp_path / "mine.sqlite3"
        assert file.path.is_file()
        assert isinstance(directory, SqliteJournal)
        assert directory.path == tmp_path / "journal.sqlite3"
    finally:
        file.close()
        directory.close()
