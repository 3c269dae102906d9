"""A person pushing to the register's repository while syncer's cycles run: 20 rounds.

The person's thread adds an item to the register, or edits the README, and pushes (starting
again from the newest version when syncer pushed first); meanwhile the tracker closes issues
and opens new ones, and cycles run. Afterwards: every one of the person's commits is on the
branch, every change the tracker made reached the register, no item got two issues, and
every other commit is one of syncer's own, touching the register alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from syncer.model import Status
from syncer.register import parse
from tests.sources.git.conftest import SYNCER, World
from tests.sources.git.repos import PATH, git

ROUNDS = 20
SETTLE_CYCLES = 4


def _add_item(n: int) -> Callable[[str], str]:
    return lambda text: text.replace("\n\n## Notes", f"\n- [ ] Person's item {n}\n\n## Notes")


def test_twenty_rounds_of_a_person_and_syncer_pushing(world: World, tmp_path: Path) -> None:
    world.cycle()
    human: list[str] = []
    failures: list[BaseException] = []
    turn = threading.Semaphore(0)

    def person() -> None:
        try:
            for n in range(ROUNDS):
                turn.acquire()
                if n % 3 == 2:
                    edit = lambda t, n=n: t + f"Round {n}.\n"  # noqa: E731
                    human.append(world.remote.person.edit(edit, f"Readme {n}", path="README.md"))
                else:
                    human.append(world.remote.person.edit(_add_item(n), f"Add item {n}"))
        except BaseException as exc:
            failures.append(exc)

    pusher = threading.Thread(target=person)
    pusher.start()
    closed: set[str] = set()
    opened: list[str] = []
    for n in range(ROUNDS):
        turn.release()  # the person pushes while this cycle runs
        if n % 4 == 0:
            opened.append(world.project.add_issue(f"Tracker item {n}", labels=("tech-debt",)))
        if n % 5 == 1:
            ref = str(1 + n // 5)
            world.project.human_edit(ref, closed=True)
            closed.add(ref)
        world.cycle()
    pusher.join()
    assert not failures, failures
    for _ in range(SETTLE_CYCLES):
        world.cycle()

    for sha in human:  # every human commit is on the branch
        git(world.remote.bare, "merge-base", "--is-ancestor", sha, "main")
    register = parse(world.remote.register())
    titles = [item.title for item in register.items]
    assert len(titles) == len(set(titles))
    expected = {f"Person's item {n}" for n in range(ROUNDS) if n % 3 != 2}
    assert expected | {f"Tracker item {n}" for n in range(0, ROUNDS, 4)} <= set(titles)
    links = [link.text for item in register.items for link in item.links]
    assert len(links) == len(register.items) == world.project.issue_count()
    assert len(set(links)) == len(links), "no issue linked twice"
    issue_titles = [issue.title for issue in world.project.issues()]
    assert len(issue_titles) == len(set(issue_titles)), "no item got two issues"
    by_link = {link.text: item for item in register.items for link in item.links}
    for ref in closed:
        assert by_link[f"team/debt#{ref}"].status is Status.DONE
    readme = git(world.remote.bare, "show", "main:README.md")
    assert all(f"Round {n}." in readme for n in range(2, ROUNDS, 3))
    first = git(world.remote.bare, "rev-list", "--max-parents=0", "main")
    for sha in git(world.remote.bare, "rev-list", "main").splitlines():
        author = git(world.remote.bare, "show", "-s", "--format=%an", sha)
        if author == SYNCER:
            assert world.remote.files_changed(sha) == [PATH]
            assert len(git(world.remote.bare, "rev-list", "--parents", "-1", sha).split()) == 2
        else:
            assert sha in human or sha == first
