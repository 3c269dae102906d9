"""A GitHub repository renamed or transferred under a configured target (issue 9)."""

from __future__ import annotations

from collections.abc import Callable

from syncer.fakes.github import FakeGitHub
from syncer.sync.cycle import run_cycle

from .conftest import World


def test_a_renamed_repository_stops_its_target_with_one_line_and_keeps_every_link(
    world_factory: Callable[..., World], fake_github: FakeGitHub
) -> None:
    world = world_factory("active-work.md", github=("github", fake_github))
    world.reconcile()
    synced, links = world.text(), len(world.store.links("debt"))
    configured = world.job()  # on the name the configuration still holds
    fake_github.rename("octo-org/debt-register")
    report = run_cycle(configured, world.store)
    [error] = report.errors
    assert error.endswith(
        "GitHub repository octo-org/tech-debt was renamed or transferred to "
        'octo-org/debt-register: set repo = "octo-org/debt-register" for this target'
    )
    assert "\n" not in error
    assert (world.text(), len(world.store.links("debt"))) == (synced, links)
