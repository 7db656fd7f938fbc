"""The SQLite journal's schema: its tables, and the version a file is checked against when
opened."""

from __future__ import annotations

__all__ = ["SCHEMA", "SCHEMA_VERSION", "TABLES"]


SCHEMA_VERSION = 1


SCHEMA = """
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY, workflow TEXT NOT NULL, account TEXT NOT NULL, role TEXT NOT NULL,
    command TEXT NOT NULL, target TEXT, dry_run INTEGER NOT NULL, started_at REAL NOT NULL,
    finished_at REAL, outcome TEXT, final_state TEXT);
CREATE TABLE steps (
    step_id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL REFERENCES runs(run_id),
    transition TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT, status TEXT, error TEXT,
    started_at REAL NOT NULL, finished_at REAL);
CREATE TABLE calls (
    call_id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL REFERENCES runs(run_id),
    step_id INTEGER REFERENCES steps(step_id), account TEXT NOT NULL, role TEXT NOT NULL,
    service TEXT NOT NULL, operation TEXT NOT NULL, region TEXT NOT NULL, params TEXT NOT NULL,
    key TEXT NOT NULL, ok INTEGER, response TEXT, error TEXT, attempts INTEGER,
    created_at REAL NOT NULL, finished_at REAL);
CREATE INDEX calls_by_key ON calls(account, role, key);
CREATE TABLE memory (
    account TEXT NOT NULL, role TEXT NOT NULL, world TEXT NOT NULL, memory TEXT NOT NULL,
    updated_at REAL NOT NULL, PRIMARY KEY (account, role, world));
CREATE TABLE locks (
    account TEXT NOT NULL, role TEXT NOT NULL, holder TEXT NOT NULL, expires_at REAL NOT NULL,
    PRIMARY KEY (account, role));
"""


TABLES = {"runs", "steps", "calls", "memory", "locks"}
