"""Owners in the register and assignees in the trackers, through a target's `user_map`."""

from __future__ import annotations

from collections.abc import Callable

from syncer.fakes.control import FakeTracker
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira
from syncer.register import Item, parse, set_field

from .conftest import BUILDERS, World, write_requests

REGISTER = """# Tech debt

## Backend

### Slow build
**Status**: Todo
**Owner**: @dana, Ops team (on call)

### Flaky login test
**Status**: Todo
**Owner**: Lee Park

### Old cache
**Status**: Todo
"""


def github_world(world_factory: Callable[..., World], fake: FakeGitHub) -> World:
    world = world_factory("active-work.md", github=("github", fake))
    world.write(REGISTER)
    dana, lee, kim = fake.known_users[1:4]
    world.user_maps["github"] = {"@dana": dana, "Lee Park": lee, "@kim": kim}
    return world


def item(world: World, title: str) -> Item:
    return next(i for i in parse(world.text()).items if i.title == title)


def ref_of(world: World, title: str) -> str:
    return item(world, title).links[0].text.rsplit("#", 1)[-1]


def assignees(world: World, fake: FakeTracker, title: str) -> tuple[str, ...]:
    return BUILDERS["github"](fake).get(ref_of(world, title)).assignees


def owner(world: World, title: str) -> str | None:
    found = item(world, title).field("Owner")
    return found.value if found else None


def test_owners_become_assignees_and_a_second_run_is_quiet(
    world_factory: Callable[..., World], fake_github: FakeGitHub
) -> None:
    world = github_world(world_factory, fake_github)
    dana, lee = fake_github.known_users[1:3]
    world.reconcile()
    assert assignees(world, fake_github, "Slow build") == (dana,), "Ops team is nobody's login"
    assert assignees(world, fake_github, "Flaky login test") == (lee,)
    assert assignees(world, fake_github, "Old cache") == ()

    text, before = world.text(), write_requests(fake_github)
    world.reconcile()
    assert world.text() == text and write_requests(fake_github) == before


def test_an_assignee_set_in_the_tracker_becomes_the_owner(
    world_factory: Callable[..., World], fake_github: FakeGitHub
) -> None:
    world = github_world(world_factory, fake_github)
    lee, kim = fake_github.known_users[2:4]
    world.reconcile()
    fake_github.human_edit(ref_of(world, "Old cache"), assignees=(kim,))
    fake_github.human_edit(ref_of(world, "Slow build"), assignees=(lee,))
    world.reconcile()
    assert owner(world, "Old cache") == "@kim", "a heading item gains an Owner line"
    assert owner(world, "Slow build") == "Lee Park, Ops team (on call)", "unmapped names stay"
    text = world.text()
    world.reconcile()
    assert world.text() == text


def test_an_owner_changed_in_the_register_reassigns_and_keeps_unmapped_assignees(
    world_factory: Callable[..., World], fake_github: FakeGitHub
) -> None:
    world = github_world(world_factory, fake_github)
    bot, _, _, kim = fake_github.known_users[:4]
    world.reconcile()
    ref = ref_of(world, "Slow build")
    fake_github.human_edit(ref, assignees=(bot, fake_github.known_users[1]))  # a bot joins
    world.reconcile()
    register = parse(world.text())
    key = item(world, "Slow build").key
    world.write(set_field(register, key, "Owner", "@kim, Ops team (on call)"))
    world.reconcile()
    assert assignees(world, fake_github, "Slow build") == tuple(sorted((bot, kim)))


def test_without_a_user_map_assignees_are_left_alone(
    world_factory: Callable[..., World], fake_github: FakeGitHub
) -> None:
    world = github_world(world_factory, fake_github)
    world.user_maps.clear()
    world.reconcile()
    assert assignees(world, fake_github, "Slow build") == ()
    fake_github.human_edit(ref_of(world, "Old cache"), assignees=fake_github.known_users[:1])
    text = world.text()
    world.reconcile()
    assert world.text() == text


def test_jira_takes_one_assignee_and_settles(
    world_factory: Callable[..., World], fake_jira: FakeJira
) -> None:
    world = world_factory("active-work.md", jira=("jira", fake_jira))
    world.write(REGISTER)
    dana, lee = fake_jira.known_users[:2]
    world.user_maps["jira"] = {"@dana": dana, "Lee Park": lee}
    world.reconcile()
    jira = BUILDERS["jira"](fake_jira)
    refs = {i.title: i.links[0].text for i in parse(world.text()).items}
    assert jira.get(refs["Slow build"]).assignees == (dana,)
    assert jira.get(refs["Flaky login test"]).assignees == (lee,)

    fake_jira.human_edit(refs["Flaky login test"], assignees=(dana,))
    world.reconcile()
    assert owner(world, "Flaky login test") == "@dana"
    text, before = world.text(), write_requests(fake_jira)
    world.reconcile()
    assert world.text() == text and write_requests(fake_jira) == before


def test_checkbox_owners_are_handles_and_one_without_owners_gets_a_note(
    world_factory: Callable[..., World], fake_github: FakeGitHub
) -> None:
    world = world_factory("active-work.md", github=("github", fake_github))
    world.write("# Debt\n\n## Now\n\n- [ ] Slow build @dana @ops\n- [ ] Old cache\n")
    dana, lee = fake_github.known_users[1:3]
    world.user_maps["github"] = {"@dana": dana, "@lee": lee}
    world.reconcile()
    assert assignees(world, fake_github, "Slow build") == (dana,)

    fake_github.human_edit(ref_of(world, "Slow build"), assignees=(lee,))
    fake_github.human_edit(ref_of(world, "Old cache"), assignees=(dana,))
    report = world.reconcile()
    assert "- [ ] Slow build @lee @ops [" in world.text()
    assert report.counts["register_unrepresentable"] == 1, "a plain checkbox has no owner slot"
    assert any("Old cache" in note for note in report.notes), report.notes
    text, before = world.text(), write_requests(fake_github)
    world.reconcile()
    assert world.text() == text and write_requests(fake_github) == before


def test_an_assignee_set_in_one_tracker_reaches_the_other_through_the_register(
    world_factory: Callable[..., World], fake_github: FakeGitHub, fake_gitlab: FakeGitLab
) -> None:
    world = world_factory(
        "active-work.md", gitlab=("gitlab", fake_gitlab), github=("github", fake_github)
    )
    world.write(REGISTER)
    world.user_maps["gitlab"] = dict(
        zip(("@dana", "@kim"), fake_gitlab.known_users[1:3], strict=True)
    )
    world.user_maps["github"] = dict(
        zip(("@dana", "@kim"), fake_github.known_users[1:3], strict=True)
    )
    world.reconcile()
    gitlab_ref = item(world, "Old cache").links[0].text.rsplit("#", 1)[-1]
    fake_gitlab.human_edit(gitlab_ref, assignees=(fake_gitlab.known_users[2],))
    world.reconcile()
    assert owner(world, "Old cache") == "@kim"
    github_ref = item(world, "Old cache").links[1].text.rsplit("#", 1)[-1]
    assert BUILDERS["github"](fake_github).get(github_ref).assignees == (
        fake_github.known_users[2],
    )
    text = world.text()
    before = write_requests(fake_github) + write_requests(fake_gitlab)
    world.reconcile()
    assert world.text() == text
    assert write_requests(fake_github) + write_requests(fake_gitlab) == before
