"""Structured logs (structlog): console for people, JSON for collectors; secrets scrubbed.

Tokens are registered with `secret()` when read; any log value containing one is masked, so a
URL or an error text that happens to carry a token never reaches a log line.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

_SECRETS: set[str] = set()
MASK = "***"


def secret(value: str) -> str:
    """Remember `value` as a secret to mask in logs; returns it unchanged."""
    if len(value) >= 4:
        _SECRETS.add(value)
    return value


def scrub(text: str) -> str:
    for value in _SECRETS:
        text = text.replace(value, MASK)
    return text


def _scrub_event(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = scrub(value)
        elif value is not None and not isinstance(value, int | float | bool):
            event[key] = scrub(str(value))
    return event


def configure(log_format: str = "console", level: int = logging.INFO) -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _scrub_event,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # sys.stderr looked up at each log call, not bound once: it may be replaced (tests,
        # daemons that redirect), and a bound stream may be closed by then.
        logger_factory=lambda *_: structlog.PrintLogger(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get(name: str = "syncer") -> Any:
    return structlog.get_logger(name)
