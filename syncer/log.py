"""Structured logs (structlog): console for people, JSON lines for collectors; secrets masked.

One pipeline for every log line of the process. syncer's own events (`get().info(...)`) and the
standard-library loggers of the libraries underneath (PyGithub, python-gitlab, jira, urllib3,
uvicorn, APScheduler, and syncer modules using `logging.getLogger`) all end in one root handler
whose `ProcessorFormatter` adds the same fields, renders exceptions to text, masks secrets
(`syncer.redact`) and renders the line. A library that logs a URL, a header or an exception
carrying a token therefore prints `***`, like syncer does. Uncaught exceptions and Python
warnings take the same road, since their text can carry a token as well.

Tokens are registered with `secret()` when they are read.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import MutableMapping
from types import TracebackType
from typing import Any, TextIO

import structlog
from structlog.typing import FilteringBoundLogger, Processor

from syncer.redact import MASK, remember, scrub, scrub_value

__all__ = ["LEVEL_ENV", "MASK", "configure", "get", "scrub", "secret"]

LEVEL_ENV = "SYNCER_LOG_LEVEL"
"""Overrides the level a command asks for (`debug`, `info`, `warning`, `error`): the switch to
turn on when something is wrong, without editing the configuration."""
_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}

# Chatty at INFO/DEBUG (a line per request, per scheduled job): kept at WARNING unless DEBUG is
# asked for. uvicorn's startup lines ("Uvicorn running on ...") stay at the chosen level.
_NOISY_LOGGERS = (
    "github",
    "gitlab",
    "jira",
    "urllib3",
    "requests",
    "httpx",
    "httpcore",
    "uvicorn.access",
    "apscheduler",
    "asyncio",
)
_TRACING_LOGGERS = ("markdown_it",)
"""A line per parser rule at DEBUG: no use to anyone running syncer, kept at WARNING always."""


_SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
]
"""The fields every line gets, whether it comes from structlog or a standard-library logger."""


def secret(value: str) -> str:
    """Remember `value` as a secret to mask in every log line; returns it unchanged."""
    return remember(value)


def _scrub_event(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Every value masked, structure kept: `counts` stays a JSON object, not its Python text."""
    return {scrub(str(key)): scrub_value(value) for key, value in event.items()}


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to the `sys.stderr` of the moment, not the one at setup: it may be replaced
    (tests, daemons that redirect), and a stream bound earlier may be closed by then."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        """Ignored: the stream is always the current `sys.stderr`."""


def configure(log_format: str = "console", level: int = logging.INFO) -> None:
    """Send every log line of the process through one masking pipeline to stderr.

    `log_format` is `json` (one JSON object per line) or `console`; `level` is overridden by
    `$SYNCER_LOG_LEVEL`. Safe to call again: the handler installed before is replaced.
    """
    level, unknown = _level(level)
    handler = _StderrHandler()
    handler.setFormatter(_formatter(log_format))
    if "github" in sys.modules:
        adopt_library_logger("github")
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    quiet = max(level, logging.WARNING)
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if level <= logging.DEBUG else quiet)
    for name in _TRACING_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    if unknown:
        get().warning(f"{LEVEL_ENV} is not a level: use debug, info, warning or error")


def _formatter(log_format: str) -> structlog.stdlib.ProcessorFormatter:
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Tracebacks become text before masking, so none is rendered unmasked.
            structlog.processors.format_exc_info,
            _scrub_event,
            renderer,
        ],
    )


def adopt_library_logger(name: str) -> None:
    """Drop the stderr handler a library gave its own logger (PyGithub does, on import), so
    its lines reach the root handler like everyone's: masked, formatted, once. Called by
    `configure` for libraries already imported, and by the adapter that imports one later, so
    a command that never talks to GitHub never pays for importing PyGithub."""
    library = logging.getLogger(name)
    for handler in [h for h in library.handlers if type(h) is logging.StreamHandler]:
        library.removeHandler(handler)


def _level(asked: int) -> tuple[int, bool]:
    """The level to use, and whether `$SYNCER_LOG_LEVEL` was set to something unknown."""
    text = os.environ.get(LEVEL_ENV, "").strip().lower()
    if not text:
        return asked, False
    return _LEVELS.get(text, asked), text not in _LEVELS


def _log_uncaught(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    """A crash's traceback can quote a token (a library error carrying request headers):
    it is logged, masked, instead of printed by Python."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    logging.getLogger("syncer").critical("uncaught exception", exc_info=(kind, error, trace))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)


def get(name: str = "syncer") -> FilteringBoundLogger:
    """A logger for syncer's events; configures the default pipeline if nothing did yet, so
    no event is ever rendered by structlog's unmasked defaults."""
    if not structlog.is_configured():
        configure()
    logger: FilteringBoundLogger = structlog.get_logger(name)
    return logger
