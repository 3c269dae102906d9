"""Fields that diverged between the register and the trackers, found by trying as a user
would (issue 9): each test runs whole cycles through the real adapters and the fakes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from syncer.fakes.control import FakeTracker
from syncer.fakes.github import SYNC_LABEL, FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira
from syncer.model import IssueChange, Status
from syncer.register import parse

from .conftest import BUILDERS, World, write_requests

TABLE_REGISTER = """# Tech debt

### Slow build
**Status**: Todo

Intro line.

|Step|Minutes|
|-----|-----|
|compile|12|

Last line.
"""


def test_a_jira_body_edit_leaves_the_registers_table_bytes_alone(
    world_factory: Callable[..., World], fake_jira: FakeJira
) -> None:
    world = world_factory("active-work.md", jira=("jira", fake_jira))
    world.write(TABLE_REGISTER)
    world.reconcile()
    ref = parse(world.text()).items[0].links[0].text
    wiki = str(fake_jira.issue_json(ref)["fields"]["description"])
    assert "Last line." in wiki
    fake_jira.human_edit(ref, body=wiki.replace("Last line.", "Last line, edited in Jira."))
    world.reconcile()
    text = world.text()
    assert "Last line, edited in Jira." in text
    assert text.replace("Last line, edited in Jira.", "Last line.") == world_first_text(text)


def assert_settled(world: World, fake: FakeTracker) -> None:
    """The next cycle writes nothing, to the file or to the tracker: both sides agree."""
    text, before = world.text(), write_requests(fake)
    world.reconcile()
    assert world.text() == text and write_requests(fake) == before


def world_first_text(text: str) -> str:
    """The register as the first cycle left it: the template plus the link line syncer added."""
    link_line = next(line for line in text.splitlines(keepends=True) if "Tracked in" in line)
    return TABLE_REGISTER.replace("**Status**: Todo\n", f"**Status**: Todo\n{link_line}")


EFFORT_REGISTER = """# Tech debt

### Slow build
**Status**: Todo
**Effort**: Medium (two sprints)
"""


@pytest.mark.parametrize("kind", ["github", "gitlab", "jira"])
def test_effort_and_its_label_follow_each_other(
    kind: str, world_factory: Callable[..., World], request: pytest.FixtureRequest
) -> None:
    fake: FakeTracker = request.getfixturevalue(f"fake_{kind}")
    world = world_factory("active-work.md", **{kind: (kind, fake)})
    world.write(EFFORT_REGISTER)
    world.field_labels[kind] = {"Effort": "effort: "}
    world.reconcile()
    ref = parse(world.text()).items[0].links[0].text.rsplit("#", 1)[-1]
    tracker = BUILDERS[kind](fake)
    assert "effort: medium" in tracker.get(ref).labels

    # In the tracker, a person swaps the label (Jira's have no spaces) and adds one of their
    # own: the file follows.
    high = "effort:high" if kind == "jira" else "effort: high"
    fake.human_edit(ref, labels=(SYNC_LABEL, high, "needs-design"))
    world.reconcile()
    assert "**Effort**: High (two sprints)\n" in world.text()

    # In the file, a person lowers the effort: the label follows, theirs stays.
    world.write(world.text().replace("**Effort**: High", "**Effort**: Low"))
    world.reconcile()
    assert sorted(tracker.get(ref).labels) == ["effort: low", "needs-design", SYNC_LABEL]
    assert_settled(world, fake)


OWNED_REGISTER = """# Tech debt

### Slow build
**Status**: Todo
**Owner**: @lee
**Target Date**: 2027-01-31
**Effort**: Medium
"""


def test_an_issue_added_from_gitlab_brings_its_assignee_due_date_and_effort(
    world_factory: Callable[..., World], fake_gitlab: FakeGitLab
) -> None:
    world = world_factory("active-work.md", gitlab=("gitlab", fake_gitlab))
    world.write(OWNED_REGISTER)
    dana, lee = fake_gitlab.known_users[:2]
    world.user_maps["gitlab"] = {"@dana": dana, "@lee": lee}
    world.field_labels["gitlab"] = {"Effort": "effort: "}
    world.reconcile()
    ref = fake_gitlab.add_issue("Rotate the keys", labels=(SYNC_LABEL, "effort: high"))
    person = BUILDERS["gitlab"](fake_gitlab)  # as a person sets them in GitLab's web page
    person.update(ref, IssueChange(assignees=(dana,), due_date=date(2027, 5, 1)))
    world.reconcile()
    added = next(i for i in parse(world.text()).items if i.title == "Rotate the keys")
    fields = {f.name: f.value for f in added.fields if f.name != "Tracked in"}
    assert fields == {"Status": "Todo", "Owner": "@dana", "Target Date": "2027-05-01",
                      "Effort": "High"}  # fmt: skip
    assert_settled(world, fake_gitlab)


SIX_ITEMS = "# Tech debt\n" + "".join(
    f"\n### Item {n}\n**Status**: {'In Progress' if n == 6 else 'Todo'}\n" for n in range(1, 7)
)


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_a_cycle_sends_only_the_requests_its_plan_needs(
    kind: str,
    world_factory: Callable[..., World],
    fake_github: FakeGitHub,
    fake_gitlab: FakeGitLab,
) -> None:
    """3 changes in the tracker, 3 status changes in the file: one listing and 3 writes
    (issue 9: a read before each register-side status change made it 7)."""
    fake: FakeTracker = fake_github if kind == "github" else fake_gitlab
    world = world_factory("active-work.md", **{kind: (kind, fake)})
    world.write(SIX_ITEMS)
    world.reconcile()
    refs = [item.links[0].text.rsplit("#", 1)[1] for item in parse(world.text()).items]
    for ref in refs[:3]:
        fake.human_edit(ref, title=f"Renamed {ref}")
    text = world.text()
    for n, was in ((4, "Todo"), (5, "Todo"), (6, "In Progress")):
        text = text.replace(f"Item {n}\n**Status**: {was}\n", f"Item {n}\n**Status**: Done\n")
    world.write(text)
    with fake.server.counting() as sent:
        world.reconcile()
    writes = ["PATCH" if kind == "github" else "PUT"] * 3
    assert sorted(r.method for r in sent) == sorted(["GET", *writes]), [
        (r.method, r.path) for r in sent
    ]
    statuses = [BUILDERS[kind](fake).get(ref).status for ref in refs]
    assert statuses == [Status.TODO] * 3 + [Status.DONE] * 3
