"""The rules that read register styles beyond the seeds (see `tests/data/wild/`), one by one:
each read as a person reads it, and each edit written back in the style it was read from."""

from __future__ import annotations

import pytest

from syncer.model import Priority, Status
from syncer.register import (
    RegisterRules,
    parse,
    set_field,
    set_priority,
    set_status,
    set_title,
)
from syncer.register.vocabulary import Vocabulary, section_priority, section_status

from .helpers import changed_old_lines


def only(text: str, rules: RegisterRules | None = None) -> tuple[str, str]:
    """(key, title) of the one item `text` holds."""
    items = parse(text, rules).items
    assert len(items) == 1, [i.title for i in items]
    return items[0].key, items[0].title


# --- plain field lines ---------------------------------------------------------------------


def test_plain_key_value_lines_are_fields_when_the_key_is_item_vocabulary() -> None:
    text = "# Debt\n\n## Cache\n\nStatus: In progress\nPriority: high\n\n## Notes\n\nNote: x\n"
    register = parse(text)
    [item] = register.items
    assert (item.title, item.status, item.priority) == ("Cache", Status.IN_PROGRESS, Priority.HIGH)
    assert register.field_style == "{name}: {value}"


def test_a_new_field_line_copies_the_documents_field_lines_bullet_and_all() -> None:
    text = "## Cache\n- Status: Open\n- Owner: @a\n\nBody.\n"
    new = set_priority(parse(text), "cache", Priority.LOW)
    assert new == "## Cache\n- Status: Open\n- Owner: @a\n- Priority: Low\n\nBody.\n"
    assert parse(new).items[0].priority is Priority.LOW


def test_a_new_field_takes_the_shape_of_the_items_own_fields_in_a_mixed_document() -> None:
    text = "# T\n\n**Last Updated**: 2026\n\n### A\n- Status: Done\n\n### B\n**Status**: Done\n"
    new = set_priority(parse(text), "a", Priority.CRITICAL)
    assert "### A\n- Status: Done\n- Priority: Critical\n" in new
    assert parse(new).item("a").priority is Priority.CRITICAL


# --- front matter --------------------------------------------------------------------------


def test_front_matter_is_metadata_not_a_heading() -> None:
    text = (
        "---\ntitle: Debt\nstatus: living\n---\n\n"
        "# Debt\n\n**Owner**: @x\n\n## A\n**Status**: Done\n"
    )
    register = parse(text)
    assert [(i.title, i.section, i.status) for i in register.items] == [("A", (), Status.DONE)]
    assert register.render() == text


def test_a_leading_rule_before_a_heading_is_not_front_matter() -> None:
    text = "---\n# Debt\n\n## A\n**Status**: Done\n\n---\n"
    assert [(h.title, h.level) for h in parse(text).headings] == [("Debt", 1), ("A", 2)]


# --- status markers in headings -------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "status", "marker", "written"),
    [
        ("### [WIP] Trace sampling", Status.IN_PROGRESS, "WIP", "### [DONE] Trace sampling"),
        ("### DONE: Trace sampling", Status.DONE, "DONE", "### TODO: Trace sampling"),
        ("### Trace sampling (blocked)", Status.TODO, "blocked", "### Trace sampling (done)"),
        ("### ✅ Trace sampling", Status.DONE, "✅", "### 🔴 Trace sampling"),
        ("### Trace sampling 🚧", Status.IN_PROGRESS, "🚧", "### Trace sampling ✅"),
    ],
)
def test_a_status_marker_in_a_heading_is_read_and_rewritten_in_place(
    heading: str, status: Status, marker: str, written: str
) -> None:
    text = f"{heading}\n**Effort**: 2d\n"
    register = parse(text)
    [item] = register.items
    assert (item.title, item.status, item.raw_status) == ("Trace sampling", status, marker)
    flipped = Status.TODO if status is Status.DONE else Status.DONE
    new = set_status(register, item.key, flipped)
    assert new == f"{written}\n**Effort**: 2d\n"
    assert (parse(new).items[0].title, parse(new).items[0].status) == ("Trace sampling", flipped)


def test_a_status_field_wins_over_a_heading_marker() -> None:
    [item] = parse("### [DONE] Trace sampling\n**Status**: Open\n").items
    assert (item.title, item.status, item.status_in_title) == ("Trace sampling", Status.TODO, False)


def test_a_new_marker_reuses_the_documents_own_marker_of_its_kind() -> None:
    text = "## 🚧 A\n**Effort**: S\n\n## C ✅\n**Effort**: S\n\n## [DONE] D\n**Effort**: S\n"
    register = parse(text)
    assert set_status(register, "c", Status.IN_PROGRESS) == text.replace("C ✅", "C 🚧")
    assert set_status(register, "d", Status.IN_PROGRESS) == text.replace("[DONE]", "[WIP]")


# --- checkbox lines: owners, due dates, comments, strikes ------------------------------------


def test_owners_due_dates_and_comments_end_a_checkbox_line_without_being_its_title() -> None:
    text = "- [ ] Move sessions @marta @li (due 2027-01-10) (P1) <!-- ask first -->\n"
    register = parse(text)
    [item] = register.items
    assert (item.title, item.priority) == ("Move sessions", Priority.HIGH)
    assert [(f.name, f.value) for f in item.fields] == [
        ("Owner", "@marta @li"),
        ("Due", "2027-01-10"),
    ]
    renamed = set_title(register, item.key, "Move all sessions")
    assert renamed == text.replace("Move sessions", "Move all sessions")
    moved = set_field(register, item.key, "Due", "2027-03-01")
    assert moved == text.replace("2027-01-10", "2027-03-01")
    assert set_field(register, item.key, "Due", "") == text.replace(" (due 2027-01-10)", "")


