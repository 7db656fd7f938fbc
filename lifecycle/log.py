"""structlog, configured once: console on a terminal, JSON lines otherwise.

Context is bound per run (``run_id``, ``workflow``, ``account``, ``role``) and per call
(``service``, ``operation``, ``region``, ``attempt``...) through contextvars, so every event
of a run carries it. Secrets never reach a renderer: :func:`redact` runs last but one.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, Literal, TextIO

import structlog
from structlog.typing import FilteringBoundLogger

__all__ = ["Format", "configure", "get_logger", "redact"]

Format = Literal["auto", "console", "json"]

#: Key fragments whose values are secrets (credentials, session tokens, passwords).
_SECRET_FRAGMENTS = ("secret", "session_token", "sessiontoken", "password", "credential")
_SECRET_KEYS = {"aws_access_key_id", "accesskeyid", "access_key", "token", "x-amz-security-token"}
REDACTED = "[redacted]"


@functools.lru_cache(maxsize=4096)  # a run logs the same few dozen keys in every event
def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return lowered in _SECRET_KEYS or any(part in lowered for part in _SECRET_FRAGMENTS)


def _scrub(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: REDACTED if _is_secret(str(k)) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def redact(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Processor: replace every secret-looking value, at any depth, by ``[redacted]``."""
    for key in list(event_dict):
        event_dict[key] = REDACTED if _is_secret(key) else _scrub(event_dict[key])
    return event_dict


def configure(
    fmt: Format = "auto", *, stream: TextIO | None = None, level: int = logging.INFO
) -> None:
    """Configure structlog for the process; ``auto`` picks console when ``stream`` is a tty."""
    out = stream if stream is not None else sys.stderr
    console = fmt == "console" or (fmt == "auto" and out.isatty())
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer(colors=out.isatty())
        if console
        else structlog.processors.JSONRenderer(sort_keys=False, default=str)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )


def get_logger(**initial: Any) -> FilteringBoundLogger:
    """A bound logger; events carry the contextvars of the run and call in progress."""
    logger: FilteringBoundLogger = structlog.get_logger("slr")
    return logger.bind(**initial)
