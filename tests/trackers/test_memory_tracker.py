"""The in-memory tracker beyond the contract: what a hosted tracker does that the engine leans
on (versions, echoes, deletions, comments, labels), and what makes it usable in tests (its
clock, its thread safety, its cursor)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from syncer.model import IssueChange, IssueDraft, Priority, Status
from syncer.register import parse
from syncer.trackers.base import FieldMapping, NotFound
from syncer.trackers.memory import MemoryProject, MemoryTracker
from tests.trackers.helpers import create_all, create_one

SYNC = FieldMapping().sync_label


def draft(key: str, title: str = "", **kw: object) -> IssueDraft:
    return IssueDraft(item_key=key, title=title or f"Item {key}", **kw)  # type: ignore[arg-type]


@pytest.fixture
def project() -> MemoryProject:
    return MemoryProject("team/debt")


@pytest.fixture
def tracker(project: MemoryProject) -> MemoryTracker:
    return MemoryTracker(project)


def test_an_update_to_the_values_an_issue_has_is_no_change(tracker: MemoryTracker) -> None:
    """Syncer's own writes come back as echoes; a write of what is there must not even do
    that, or every cycle would see its last one again."""
    ref = create_one(tracker, draft("a", priority=Priority.HIGH)).ref
    cursor = tracker.list_changed(None).cursor
    same = tracker.update(
        ref, IssueChange(title="Item a", status=Status.TODO, priority=Priority.HIGH)
    )
    assert same.version == tracker.get(ref).version
    assert tracker.list_changed(cursor).issues == ()
    changed = tracker.update(ref, IssueChange(title="Item A"))
    assert changed.version != same.version
    assert [i.title for i in tracker.list_changed(cursor).issues] == ["Item A"]


def test_a_comment_is_on_the_issue_and_makes_it_changed(
    project: MemoryProject, tracker: MemoryTracker
) -> None:
    """As on GitHub and GitLab, a comment bumps the issue's update time."""
    ref = create_one(tracker, draft("a")).ref
    cursor = tracker.list_changed(None).cursor
    tracker.comment(ref, "Removed from the register.")
    assert project.comments(ref) == ("Removed from the register.",)
    assert [i.ref for i in tracker.list_changed(cursor).issues] == [ref]


def test_a_deleted_issue_is_gone_for_every_call(
    project: MemoryProject, tracker: MemoryTracker
) -> None:
    ref = create_one(tracker, draft("gone")).ref
    project.delete_issue(ref)
    for call in (
        lambda: tracker.get(ref),
        lambda: tracker.update(ref, IssueChange(title="x")),
        lambda: tracker.comment(ref, "x"),
    ):
        with pytest.raises(NotFound):
            call()
    assert tracker.list_changed(None).issues == ()
    assert tracker.find_markers(["gone"]) == {}
    assert project.issue_count() == 0
    assert create_one(tracker, draft("next")).ref == "2", "a number is never given twice"


def test_only_sync_labelled_issues_are_listed_but_any_can_be_read(
    project: MemoryProject, tracker: MemoryTracker
) -> None:
    theirs = project.add_issue("A bug", labels=("bug",))
    ours = create_one(tracker, draft("ours")).ref
    assert [i.ref for i in tracker.list_changed(None).issues] == [ours]
    assert tracker.get(theirs).title == "A bug"
    project.human_edit(ours, labels=("bug",))  # a person takes the sync label off
    assert tracker.list_changed(None).issues == ()
    assert tracker.find_markers(["ours"]) == {}


def test_a_cursor_it_did_not_write_lists_everything(tracker: MemoryTracker) -> None:
    create_all(tracker, [draft("a"), draft("b")])
    for foreign in ('{"since": "2024-01-01"}', "", "-3"):
        assert len(tracker.list_changed(foreign).issues) == 2


def test_a_cursor_from_before_a_reset_misses_nothing_after(
    project: MemoryProject, tracker: MemoryTracker
) -> None:
    create_all(tracker, [draft("a"), draft("b")])
    cursor = tracker.list_changed(None).cursor
    project.reset()
    assert project.issue_count() == 0 and project.labels == ()
    assert create_one(tracker, draft("c")).ref == "1"
    assert [i.title for i in tracker.list_changed(cursor).issues] == ["Item c"]


def test_the_injected_clock_stamps_updates() -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    ticks = count()
    timed = MemoryProject(clock=lambda: start + timedelta(minutes=next(ticks)))
    tracker = MemoryTracker(timed)
    ref = create_one(tracker, draft("a")).ref
    assert tracker.get(ref).updated_at == start
    assert tracker.update(ref, IssueChange(title="b")).updated_at == start + timedelta(minutes=1)


def test_labels_are_one_per_name_whatever_the_case(
    project: MemoryProject, tracker: MemoryTracker
) -> None:
    tracker.ensure_labels(["Area: API", "area: api", "effort: high"])
    assert project.labels == ("Area: API", "effort: high")
    ref = create_one(tracker, draft("a", labels=("AREA: api",))).ref
    assert "Area: API" in tracker.get(ref).labels, "spelled as the project spells it"


def test_its_own_field_mapping_is_what_status_priority_and_listing_read(
    project: MemoryProject,
) -> None:
    mapping = FieldMapping(
        sync_label="debt", in_progress_label="doing", priority_labels={Priority.LOW: "P3"}
    )
    tracker = MemoryTracker(project, mapping)
    project.add_issue("Not ours", labels=("tech-debt",))
    ref = create_one(tracker, draft("a", status=Status.IN_PROGRESS, priority=Priority.LOW)).ref
    assert set(project.issue(ref).labels) == {"debt", "doing", "P3"}
    [listed] = tracker.list_changed(None).issues
    assert (listed.status, listed.priority) == (Status.IN_PROGRESS, Priority.LOW)


def test_links_to_its_issues_are_links_a_register_reads(tracker: MemoryTracker) -> None:
    issue = create_one(tracker, draft("a"))
    assert issue.url == "https://memory.invalid/team/debt/issues/1"
    text = f"- [ ] Item a [team/debt#{issue.ref}]({issue.url})\n"
    assert [link.text for link in parse(text).items[0].links] == ["team/debt#1"]


def test_a_project_name_a_link_cannot_carry_is_refused() -> None:
    with pytest.raises(ValueError, match="owner/name"):
        MemoryProject("debt")


def test_a_person_cannot_assign_a_stranger(project: MemoryProject) -> None:
    ref = project.add_issue("Owned")
    project.human_edit(ref, assignees=("bob", "alice"))
    assert MemoryTracker(project).get(ref).assignees == ("alice", "bob")
    with pytest.raises(ValueError, match="mallory"):
        project.human_edit(ref, assignees=("mallory",))


def test_calls_from_many_threads_each_make_their_issue(
    project: MemoryProject, tracker: MemoryTracker
) -> None:
    def create(worker: int) -> None:
        for n in range(25):
            create_one(tracker, draft(f"w{worker}-{n}"))

    threads = [threading.Thread(target=create, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    issues = tracker.list_changed(None).issues
    assert project.issue_count() == 100
    assert sorted(int(i.ref) for i in issues) == list(range(1, 101))
    assert len({i.version for i in issues}) == 100
