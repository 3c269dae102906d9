"""The seeds against each tracker, and against two trackers at once (the register as hub)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira
from syncer.model import Priority, Status
from syncer.register import parse, set_status

from .conftest import BUILDERS, SEEDS, World, write_requests

SEED_NAMES = sorted(p.name for p in SEEDS.glob("*.md"))


@pytest.mark.parametrize("seed", SEED_NAMES)
def test_each_seed_syncs_to_github_and_settles(
    seed: str, world_factory: Callable[..., World], fake_github: FakeGitHub
) -> None:
    world = world_factory(seed, github=("github", fake_github))
    items = parse(world.text()).items
    world.reconcile()
    synced = parse(world.text())
    assert fake_github.issue_count() == len(items)
    assert all(len(i.links) == 1 for i in synced.items)
    issues = {i.title: i for i in BUILDERS["github"](fake_github).list_changed(None).issues}
    for item in synced.items:
        issue = issues[item.title]
        assert issue.status is item.status
        assert issue.priority == item.priority
    text, before = world.text(), write_requests(fake_github)
    world.reconcile()
    assert world.text() == text and write_requests(fake_github) == before


def test_github_and_gitlab_at_once_the_register_is_the_hub(
    world_factory: Callable[..., World], fake_github: FakeGitHub, fake_gitlab: FakeGitLab
) -> None:
    world = world_factory(
        "todo-checklists.md", github=("github", fake_github), gitlab=("gitlab", fake_gitlab)
    )
    world.reconcile()
    synced = parse(world.text())
    assert all(len(i.links) == 2 for i in synced.items)
    item = next(i for i in synced.items if i.title == "GraphQL API")
    gitlab_ref = next(link.text for link in item.links if "#" in link.text and "group" in link.text)
    fake_gitlab.human_edit(gitlab_ref.split("#")[1], closed=True)
    world.reconcile()
    after = next(i for i in parse(world.text()).items if i.title == "GraphQL API")
    assert after.status is Status.DONE, "the GitLab close reached the register"
    github_ref = next(link.text for link in after.links if link.text != gitlab_ref)
    github = BUILDERS["github"](fake_github)
    assert github.get(github_ref.split("#")[1]).status is Status.DONE, "...and GitHub, same cycle"
    text = world.text()
    world.reconcile()
    assert world.text() == text


def test_a_person_saving_mid_cycle_is_never_overwritten(
    world_factory: Callable[..., World], fake_github: FakeGitHub
) -> None:
    world = world_factory("todo-checklists.md", github=("github", fake_github))
    world.reconcile()
    register = parse(world.text())
    item = register.items[3]
    ref = item.links[0].text.split("#")[1]
    fake_github.human_edit(ref, closed=True)
    job = world.job()
    saved = set_status(register, register.items[5].key, Status.DONE)
    tracker = job.targets[0].tracker
    original = tracker.list_changed

    def list_then_person_saves(cursor: str | None):  # type: ignore[no-untyped-def]
        changes = original(cursor)
        world.write(saved)
        return changes

    tracker.list_changed = list_then_person_saves  # type: ignore[method-assign]
    from syncer.sync.cycle import run_cycle

    report = run_cycle(job, world.store)
    assert world.text() == saved, "the person's save stands"
    assert report.counts["register_busy"] == 1
    world.reconcile()
    final = parse(world.text())
    assert final.items[3].status is Status.DONE and final.items[5].status is Status.DONE


@pytest.mark.parametrize("seed", ["debt-tracker-mojibake-macroman.md", "tech-debt-followups.md"])
def test_seeds_sync_to_jira_and_settle(
    seed: str, world_factory: Callable[..., World], fake_jira: FakeJira
) -> None:
    world = world_factory(seed, jira=("jira", fake_jira))
    items = parse(world.text()).items
    world.reconcile()
    synced = parse(world.text())
    assert fake_jira.issue_count() == len(items)
    assert all(i.links and i.links[0].text.startswith("DEBT-") for i in synced.items)
    issues = {i.title: i for i in BUILDERS["jira"](fake_jira).list_changed(None).issues}
    for item in synced.items:
        assert issues[item.title].status is item.status
        # Jira gives every issue a priority: its default (Medium) where the item has none.
        assert issues[item.title].priority == (item.priority or Priority.MEDIUM)
    text, before = world.text(), write_requests(fake_jira)
    world.reconcile()
    assert world.text() == text and write_requests(fake_jira) == before


def test_github_and_jira_at_once(
    world_factory: Callable[..., World], fake_github: FakeGitHub, fake_jira: FakeJira
) -> None:
    world = world_factory(
        "debt-register-mojibake-cp1252.md", github=("github", fake_github), jira=("jira", fake_jira)
    )
    world.reconcile()
    register = parse(world.text())
    assert all(len(i.links) == 2 for i in register.items)
    item = next(i for i in register.items if i.title == "Distributed Tracing")
    jira_key = next(link.text for link in item.links if link.text.startswith("DEBT-"))
    fake_jira.human_edit(jira_key, title="Distributed Tracing with OpenTelemetry")
    world.reconcile()
    titles = [i.title for i in parse(world.text()).items]
    assert "Distributed Tracing with OpenTelemetry" in titles
    github_ref = next(link.text for link in item.links if "#" in link.text).split("#")[1]
    github_issue = BUILDERS["github"](fake_github).get(github_ref)
    assert github_issue.title == "Distributed Tracing with OpenTelemetry"
    text = world.text()
    world.reconcile()
    assert world.text() == text
