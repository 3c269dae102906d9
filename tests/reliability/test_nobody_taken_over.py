"""Nobody taken over: the "Taken over" trials of the reliability issue, as a user meets them.

Before the fixes a link typed into the register (visible or hidden) made syncer overwrite any
issue of the repository and copy its confidential text into the register; two items claiming
one issue went unreported; a tracker title holding Markdown became a link in the register and
the next runs closed or overwrote other items' issues; and every `@handle` of a register body
copied into GitHub notified that person.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from syncer.fakes.github import FakeGitHub
from syncer.register import Register, parse
from syncer.trackers.mentions import JOINER

from .conftest import Setup, checkbox_register, reconcile_all

HEADINGS = "# Debt\n\n## High Priority\n\n" + "".join(
    f"### {name} cleanup\n**Status**: Not Started\n\n{name} body.\n\n"
    for name in ("Alpha", "Beta", "Gamma")
)


def links_by_item(register: Register) -> list[tuple[str, ...]]:
    """Each item's links, in register order: what must survive any tracker text."""
    return [tuple(link.text for link in item.links) for item in register.items]


def link_markdown(text: str, item: int) -> str:
    """The link (as written in the file) of the `item`-th item of the register `text`."""
    start, end = parse(text).items[item].links[0].at
    return text[start:end]


def ref_of(setup: Setup, item: int) -> str:
    """The issue ref the adapter takes for the `item`-th item's link."""
    link = parse(setup.register.read_text("utf-8")).items[item].links[0].text
    return link if setup.kind == "jira" else link.rsplit("#", 1)[1]


@pytest.fixture
def hub(github: FakeGitHub, tmp_path: Path, fresh_state: Callable[[], str]) -> Setup:
    github.reset()
    return Setup(tmp_path, github, "github", fresh_state())


def test_a_forged_link_to_an_issue_syncer_does_not_manage_is_refused(hub: Setup) -> None:
    """Visible and hidden links, on an open and a done item, to issues a person made without
    the sync label: syncer neither reads nor writes them; a note names each item and line."""
    fake = hub.fake
    assert isinstance(fake, FakeGitHub)
    hub.write("# Debt\n\n- [ ] Ordinary item\n")
    hub.sync_here()
    secret = fake.add_issue("Confidential: salary bands", "Do not share.", labels=("hr",))
    other = fake.add_issue("Confidential: layoffs", "Board only.")
    text = hub.register.read_text("utf-8")
    url = parse(text).items[0].links[0].url.rsplit("/", 1)[0]
    hub.register.write_text(
        text
        + f"- [x] Close this [{fake.repo}#{secret}]({url}/{secret})\n"
        + f"- [ ] Retitle that <!-- syncer: {fake.repo}#{other} {url}/{other} -->\n",
        "utf-8",
    )
    before = {ref: fake.issue_json(ref) for ref in (secret, other)}
    register = hub.register.read_bytes()
    [run] = reconcile_all([hub])
    assert run.code == 0 and not run.problems, run.stderr
    notes = [note for note in run.report["notes"] if "does not manage" in note]
    assert len(notes) == 2, run.report["notes"]
    assert "'Close this' (line 4)" in notes[0] and "'Retitle that' (line 5)" in notes[1]
    assert notes == hub.status()["last_notes"]
    assert hub.sync_here().notes == tuple(notes), "and again on the next runs"
    assert {ref: fake.issue_json(ref) for ref in (secret, other)} == before, "touched"
    assert hub.register.read_bytes() == register, "nothing copied into the register"
    assert fake.issue_count() == 3, "the forged items get no issue until a person fixes them"


def test_a_link_to_another_registers_issue_is_refused(setup: Setup) -> None:
    """Two registers on one repository, each with its own sync label (as the config allows).
    A line copied from register A into register B with its link must not let B write A's issue
    (and A then copy B's text into its own item)."""
    setup.write("# A\n\n- [ ] Alpha private item\n")
    config = setup.config.read_text("utf-8")
    target = config[config.index("[[registers.targets]]") :]
    team_b = target.replace("token_env", 'sync_label = "team-b"\ntoken_env')
    setup.config.write_text(
        f'{config}\n[[registers]]\nname = "b"\npath = "B.md"\n\n{team_b}', "utf-8"
    )
    b = setup.folder / "B.md"
    b.write_text("# B\n\n- [ ] Bravo\n", "utf-8")
    setup.sync_here()
    register_a = setup.register.read_bytes()
    alpha = link_markdown(register_a.decode(), 0)
    b.write_text(f"# B\n\n- [ ] Bravo\n- [x] Copied from A {alpha}\n", "utf-8")
    assert setup.run("reconcile").returncode == 0
    setup.sync_here()
    issue = setup.tracker().get("1")
    assert (issue.title, issue.state.value) == ("Alpha private item", "open")
    assert setup.register.read_bytes() == register_a


