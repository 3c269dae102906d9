"""`syncer daemon`: the long-running service (syncer/daemon/service.py says what it does)."""

from __future__ import annotations

import logging

from syncer.cli.common import (
    EXIT_ERROR,
    EXIT_USAGE,
    ConfigOption,
    fail,
    settings_from,
    state_errors,
)


def daemon(config: ConfigOption = None) -> None:
    """Sync every register on its schedule, woken early by tracker webhooks; serve /healthz,
    /readyz and /metrics. SIGTERM finishes cleanly."""
    from syncer import log
    from syncer.config import ConfigError
    from syncer.daemon.service import Daemon  # the scheduler and web stack: daemon only

    settings = settings_from(config)
    log.configure(settings.log_format, logging.INFO)
    with state_errors(settings):
        try:
            service = Daemon(settings)
        except ConfigError as exc:
            fail(str(exc), EXIT_USAGE)
        except OSError as exc:
            where = f"{settings.http_host}:{settings.http_port}"
            fail(f"cannot listen on {where}: {exc.strerror or exc}", EXIT_ERROR)
        service.serve_until_signalled()