def test_a_priority_tag_joins_a_checkbox_at_the_end_of_its_text() -> None:
    text = "- [ ] ~~Old client~~ dropped @ann\n"
    new = set_priority(parse(text), "old-client", Priority.HIGH)
    assert new == "- [ ] ~~Old client~~ dropped (P1) @ann\n"
    [item] = parse(new).items
    assert (item.title, item.status, item.priority) == ("Old client", Status.DONE, Priority.HIGH)
    assert item.field("Owner") is not None


def test_a_handle_inside_a_title_stays_in_the_title() -> None:
    assert only("- [ ] Upgrade @types/node to 22\n")[1] == "Upgrade @types/node to 22"


def test_a_struck_through_checkbox_is_done_whatever_its_mark() -> None:
    text = "- [ ] ~~Vendor the PDF renderer~~ (moved to the hosted service)\n- [x] ~~Old client~~\n"
    register = parse(text)
    assert [(i.title, i.status) for i in register.items] == [
        ("Vendor the PDF renderer", Status.DONE),
        ("Old client", Status.DONE),
    ]
    vendor, client = (i.key for i in register.items)
    assert set_status(register, client, Status.TODO).endswith("- [ ] Old client\n")
    reopened = set_status(register, vendor, Status.TODO)
    assert reopened.startswith("- [ ] **Vendor the PDF renderer** (moved to the hosted service)\n")
    assert parse(reopened).items[0].title == "Vendor the PDF renderer"
    retitled = set_title(register, client, "Legacy client")
    assert retitled.endswith("- [x] ~~Legacy client~~\n")


def test_a_struck_through_table_title_is_done_and_edited_inside_the_strike() -> None:
    text = "| Item | Owner |\n|---|---|\n| ~~Old deploys~~ | @a |\n"
    register = parse(text)
    [item] = register.items
    assert (item.title, item.status) == ("Old deploys", Status.DONE)
    assert set_title(register, item.key, "Slow deploys") == text.replace("Old", "Slow")
    assert set_status(register, item.key, Status.TODO) == text.replace(
        "~~Old deploys~~", "Old deploys"
    )


# --- vocabulary ------------------------------------------------------------------------------


def test_closed_unfixed_is_done_but_closing_never_writes_it() -> None:
    text = "| Item | Status |\n|---|---|\n| A | Won't fix |\n| B | Open |\n"
    register = parse(text)
    assert [i.status for i in register.items] == [Status.DONE, Status.TODO]
    assert "| B | Done |" in set_status(register, "b", Status.DONE)


@pytest.mark.parametrize(
    ("written", "read", "wanted", "rewritten"),
    [
        ("Sev-2", Priority.HIGH, Priority.CRITICAL, "Sev-1"),
        ("SEV3", Priority.MEDIUM, Priority.LOW, "SEV4"),
        ("P2", Priority.MEDIUM, Priority.LOW, "P3"),
        ("p4", Priority.LOW, Priority.HIGH, "p1"),
        ("High - soon", Priority.HIGH, Priority.LOW, "Low - soon"),
        ("MINOR", Priority.LOW, Priority.MEDIUM, "MEDIUM"),
    ],
)
def test_a_priority_is_rewritten_on_the_scale_it_is_written_in(
    written: str, read: Priority, wanted: Priority, rewritten: str
) -> None:
    text = f"| Item | Severity |\n|---|---|\n| A | {written} |\n"
    register = parse(text)
    assert register.items[0].priority is read
    assert set_priority(register, "a", wanted) == text.replace(written, rewritten)


@pytest.mark.parametrize(
    ("heading", "priority"),
    [
        ("P1 — fix this quarter", Priority.HIGH),
        ("🔴 High: this sprint", Priority.HIGH),
        ("Sev-1 - now", Priority.CRITICAL),
        ("Blockers", Priority.CRITICAL),
        ("Low Priority (Nice to Have)", Priority.LOW),
        ("Low-hanging fruit", None),
        ("Critical path work", None),
        ("Highlights", None),
    ],
)
def test_a_section_names_a_priority(heading: str, priority: Priority | None) -> None:
    assert section_priority(Vocabulary.default(), heading) is priority


@pytest.mark.parametrize(
    ("heading", "status"),
    [
        ("Won't do", Status.DONE),
        ("✅ Shipped", Status.DONE),
        ("Archive", Status.DONE),
        ("In-Progress", Status.IN_PROGRESS),
        ("Completed Major Milestones ✅", None),
    ],
)
def test_a_section_that_is_only_a_state_names_a_status(heading: str, status: Status | None) -> None:
    assert section_status(Vocabulary.default(), heading) is status


def test_configured_words_count_in_fields_and_section_headings() -> None:
    text = (
        "## Hohe Priorität\n\n### A\n**Status**: In Arbeit\n\n"
        "## Erledigt\n\n### B\n**Aufwand**: 1d\n"
    )
    rules = RegisterRules(
        status_words={"in arbeit": Status.IN_PROGRESS, "erledigt": Status.DONE},
        priority_words={"hohe": Priority.HIGH},
        item_fields=("Aufwand",),
    )
    register = parse(text, rules)
    assert [(i.title, i.status, i.priority) for i in register.items] == [
        ("A", Status.IN_PROGRESS, Priority.HIGH),
        ("B", Status.DONE, None),
    ]
    new = set_status(register, "a", Status.TODO)
    assert changed_old_lines(text, new) == {4}
    assert parse(new, rules).item("a").status is Status.TODO
