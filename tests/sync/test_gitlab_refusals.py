"""What GitLab does not take, or takes away, end to end (issue 9): assignees its Free tier or
its members do not allow, and an issue a person moved to another project."""

from __future__ import annotations

from collections.abc import Callable

from syncer.fakes.gitlab import FakeGitLab
from syncer.model import Status
from syncer.register import Item, parse

from .conftest import World

REGISTER = """# Tech debt

## Backend

### Slow build
**Status**: Todo
**Owner**: @dana, Lee Park

### Old cache
**Status**: Todo
**Owner**: @kim
"""


def gitlab_world(world_factory: Callable[..., World], fake: FakeGitLab) -> World:
    world = world_factory("active-work.md", gitlab=("gitlab", fake))
    world.write(REGISTER)
    world.user_maps["gitlab"] = {"@dana": "alice", "Lee Park": "bob", "@kim": "mallory"}
    return world


def item(world: World, title: str) -> Item:
    return next(i for i in parse(world.text()).items if i.title == title)


def ref_of(world: World, title: str) -> str:
    return item(world, title).links[0].text.rsplit("#", 1)[-1]


def assignee_writes(fake: FakeGitLab) -> list[str]:
    """Requests that sent assignees: creates with `assignee_ids`, or edits (PUT)."""
    return [f"{r.method} {r.path}" for r in fake.server.requests if r.method in ("POST", "PUT")]


def test_assignees_the_free_tier_drops_are_noted_once_and_never_sent_again(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = gitlab_world(world_factory, fake_gitlab)
    first = world.reconcile()
    assert fake_gitlab.issue_json(ref_of(world, "Slow build"))["assignees"][0]["username"] in (
        "alice",
        "bob",
    )
    notes = [note for note in first.notes if "did not take assignee" in note]
    assert len(notes) == 2, first.notes  # one of two kept; mallory cannot see the project
    assert any("mallory" in note for note in notes)
    assert first.counts["assignees_dropped"] == 2

    text, writes = world.text(), len(assignee_writes(fake_gitlab))
    second = world.reconcile()
    assert len(assignee_writes(fake_gitlab)) == writes, "no write asks for them again"
    assert not [note for note in second.notes if "assignee" in note]
    assert world.text() == text, "the register keeps the owners it names"


def test_an_assignee_dropped_on_an_update_settles_after_one_note(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = gitlab_world(world_factory, fake_gitlab)
    world.write(REGISTER.replace("**Owner**: @dana, Lee Park", "**Owner**: @dana"))
    world.reconcile()
    world.write(REGISTER)  # Lee Park joins in the file: Free GitLab keeps alice alone
    report = world.reconcile()
    assert [note for note in report.notes if "did not take assignee(s) bob" in note]
    writes = len(assignee_writes(fake_gitlab))
    again = world.reconcile()
    assert len(assignee_writes(fake_gitlab)) == writes and not again.notes


def test_an_issue_moved_to_another_project_is_unlinked_never_done(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = gitlab_world(world_factory, fake_gitlab)
    world.reconcile()
    ref = ref_of(world, "Old cache")
    fake_gitlab.move_issue(ref, "octo-group/backend")
    report = world.reconcile()
    moved = item(world, "Old cache")
    assert moved.status is Status.TODO, "a move closes the issue; the work is not done"
    assert not moved.links, "the link to the closed original comes out"
    assert report.counts["moved_in_tracker"] == 1
    [note] = [note for note in report.notes if "moved" in note]
    assert f"issue {ref} was moved to another project" in note
    assert not world.store.links("debt", "gitlab") or all(
        record.ref != ref for record in world.store.links("debt", "gitlab")
    )
