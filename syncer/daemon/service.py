"""`syncer daemon`: each register synced on its schedule, woken early by webhooks, observable.

One process, one `App` (so trackers and their write pacing live as long as the daemon), an
APScheduler scheduler running each register's cycles (missed runs coalesced, a little jitter so
many daemons or registers do not all fire on the same second), and one HTTP server for the
webhook endpoints, health checks, metrics and the status page. SIGTERM or SIGINT: webhooks are
answered 503, the running cycles stop at their next tracker write and record what they did
(links made are written into the register), then the process exits 0. A second signal exits at
once.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Mapping
from contextlib import suppress
from datetime import datetime, timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import ConflictingIdError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from syncer import log
from syncer.app import App
from syncer.config import Settings, parse_schedule
from syncer.daemon.http import build_app
from syncer.daemon.metrics import Metrics
from syncer.daemon.routing import Router
from syncer.daemon.runner import CycleRunner
from syncer.daemon.status_access import StatusAccess, is_loopback
from syncer.daemon.status_page import StatusSource
from syncer.daemon.status_routes import StatusPage
from syncer.serve import ServedApp
from syncer.sync.progress import StopFlag

CRON_JITTER_SECONDS = 10
MAX_INTERVAL_JITTER_SECONDS = 30.0
SIGNAL_EXIT_BASE = 128

_log = log.get("syncer.daemon")


def trigger_for(schedule: str) -> BaseTrigger:
    """The APScheduler trigger of a configured schedule (`every 15m` or 5-field cron, local
    time), with jitter: 5% of an interval (at most 30 s), 10 s for cron. Also under a second:
    daemons started together would otherwise fire at the same instant every time, and the one
    that always gets there first would take every register while the others only skip."""
    parsed = parse_schedule(schedule)
    if isinstance(parsed, timedelta):
        seconds = parsed.total_seconds()
        jitter = min(seconds * 0.05, MAX_INTERVAL_JITTER_SECONDS)
        return IntervalTrigger(seconds=seconds, jitter=jitter)
    return CronTrigger(**parsed.trigger_fields(), jitter=CRON_JITTER_SECONDS)


class Daemon:
    """Build with settings; `start()` then `shutdown()`, or `serve_until_signalled()`."""

    def __init__(self, settings: Settings, env: Mapping[str, str] | None = None) -> None:
        """Bind the HTTP port first (a port already taken is the first thing to say), read the
        webhook secrets, open the store and connect the trackers."""
        self.settings = settings
        kinds = {target.kind for register in settings.registers for target in register.targets}
        forges = (r.git.forge_kind() for r in settings.registers if r.git is not None)
        kinds |= {forge for forge in forges if forge is not None}  # their push webhooks
        secrets = {kind: settings.webhook_secret(kind, env) for kind in sorted(kinds)}
        status_token = settings.status_token(env)
        self.server = ServedApp(settings.http_host, settings.http_port)
        self.stop = StopFlag()
        self.metrics = Metrics(register.name for register in settings.registers)
        self.app = App.build(settings, env, on_request=self.metrics.tracker_request)
        self.runner = CycleRunner(self.app, self.metrics, self.stop)
        self.listener = None
        try:
            self.listener = self.app.store.listen(self.runner.again_if_running)
            self.scheduler = BackgroundScheduler(
                executors={"default": ThreadPoolExecutor(min(8, len(self.app.jobs) + 1))},
                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            )
            router = Router(settings.registers, self.app.store.link_for_ref)
            status = StatusPage(
                StatusSource(self.app.store, settings.registers, self.next_run),
                self.app.store,
                StatusAccess(status_token, loopback=is_loopback(self.server.host)),
                self.wake,
            )
            self.http = build_app(
                secrets=secrets,
                allow_unsigned=settings.allow_unsigned_webhooks,
                remember_delivery=self.app.store.remember_delivery,
                route=router.registers_for,
                wake=self.wake,
                alive=self.alive,
                ready=self.runner.ready,
                metrics=self.metrics,
                stopping=lambda: bool(self.stop),
                status_page=status.handle,
            )
        except BaseException:
            if self.listener is not None:
                self.listener.close()
            self.app.close()
            self.server.stop()
            raise

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def start(self) -> None:
        """Serve HTTP, schedule every register, and run each one's first cycle right away."""
        self.server.start(self.http)
        self.scheduler.start()
        for register in self.settings.registers:
            schedule = register.schedule or self.settings.schedule
            self.scheduler.add_job(
                self.runner.run,
                trigger_for(schedule),
                args=[register.name],
                id=f"schedule:{register.name}",
                name=f"sync {register.name} ({schedule})",
                next_run_time=datetime.now().astimezone(),
            )
        _log.info(
            "daemon started",
            url=self.base_url,
            registers=[r.name for r in self.settings.registers],
            pid=os.getpid(),
        )

    def wake(self, register: str) -> None:
        """A webhook says `register` changed: one cycle after the debounce, however many
        deliveries arrive meanwhile. Never blocks (it is called from the HTTP event loop)."""
        if self.stop:
            return
        when = datetime.now().astimezone() + timedelta(
            seconds=self.settings.webhook_debounce_seconds
        )
        with suppress(ConflictingIdError):  # a cycle is already due: this delivery rides along
            self.scheduler.add_job(
                self.runner.run,
                "date",
                run_date=when,
                args=[register],
                kwargs={"woken": True},
                id=f"wake:{register}",
            )

    def next_run(self, register: str) -> datetime | None:
        """When `register`'s next cycle is due: its schedule's, or sooner if a webhook woke it."""
        due = [
            getattr(self.scheduler.get_job(f"{kind}:{register}"), "next_run_time", None)
            for kind in ("schedule", "wake")
        ]
        return min((when for when in due if when is not None), default=None)

    def alive(self) -> bool:
        return bool(self.scheduler.running) and not self.stop

    def shutdown(self, reason: str = "shutdown") -> None:
        """Stop taking webhooks, let the running cycles stop cleanly, close everything."""
        self.stop.set(reason)
        _log.info("daemon stopping", reason=reason)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.listener is not None:
            self.listener.close()
        self.server.stop()
        self.app.close()
        _log.info("daemon stopped")

    def serve_until_signalled(self) -> None:
        """Run until SIGTERM or SIGINT, then shut down cleanly; a second signal exits at once."""
        signalled = threading.Event()
        reason: list[str] = []

        def handle(signum: int, frame: FrameType | None) -> None:
            if signalled.is_set():
                os._exit(SIGNAL_EXIT_BASE + signum)
            reason.append(signal.Signals(signum).name)
            signalled.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, handle)
        self.start()
        while not signalled.wait(1.0):
            pass
        self.shutdown(reason[0])
