"""A cycle reads the register's links from the store once, however many targets and steps
need them (issue 13: they were read per target, then all again to advance the bases)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.state.records import LinkRecord
from syncer.state.store import Store

from .conftest import World


class CountingStore(Store):
    """The real store, counting how often all of a register's links are read."""

    link_reads = 0

    def links(self, register: str, target: str | None = None) -> list[LinkRecord]:
        self.link_reads += 1
        return super().links(register, target)


def test_a_cycle_reads_the_links_once(
    world_factory: Callable[..., World],
    fake_github: FakeGitHub,
    fake_gitlab: FakeGitLab,
    tmp_path: Path,
) -> None:
    world = world_factory(
        "todo-checklists.md", gh=("github", fake_github), gl=("gitlab", fake_gitlab)
    )
    world.store.close()
    world.store = CountingStore(tmp_path / "counted.sqlite")
    world.reconcile()  # creates and links on both targets
    world.store.link_reads = 0
    fake_github.human_edit("1", title="Edited on GitHub")
    report = world.reconcile()
    assert report.counts.get("register_edits")
    assert world.store.link_reads == 1
