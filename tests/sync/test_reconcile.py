"""End to end: reconcile the seed registers against the fake trackers."""

from __future__ import annotations

from collections.abc import Callable

from syncer.fakes.gitlab import FakeGitLab
from syncer.model import Status
from syncer.register import parse, set_status
from syncer.sync.merge import Policy

from .conftest import World, write_requests

SEED = "todo-checklists.md"


def test_first_reconcile_creates_issues_and_writes_links(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    items = parse(world.text()).items
    report = world.reconcile()
    assert report.counts["created"] == len(items) == fake_gitlab.issue_count()
    after = parse(world.text())
    assert all(len(item.links) == 1 for item in after.items)
    assert [i.title for i in after.items] == [i.title for i in items]
    done = [i for i in after.items if i.status is Status.DONE]
    issues = world.job().targets[0].tracker.list_changed(None).issues
    assert sum(1 for i in issues if i.status is Status.DONE) == len(done)
    assert sum(1 for i in issues if i.priority and i.priority.value == "high") == 7


def test_second_reconcile_is_a_no_op(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.reconcile()
    text, before = world.text(), write_requests(fake_gitlab)
    report = world.reconcile()
    assert world.text() == text
    assert write_requests(fake_gitlab) == before
    assert not report.plan or not report.plan.operations


def test_changes_flow_both_ways(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.reconcile()
    register = parse(world.text())
    heatmap = next(i for i in register.items if i.title == "Heatmap caching")
    graphql = next(i for i in register.items if i.title == "GraphQL API")
    world.write(set_status(register, heatmap.key, Status.DONE))
    fake_gitlab.human_edit(graphql.links[0].text.split("#")[1], title="GraphQL gateway")
    world.reconcile()
    after = parse(world.text())
    assert any(i.title == "GraphQL gateway" for i in after.items)
    tracker = world.job().targets[0].tracker
    assert tracker.get(heatmap.links[0].text.split("#")[1]).status is Status.DONE
    text = world.text()
    world.reconcile()
    assert world.text() == text, "the echo of our own writes changes nothing"


def test_conflict_follows_the_policy(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.policy = Policy.TRACKER_WINS
    world.reconcile()
    register = parse(world.text())
    item = next(i for i in register.items if i.title == "GraphQL API")
    ref = item.links[0].text.split("#")[1]
    from syncer.register import set_title

    world.write(set_title(register, item.key, "GraphQL in the register"))
    fake_gitlab.human_edit(ref, title="GraphQL in the tracker")
    report = world.reconcile()
    assert report.counts["conflicts_settled"] == 1
    assert any(i.title == "GraphQL in the tracker" for i in parse(world.text()).items)


def test_an_issue_deleted_in_the_tracker_is_reported_and_unlinked(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.reconcile()
    register = parse(world.text())
    item = next(i for i in register.items if i.title == "GraphQL API")
    world.write(
        set_status(register, item.key, Status.IN_PROGRESS).replace("GraphQL API", "GraphQL")
    )
    fake_gitlab.delete_issue(item.links[0].text.split("#")[1])
    report = world.reconcile()
    assert report.counts["deleted_in_tracker"] == 1 and "deleted" in report.notes[0]
    after = next(i for i in parse(world.text()).items if i.title == "GraphQL")
    assert not after.links, "the item stays in the file, without its link"


def test_an_item_removed_from_the_register_closes_its_issue(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    from syncer.register import remove_item

    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.reconcile()
    register = parse(world.text())
    item = next(i for i in register.items if i.title == "GraphQL API")
    world.write(remove_item(register, item.key))
    report = world.reconcile()
    assert report.counts["closed"] == 1
    tracker = world.job().targets[0].tracker
    assert tracker.get(item.links[0].text.split("#")[1]).status is Status.DONE


def test_a_truncated_register_is_refused(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.reconcile()
    before = write_requests(fake_gitlab)
    world.write("# TODO\n")
    from syncer.sync.cycle import run_cycle

    report = run_cycle(world.job(), world.store)
    assert "refusing" in report.refused
    assert write_requests(fake_gitlab) == before, "no issue was closed"


def test_an_issue_labelled_in_the_tracker_becomes_an_item(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.reconcile()
    fake_gitlab.add_issue("Flaky login test", body="Fails one run in ten.", labels=("tech-debt",))
    report = world.reconcile()
    assert report.counts["items_added"] == 1
    added = next(i for i in parse(world.text()).items if i.title == "Flaky login test")
    assert added.links and added.body == "Fails one run in ten."
    text = world.text()
    world.reconcile()
    assert world.text() == text


def test_dry_run_changes_nothing(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    text = world.text()
    report = world.reconcile(dry_run=True)
    assert report.plan is not None and len(report.plan.operations) == 39
    assert world.text() == text and write_requests(fake_gitlab) == 0
    assert world.store.links("debt") == [] and world.store.last_run("debt") is None


DATED = """# Debt

## High Priority

### Move sessions to Redis
**Status**: Not Started
**Target Date**: 2027-03-01

Sessions die with the process.

### Remove v0 endpoints
**Status**: Not Started
**Target Date**: [ ]
"""


def test_due_dates_flow_both_ways(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.write(DATED)
    world.reconcile()
    tracker = world.job().targets[0].tracker
    first, second = parse(world.text()).items
    ref = first.links[0].text.split("#")[1]
    assert str(tracker.get(ref).due_date) == "2027-03-01"
    assert tracker.get(second.links[0].text.split("#")[1]).due_date is None
    from datetime import date

    from syncer.model import IssueChange

    tracker.update(ref, IssueChange(due_date=date(2027, 4, 15)))
    world.reconcile()
    assert "**Target Date**: 2027-04-15\n" in world.text()
    text = world.text()
    world.reconcile()
    assert world.text() == text
