"""Cycles on a register kept in a real git repository (a bare one in a temp folder), against
the in-memory tracker: pull, commit, push, and a person pushing at the worst moment."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.model import Status
from syncer.register import parse
from tests.sources.git.conftest import World
from tests.sources.git.repos import PATH, git


def test_a_cycle_pulls_commits_only_the_register_and_pushes(world: World) -> None:
    first = world.cycle()
    assert first.counts["created"] == 3 and not first.errors, first.errors
    links = [link.text for item in parse(world.remote.register()).items for link in item.links]
    assert links == ["team/debt#1", "team/debt#2", "team/debt#3"]
    assert world.syncer_commits() == ["syncer: link 3 items"]
    assert world.remote.files_changed("main") == [PATH]
    assert world.remote.register().endswith("## Notes\n\nReviewed every quarter.\n")


def test_nothing_changed_nothing_committed(world: World) -> None:
    world.cycle()
    commits = world.remote.log()
    idle = world.cycle()
    assert not idle.errors and not idle.register_written
    assert world.remote.log() == commits


def test_the_message_says_what_the_tracker_changed(world: World) -> None:
    world.cycle()
    world.project.human_edit("2", closed=True)
    report = world.cycle()
    assert report.register_written, report.errors
    assert world.statuses()["Vendor the codec"] is Status.DONE
    assert world.syncer_commits()[0] == 'syncer: close "Vendor the codec" (#2)'


def test_a_push_to_other_files_meanwhile_is_kept_and_the_edit_goes_on_top(world: World) -> None:
    world.cycle()
    world.project.human_edit("1", closed=True)
    pushes: list[str] = []

    def person_pushes(step: str) -> None:
        if not pushes:
            world.remote.person.edit(lambda t: t + "More.\n", "Docs", path="README.md")
        pushes.append(step)

    world.source.before_push = person_pushes
    report = world.cycle()
    assert report.register_written and not report.errors, report.errors
    assert len(pushes) == 2, "rejected once, then pushed on the new head"
    assert [subject for _, subject in world.remote.log()][:2] == [
        'syncer: close "Cache the parser" (#1)',
        "Docs",
    ]
    assert world.statuses()["Cache the parser"] is Status.DONE
    assert git(world.remote.bare, "show", "main:README.md") == "# The project\nMore."


def test_a_person_pushing_another_item_meanwhile_keeps_it_and_syncer_re_plans(
    world: World,
) -> None:
    world.cycle()
    world.project.human_edit("1", closed=True)
    pushed: list[str] = []

    def person_pushes(step: str) -> None:
        if not pushed:
            world.remote.person.edit(
                lambda t: t.replace("Retire the old importer", "Retire the legacy importer"),
                "Rename the importer item",
            )
        pushed.append(step)

    world.source.before_push = person_pushes
    report = world.cycle()
    assert not report.errors[1:] and report.register_written, report.errors
    assert report.counts["register_busy"] == 1
    assert world.statuses() == {
        "Cache the parser": Status.DONE,
        "Vendor the codec": Status.TODO,
        "Retire the legacy importer": Status.TODO,
    }
    assert world.project.issue("3").title == "Retire the legacy importer"
    assert len(world.syncer_commits()) == 2  # the links, then the close: no failed attempt


def test_a_person_editing_the_same_item_meanwhile_wins_and_the_edit_is_re_planned(
    world: World,
) -> None:
    world.cycle()
    world.project.human_edit("2", closed=True)
    pushed: list[str] = []

    def person_pushes(step: str) -> None:
        if not pushed:
            world.remote.person.edit(
                lambda t: t.replace("Vendor the codec", "Vendor the codec (v2)"),
                "Say which codec",
            )
        pushed.append(step)

    world.source.before_push = person_pushes
    report = world.cycle()
    assert report.register_written, report.errors
    assert world.statuses()["Vendor the codec (v2)"] is Status.DONE
    assert "Vendor the codec (v2)" in world.remote.register()
    assert world.project.issue("2").title == "Vendor the codec (v2)"
    assert world.remote.log()[1] == ("Dana Person", "Say which codec")


def test_a_users_own_pre_push_hook_does_not_stop_syncers_push(world: World, tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "pre-push").write_text("#!/bin/sh\necho 'run the tests first' >&2\nexit 1\n")
    (hooks / "pre-push").chmod(0o755)
    with (tmp_path / "home" / ".gitconfig").open("a", encoding="utf-8") as config:
        config.write(f"[core]\n\thooksPath = {hooks}\n")
    report = world.cycle()
    assert report.register_written and not report.errors, report.errors


def test_running_inside_another_repositorys_git_hook_changes_nothing(
    world: World, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    git(tmp_path, "init", "--quiet", str(other))
    with pytest.MonkeyPatch.context() as hook:  # what git sets for a hook it runs
        hook.setenv("GIT_DIR", str(other / ".git"))
        hook.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
        hook.setenv("GIT_WORK_TREE", str(other))
        report = world.cycle()
    assert report.register_written and not report.errors, report.errors
    assert world.syncer_commits() == ["syncer: link 3 items"]


def test_a_branch_that_keeps_moving_is_given_up_after_five_pushes_and_tried_next_cycle(
    world: World,
) -> None:
    world.cycle()
    world.project.human_edit("3", closed=True)
    pushes: list[str] = []

    def person_pushes_every_time(step: str) -> None:
        pushes.append(step)
        world.remote.person.edit(lambda t: t + ".", f"Docs {len(pushes)}", path="README.md")

    world.source.before_push = person_pushes_every_time
    report = world.cycle()
    assert len(pushes) == 5
    assert report.errors == (
        f"{PATH} in {world.remote.bare} (main): the branch kept moving; gave up after 5 pushes"
        " (the next cycle tries again)",
    )
    assert world.statuses()["Retire the old importer"] is Status.TODO
    world.source.before_push = lambda step: None
    assert world.cycle().register_written
    assert world.statuses()["Retire the old importer"] is Status.DONE
