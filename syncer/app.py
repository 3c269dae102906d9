"""The composition root: configuration in; wired registers, trackers, store and lock out.

The CLI, the daemon and the demo all start here, so there is one place that knows how a config
key becomes an adapter argument, and one way a register is run: under its lock, with the
cycles `reconcile` uses. Trackers are built once and live as long as the `App`, so their write
pacing holds across cycles; their write counts live in the store, so it also holds across
processes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from syncer import __version__, log
from syncer.config import RegisterConfig, Settings, TargetConfig
from syncer.config.targets import Connection
from syncer.log import secret
from syncer.sources.git.config import repositories_folder
from syncer.sources.source import RegisterSource
from syncer.state.glance import Glance, SqliteStatements
from syncer.state.location import MEMORY, parse_location
from syncer.state.lock import RegisterBusy, locks_beside
from syncer.state.records import Pruned
from syncer.sync.idle import Idle, check_idle
from syncer.sync.job import RegisterJob, TargetSpec
from syncer.sync.merge import Policy
from syncer.sync.options import PlanOptions
from syncer.sync.progress import CycleReport, StopFlag
from syncer.trackers.base import Tracker

if TYPE_CHECKING:
    from syncer.state.store import Store
    from syncer.trackers.http import RequestHook as TrackerRequestHook

RequestHook = Callable[[str, str], None]
"""(target name, HTTP method): called for every request a tracker adapter sends."""


def _reporting(hook: RequestHook | None, target: str) -> TrackerRequestHook | None:
    """An adapter's request hook that reports to `hook` under its target's name."""
    if hook is None:
        return None
    return lambda method, _path: hook(target, method)


def pacing_key(target: TargetConfig, token: str) -> str:
    """Whose write limit a target spends: one per token and server, never the token itself."""
    digest = hashlib.sha256(f"{target.kind}\0{target.base_url}\0{token}".encode()).hexdigest()
    return f"{target.kind}:{digest[:16]}"


@dataclass(frozen=True)
class StoredLedger:
    """One pacing key's writes in the store (a `syncer.trackers.pacing.WriteLedger`): shared
    by every process on this database, so a restarted daemon or back-to-back runs pace
    together. The key is derived from a token, never the token itself. The store is reached
    through `store()` at the first write, so a run that writes nothing need not open it."""

    store: Callable[[], Store]
    key: str

    def recent(self, since: float) -> list[float]:
        return self.store().recent_writes(self.key, since)

    def record(self, at: float) -> None:
        self.store().record_write(self.key, at)


def write_ledger(store: Store | Callable[[], Store], key: str, kind: str) -> StoredLedger:
    """The store's ledger of one kind of write (`writes`, `creates`) of pacing key `key`; the
    store may be given as the function that opens it."""
    return StoredLedger(store if callable(store) else lambda: store, f"{key}:{kind}")


def build_tracker(
    target: TargetConfig,
    env: Mapping[str, str] | None = None,
    *,
    store: Store | Callable[[], Store] | None = None,
    on_request: TrackerRequestHook | None = None,
) -> Tracker:
    """The adapter a configured target names (its kind's model builds it); its token is read
    here, at connect time.

    With a `store`, writes that a tracker paces (GitHub's writes and creates) are counted there
    per token (`pacing_key`), so every process sharing the database paces against the same
    limits. `on_request(method, path)` hears of every HTTP request the adapter sends
    (`syncer.trackers.http`).
    """
    token = secret(target.token(env))
    ledgers = partial(write_ledger, store, pacing_key(target, token)) if store else None
    return target.tracker(Connection(token, ledgers, on_request))


def register_job(
    settings: Settings,
    register: RegisterConfig,
    trackers: Mapping[str, Tracker],
    source: RegisterSource | None = None,
) -> RegisterJob:
    """One register's job: its targets with their connected trackers, its rules and options,
    and where it is read and written (`source`; none: the file at its path)."""
    targets = [
        TargetSpec(
            t.name,
            t.kind,
            t.repo,
            trackers[t.name],
            field_labels=dict(t.field_labels),
            due_date_field=t.synced_due_date_field(),
            user_map=dict(t.user_map),
            sync_label=t.sync_label,
        )
        for t in register.targets
    ]
    options = PlanOptions(
        policy=Policy(register.conflict_policy or settings.conflict_policy),
        new_items_section=register.new_items_section,
        register_url=str(register.register_url or ""),
    )
    style = register.link_style or settings.link_style
    return RegisterJob(
        register.name,
        register.path or Path(register.git.path if register.git else ""),
        targets,
        rules=register.rules,
        options=options,
        hidden_links=style == "hidden",
        source=source,
        config_fingerprint=config_fingerprint(settings, register),
    )


def config_fingerprint(settings: Settings, register: RegisterConfig) -> str:
    """What a register's cycles depend on in the configuration, hashed: its own settings,
    the defaults it takes from the top level, and syncer's version (a new syncer may read the
    same file differently). The idle check runs a full cycle when it differs."""
    data = {
        "register": register.model_dump(mode="json"),
        "conflict_policy": settings.conflict_policy,
        "link_style": settings.link_style,
        "syncer": __version__,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def register_source(
    settings: Settings, register: RegisterConfig, env: Mapping[str, str] | None
) -> RegisterSource | None:
    """A git register's source (its token read now); None for a file."""
    if register.git is None:
        return None
    from syncer.sources.git.workspace import git_source  # git registers only

    return git_source(register.name, register.git, settings.state_files, env)


@dataclass
class App:
    """Everything one process needs to sync the configured registers.

    The store is opened on first use: an idle cycle on a SQLite state file reads and writes
    the little it needs through `syncer.state.glance`, and never loads the ORM
    (docs/sync.md, "Idle cycles")."""

    settings: Settings
    jobs: dict[str, RegisterJob] = field(default_factory=dict)
    _store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from syncer.state.store import Store

            self._store = Store(self.settings.state)
        return self._store

    @classmethod
    def build(
        cls,
        settings: Settings,
        env: Mapping[str, str] | None = None,
        *,
        only: str | None = None,
        on_request: RequestHook | None = None,
        open_store: bool = True,
    ) -> App:
        """Connect every target (of register `only`, if given); every request a tracker sends
        is reported to `on_request` (the daemon's metrics). The store is opened now, unless
        `open_store` is false (a one-shot run that may find nothing to do).

        Raises `ConfigError` (a token missing, a register unknown) and `StoreError`.
        """
        chosen = [settings.register(only)] if only else list(settings.registers)
        app = cls(settings)
        try:
            if open_store or _sqlite_file(settings) is None:
                app.store  # noqa: B018 (opened now: a broken state fails here, not mid-run)
            for register in chosen:
                trackers = {
                    t.name: build_tracker(
                        t, env, store=lambda: app.store, on_request=_reporting(on_request, t.name)
                    )
                    for t in register.targets
                }
                source = register_source(settings, register, env)
                app.jobs[register.name] = register_job(settings, register, trackers, source)
            if repositories_folder(settings.state_files).is_dir():  # made by git registers only
                from syncer.sources.git.workspace import prune_repositories

                kept = (r.name for r in settings.registers if r.git)
                prune_repositories(settings.state_files, kept)
        except BaseException:
            app.close()
            raise
        return app

    def run(
        self,
        register: str,
        *,
        dry_run: bool = False,
        force: bool = False,
        stop: StopFlag | None = None,
        wait_seconds: float | None = None,
    ) -> CycleReport:
        """One register's cycles under its lock; a busy register gives a `busy` report.

        The idle check comes first (`syncer.sync.idle`); only when it cannot tell that nothing
        changed does the full cycle run (and load the parser, the planner and the store)."""
        wait = self.settings.lock_wait_seconds if wait_seconds is None else wait_seconds
        job = self.jobs[register]
        try:
            with self._lock(register, wait):
                idle = None if force else self._check_idle(job, dry_run)
                if idle is not None and idle.report is not None:
                    return idle.report
                from syncer.sync.cycle import run_cycles

                return run_cycles(
                    job, self.store, dry_run=dry_run, force=force, stop=stop, checked=idle
                )
        except RegisterBusy as exc:
            return CycleReport(register, errors=(str(exc),), busy=True)

    def _lock(self, register: str, wait: float) -> AbstractContextManager[None]:
        path = _sqlite_file(self.settings)
        if self._store is None and path is not None:
            return locks_beside(path).hold(register, wait)
        return self.store.lock(register, wait)

    def _check_idle(self, job: RegisterJob, dry_run: bool) -> Idle | None:
        """The idle check on the state: straight on a SQLite file while the store is not open,
        else through the store. A file the plain SQL cannot use (missing, not migrated yet,
        locked too long) leaves it to the full cycle, which opens the store and says why."""
        path = _sqlite_file(self.settings)
        if self._store is not None or path is None:
            return check_idle(job, self.store.glance, dry_run=dry_run)
        try:
            return check_idle(job, Glance(SqliteStatements(path)), dry_run=dry_run)
        except sqlite3.Error:
            return None

    def prune(self) -> Pruned:
        """Drop the history older than the configuration keeps (after the cycles recorded
        theirs). The deployment chooses how long history is kept, so it is not the engine's.
        A SQLite state not opened yet is first asked whether anything is old enough, so an
        idle run does not load the ORM to delete nothing."""
        now = datetime.now(UTC)
        keep_for = timedelta(days=self.settings.state_keep_days)
        keep_runs = self.settings.state_keep_runs
        path = _sqlite_file(self.settings)
        if self._store is None and path is not None:
            try:
                if not Glance(SqliteStatements(path)).prune_due(now, keep_for, keep_runs):
                    return Pruned()
            except sqlite3.Error:
                pass  # the store says why, if it cannot prune either
        pruned = self.store.prune(now=now, keep_for=keep_for, keep_runs=keep_runs)
        deleted = asdict(pruned)
        if any(deleted.values()):
            log.get().info("pruned", **deleted)
        return pruned

    def close(self) -> None:
        for job in self.jobs.values():
            for spec in job.targets:
                closing = getattr(spec.tracker, "close", None)
                if callable(closing):
                    closing()
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _sqlite_file(settings: Settings) -> Path | None:
    """The state's SQLite file when it exists and can be written, with its folder (where the
    locks are); None for a file still to be made or one that cannot be used (the store makes
    it, or says why not), a server database or an in-memory one."""
    where = parse_location(settings.state)
    if not isinstance(where, Path) or str(where) == MEMORY or not where.is_file():
        return None
    usable = os.access(where, os.R_OK | os.W_OK) and os.access(where.parent, os.W_OK | os.X_OK)
    return where if usable else None
