from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from syncer.model import Status
from syncer.register import parse
from syncer.sources.git.config import GitSourceConfig
from syncer.sources.git.source import GitSource
from syncer.sources.git.workspace import git_source
from syncer.state.store import Store
from syncer.sync.cycle import run_cycles
from syncer.sync.job import RegisterJob, TargetSpec
from syncer.sync.progress import CycleReport
from syncer.trackers.memory import KIND, MemoryProject, MemoryTracker
from tests.sources.git.repos import PATH, Remote, isolate

SYNCER = "syncer"


@dataclass
class World:
    remote: Remote
    store: Store
    project: MemoryProject
    source: GitSource

    def cycle(self) -> CycleReport:
        tracker = MemoryTracker(self.project)
        job = RegisterJob(
            "debt", Path(PATH), [TargetSpec("mem", KIND, self.project.repo, tracker)],
            source=self.source,
        )  # fmt: skip
        return run_cycles(job, self.store)

    def statuses(self) -> dict[str, Status]:
        return {item.title: item.status for item in parse(self.remote.register()).items}

    def syncer_commits(self) -> list[str]:
        return [subject for author, subject in self.remote.log() if author == SYNCER]


@pytest.fixture
def world(tmp_path: Path, remote: Remote) -> Iterator[World]:
    config = GitSourceConfig(repository=str(remote.bare), branch="main", path=PATH)
    with Store(tmp_path / "state.sqlite") as store:
        source = git_source("debt", config, tmp_path / "state.sqlite")
        yield World(remote, store, MemoryProject("team/debt"), source)


@pytest.fixture
def remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Remote:
    isolate(monkeypatch, tmp_path / "home")
    return Remote(tmp_path)