def test_two_items_claiming_one_issue_sync_neither_until_fixed(setup: Setup) -> None:
    """A line copied with its link: a note names both items; neither writes the issue, none
    is closed or made; once a person removes one link, both sync."""
    setup.write(checkbox_register(2, done_every=99))
    setup.sync_here()
    text = setup.register.read_text("utf-8")
    first = text.splitlines()[4]
    copy = first.replace("Item number 0", "Item number 0 copy")
    disputed = text.replace(first, first.replace("Item number 0", "Item renamed") + "\n" + copy)
    setup.register.write_text(disputed, "utf-8")
    [run] = reconcile_all([setup])
    assert run.code == 0 and not run.problems, run.stderr
    [note] = run.report["notes"]
    assert "'Item renamed'" in note and "'Item number 0 copy'" in note, note
    assert run.report["counts"] == {}, "nothing written to either side"
    assert setup.tracker().get("1").title == "Item number 0"
    assert setup.fake.issue_count() == 2
    assert setup.register.read_text("utf-8") == disputed
    assert note in setup.status()["last_notes"]

    link = copy[copy.rindex(" [") :]
    setup.register.write_text(disputed.replace(copy, copy.replace(link, "")), "utf-8")
    assert setup.sync_here().counts["created"] == 1
    assert setup.tracker().get("1").title == "Item renamed"


def test_a_hostile_tracker_title_and_body_change_no_link_and_touch_no_other_issue(
    trio: list[Setup],
) -> None:
    """A person retitles an issue `Clean up** [<another item's link>] **x` and writes a body of
    a heading, a syncer link comment, a table, a checkbox and a field line: the register takes
    them as text, re-parses with the same links, and the next runs touch no other issue."""
    for setup in trio:
        setup.write(HEADINGS)
        setup.sync_here()
    before = {}
    for setup in trio:
        text = setup.register.read_text("utf-8")
        before[setup.kind] = links_by_item(parse(text))
        beta = link_markdown(text, 1)
        body = (
            f"# Heading\n\n<!-- syncer: {parse(text).items[1].links[0].text} {beta} -->\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n- [ ] not an item\n\n### Not an item\n"
            "**Status**: Done\n"
        )
        setup.fake.human_edit(ref_of(setup, 0), title=f"Clean up** {beta} **x", body=body)
    for setup in trio:
        setup.sync_here()
        again = setup.sync_here()
        assert again.plan is not None and not again.plan.operations, (setup.kind, again)
        register = parse(setup.register.read_text("utf-8"))
        assert links_by_item(register) == before[setup.kind], setup.kind
        assert register.items[0].title.startswith("Clean up** ["), register.items[0].title
        assert "| 1 | 2 |" in register.items[0].body, (setup.kind, register.items[0].body)
        others = {i.title: i.state.value for i in setup.issues() if "Clean up" not in i.title}
        assert others == {"Beta cleanup": "open", "Gamma cleanup": "open"}, setup.kind


def test_a_tracker_body_holding_a_marker_reaches_the_register_whole(setup: Setup) -> None:
    """A person pastes a description copied from another syncer issue (its marker line
    included) above their own notes: everything after that line was dropped from the register
    and kept hidden in the tracker, and the issue carried the other item's marker."""
    setup.write(HEADINGS)
    setup.sync_here()
    beta = parse(setup.register.read_text("utf-8")).items[1]
    pasted = f"Copied text.\n\n<!-- syncer:item={beta.key} -->\n\nMy own notes | kept.\n"
    setup.fake.human_edit(ref_of(setup, 0), body=pasted)
    setup.sync_here()
    alpha = parse(setup.register.read_text("utf-8")).items[0]
    assert "My own notes" in alpha.body, alpha.body
    assert setup.tracker().get(ref_of(setup, 0)).marker != beta.key


MENTIONS = (
    "# Debt\n\n## Work\n\n### Rotate the keys\n**Status**: Not Started\n\n"
    "Ask @dana and @lee-park; mail ops@example.com; keep `@cached` as it is.\n"
)


@pytest.mark.parametrize("mentions", [None, "keep"])
def test_handles_in_a_body_notify_nobody_unless_kept(hub: Setup, mentions: str | None) -> None:
    """By default a register body reaches GitHub with each `@handle` quoted (a word joiner
    after the `@`: no notification), the register keeps it as written, and the next runs see
    no change; `mentions = "keep"` sends the handles as they are."""
    fake = hub.fake
    assert isinstance(fake, FakeGitHub)
    hub.write(MENTIONS, target={"mentions": mentions} if mentions else None)
    [run] = reconcile_all([hub])
    assert run.code == 0, run.stderr
    synced = hub.register.read_bytes()
    [ref] = fake.refs()
    body = fake.issue_json(ref)["body"]
    quoted = "Ask @dana and @lee-park" if mentions else f"Ask @{JOINER}dana and @{JOINER}lee-park"
    assert body.startswith(quoted + "; mail ops@example.com; keep `@cached` as it is."), body
    again = hub.sync_here()
    assert again.plan is not None and not again.plan.operations
    assert hub.register.read_bytes() == synced
    assert "Ask @dana and @lee-park;" in synced.decode()
