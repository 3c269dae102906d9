"""Whatever the file and the store hold, the next cycle settles it by rule and goes on.

Regressions of the service issue: a link moved onto another item made every later run fail
with "already linked"; links in the file that the state database did not know were never
learned (items added twice, tracker edits reverted every cycle).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from syncer.fakes.gitlab import FakeGitLab
from syncer.model import IssueDraft, IssueState
from syncer.register import parse
from syncer.state.store import Store
from syncer.sync.cycle import run_cycle
from tests.trackers.helpers import create_one

from .conftest import World

SEED = "tech-debt-followups.md"
TWO = "# Debt\n\n## Work\n\n- [ ] Alpha\n- [ ] Beta\n"


def open_titles(world: World) -> list[str]:
    tracker = world.job().targets[0].tracker
    issues = tracker.list_changed(None).issues
    return sorted(i.title for i in issues if i.state is IssueState.OPEN)


def test_a_link_moved_onto_a_new_line_never_wedges_and_putting_it_back_heals(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.write(TWO)
    world.reconcile()
    synced = world.text()
    beta = next(line for line in synced.splitlines() if "Beta" in line)
    link = beta[beta.rindex(" [") :]
    world.write(synced.replace(beta, f"- [ ] Beta\n- [ ] Gamma{link}"))
    for _ in range(2):
        report = run_cycle(world.job(), world.store)
        assert not report.errors, report.errors
    assert open_titles(world) == ["Alpha", "Beta", "Gamma"], "the link is the identity"
    world.write(synced)
    for _ in range(2):
        report = run_cycle(world.job(), world.store)
        assert not report.errors, report.errors
    assert open_titles(world) == ["Alpha", "Beta"]
    assert world.text() == synced
    assert world.store.pending("debt") == []


def test_links_the_state_database_lost_are_adopted_not_duplicated_or_fought(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab, tmp_path: Path
) -> None:
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.reconcile()
    ref = fake_gitlab.add_issue("Flaky login test", labels=("tech-debt",))
    world.reconcile()
    synced, issues = world.text(), fake_gitlab.issue_count()
    world.store.close()
    world.store = Store(tmp_path / "restored.sqlite")

    report = world.reconcile()
    assert world.text() == synced, "nothing added twice, nothing rewritten"
    assert fake_gitlab.issue_count() == issues, "no issue made twice"
    assert report.counts["adopted"] == len(parse(synced).items)
    assert sum("unknown to the state database" in note for note in report.notes) == 1

    fake_gitlab.human_edit(ref, title="Flaky login test (retitled in GitLab)")
    world.reconcile()
    world.reconcile()
    assert "Flaky login test (retitled in GitLab)" in world.text(), "the tracker's edit stands"
    assert "Flaky login test (retitled in GitLab)" in open_titles(world)


def test_a_tracker_that_lost_every_issue_is_refused_not_unlinked(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    """A wiped project (or a wrong repository after a migration) went unnoticed until an item
    was edited, then every edit unlinked an item and made its issue again."""
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.write(TWO)
    world.reconcile()
    synced = world.text()
    for item in parse(synced).items:
        fake_gitlab.delete_issue(item.links[0].text.split("#")[1])
    world.write(synced.replace("- [ ] Alpha", "- [x] Alpha"))

    report = run_cycle(world.job(), world.store)
    assert report.outcome == "refused" and "every other linked issue" in report.refused
    assert fake_gitlab.issue_count() == 0, "no issue made again"
    assert all(item.links for item in parse(world.text()).items), "nothing unlinked"
    run = world.store.last_run("debt")
    assert run is not None and run.error.startswith("refused: gitlab")

    forced = run_cycle(world.job(), world.store, force=True)
    assert forced.counts["deleted_in_tracker"] >= 1 and not forced.refused


def test_a_recovered_create_for_an_item_that_has_an_issue_is_closed_as_a_duplicate(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    """A create left pending (a crash, a lost answer) whose item got an issue meanwhile used to
    stop every later run with "already linked"; now the second issue is closed, with a note."""
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.write(TWO)
    world.reconcile()
    alpha = parse(world.text()).items[0]
    kept = alpha.links[0].text.split("#")[1]
    world.store.add_intent("debt", "gitlab", "create", alpha.key, f"{alpha.key}@lost", "{}")
    tracker = world.job().targets[0].tracker
    second = create_one(tracker, IssueDraft(alpha.key, "Alpha"))

    report = run_cycle(world.job(), world.store)
    assert not report.errors and report.counts["duplicates_closed"] == 1
    assert any(f"a duplicate of {kept}" in note for note in report.notes)
    assert tracker.get(second.ref).state is IssueState.CLOSED
    assert tracker.get(kept).state is IssueState.OPEN
    assert world.store.pending("debt") == []
    assert world.reconcile().plan is not None, "and the next cycle is a normal one"


def test_a_recovered_create_is_linked_and_written_in(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.write(TWO)
    gamma = "- [ ] Gamma\n"
    world.reconcile()
    world.write(world.text() + gamma)
    key = parse(world.text()).items[2].key
    world.store.add_intent("debt", "gitlab", "create", key, f"{key}@crash", "{}")
    made = create_one(world.job().targets[0].tracker, IssueDraft(key, "Gamma"))

    report = world.reconcile()
    assert report.counts["recovered"] == 1 and report.counts.get("created", 0) == 0
    assert f"#{made.ref}]" in world.text().splitlines()[-1]


def test_two_items_claiming_one_issue_sync_with_neither_until_fixed(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    """A line copied with its link: two items claim one issue (before, the first silently won
    and the copy's title was pushed over the issue's)."""
    world = world_factory(SEED, gitlab=("gitlab", fake_gitlab))
    world.write(TWO)
    world.reconcile()
    text = world.text()
    alpha = next(line for line in text.splitlines() if "Alpha" in line)
    world.write(text + alpha.replace("Alpha", "Alpha, copied") + "\n")
    issues = fake_gitlab.issue_count()

    report = world.reconcile()
    assert any("both link" in note and "neither syncs" in note for note in report.notes)
    assert fake_gitlab.issue_count() == issues, "no new issue for either item"
    assert open_titles(world) == ["Alpha", "Beta"], "the issue is neither retitled nor closed"
    world.write(text)
    assert not world.reconcile().notes, "fixed by removing one of the links"
