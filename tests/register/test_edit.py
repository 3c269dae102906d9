"""Edits follow the document's own conventions and touch only what they change."""

from __future__ import annotations

import pytest

from syncer.model import Priority, Status
from syncer.register import (
    EditError,
    NewItem,
    add_item,
    add_item_edits,
    add_link,
    apply,
    body_edits,
    link_edits,
    links_edits,
    parse,
    remove_item,
    remove_link,
    set_body,
    set_field,
    set_priority,
    set_status,
    set_title,
    status_edits,
    title_edits,
)

from .conftest import read_seed
from .helpers import changed_old_lines, lines_of, summary

CP1252 = "debt-register-mojibake-cp1252.md"
MACROMAN = "debt-tracker-mojibake-macroman.md"


def by_title(text: str, title: str) -> str:
    return next(i.key for i in parse(text).items if i.title == title)


def test_done_in_the_damaged_seed_is_written_with_its_own_damaged_phrase() -> None:
    text = read_seed(CP1252)
    new = set_status(parse(text), by_title(text, "Distributed Tracing"), Status.DONE)
    assert "**Status**: ðŸŸ¢ COMPLETE âœ…".replace("ð", "ğ") in lines_of(new)[207].rstrip("\n")
    assert parse(new).item(by_title(text, "Distributed Tracing")).status is Status.DONE


def test_mac_roman_damage_stays_consistent_after_edits() -> None:
    text = read_seed(MACROMAN)
    register = parse(text)
    key = by_title(text, "Observability")
    edited = set_status(register, key, Status.DONE)
    edited = set_title(parse(edited), key, "Observability → OpenTelemetry ✨")
    restored = edited.encode("mac_roman").decode("utf-8")
    assert "### 6. Observability → OpenTelemetry ✨ (P2)" in restored
    after = parse(edited)
    item = next(i for i in after.items if i.line == 121)
    assert (item.title, item.status) == ("Observability → OpenTelemetry ✨", Status.DONE)


def test_field_style_colon_inside_the_bold_is_kept() -> None:
    text = read_seed("tech-debt-followups.md")
    key = by_title(text, "Test coverage")
    new = set_status(parse(text), key, Status.IN_PROGRESS)
    assert "**Status:** In Progress" in new
    assert parse(new).item(key).status is Status.IN_PROGRESS


def test_crlf_line_endings_survive_inserted_lines() -> None:
    text = read_seed("active-work.md").replace("\n", "\r\n")
    register = parse(text)
    assert register.render() == text
    key = by_title(text, "API Testing Infrastructure")
    new = add_link(register, key, "org/repo#7", "https://github.com/org/repo/issues/7")
    assert "\n" not in new.replace("\r\n", "")
    assert parse(new).item(key).links[0].url == "https://github.com/org/repo/issues/7"


def test_visible_and_hidden_links_read_back_and_are_not_added_twice() -> None:
    text = read_seed("todo-checklists.md")
    register = parse(text)
    key = by_title(text, "Heatmap caching")
    url = "https://gitlab.com/g/p/-/issues/3"
    new = add_link(register, key, "g/p#3", url)
    assert add_link(parse(new), key, "g/p#3", url) == new
    item = parse(new).item(key)
    assert item.title == "Heatmap caching" and [link.url for link in item.links] == [url]
    hidden = add_link(register, key, "DEBT-4", "https://jira.example.com/browse/DEBT-4", True)
    assert "<!-- syncer: DEBT-4 https://jira.example.com/browse/DEBT-4 -->" in hidden
    assert parse(hidden).item(key).links[0].hidden


TWO_LINKS = [
    ("o/r#9", "https://github.com/o/r/issues/9"),
    ("DEBT-4", "https://jira.example.com/browse/DEBT-4"),
]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        (
            "# Debt\n\n### Slow build\n**Status**: Todo\n",
            "**Status**: Todo\n**Tracked in**: [o/r#9](https://github.com/o/r/issues/9), "
            "[DEBT-4](https://jira.example.com/browse/DEBT-4)\n",
        ),
        (
            "# Debt\n\n- [ ] Slow build\n",
            "- [ ] Slow build [o/r#9](https://github.com/o/r/issues/9) "
            "[DEBT-4](https://jira.example.com/browse/DEBT-4)\n",
        ),
    ],
)
def test_links_to_two_trackers_written_at_once_share_one_place(text: str, written: str) -> None:
    register = parse(text)
    key = register.items[0].key
    new = apply(text, links_edits(register, key, TWO_LINKS))
    assert new.endswith(written)
    assert [link.url for link in parse(new).item(key).links] == [url for _, url in TWO_LINKS]
    assert links_edits(parse(new), key, TWO_LINKS) == [], "links already there are skipped"


def test_owners_ending_a_checkbox_line_are_written_as_handles() -> None:
    text = "# D\n\n- [ ] Slow build @dana @lee (due 2027-01-10)\n"
    register = parse(text)
    key = register.items[0].key
    new = set_field(register, key, "Owner", "@kim, @lee")
    assert new.endswith("- [ ] Slow build @kim @lee (due 2027-01-10)\n")
    item = parse(new).item(key)
    assert (item.title, item.field("Owner").value) == ("Slow build", "@kim @lee")  # type: ignore[union-attr]
    with pytest.raises(EditError, match="@handles"):
        set_field(register, key, "Owner", "Lee Park")


def test_link_in_a_table_title_cell_keeps_the_title() -> None:
    text = read_seed("tech-debt-followups.md")
    key = by_title(text, "Webhook sink")
    new = add_link(parse(text), key, "o/r#9", "https://github.com/o/r/issues/9")
    assert "| Webhook sink [o/r#9](https://github.com/o/r/issues/9) | Same |" in new
    assert parse(new).item(key).title == "Webhook sink"


def test_new_heading_item_follows_numbering_tags_and_separators() -> None:
    text = read_seed(MACROMAN)
    new = add_item(parse(text), NewItem("Rate limiting", priority=Priority.MEDIUM))
    restored = new.encode("mac_roman").decode("utf-8")
    assert "---\n\n### 10. Rate limiting (P2)\n**Status**: ❌ Not Implemented\n" in restored
    added = next(i for i in parse(new).items if i.title == "Rate limiting")
    assert (added.priority, added.status, added.section) == (
        Priority.MEDIUM,
        Status.TODO,
        ("🟡 Medium Priorities",),
    )


def test_new_checkbox_item_lands_in_its_priority_section_in_its_neighbours_shape() -> None:
    text = read_seed("todo-checklists.md")
    new = add_item(parse(text), NewItem("Cache warmup", priority=Priority.LOW, body="Warm it."))
    added = next(i for i in parse(new).items if i.title == "Cache warmup")
    assert added.priority is Priority.LOW and added.body == "Warm it."
    assert "- [ ] **Cache warmup**\n  Warm it.\n" in new
    done = add_item(parse(text), NewItem("Shipped thing", status=Status.DONE))
    shipped = next(i for i in parse(done).items if i.title == "Shipped thing")
    assert shipped.section == ("Completed",) and shipped.status is Status.DONE


def test_new_table_row_fills_status_and_priority_columns() -> None:
    text = read_seed("tech-debt-followups.md")
    new = add_item(
        parse(text), NewItem("Flaky retry", priority=Priority.LOW, section="Minor TODOs in code")
    )
    row = next(i for i in parse(new).items if i.title == "Flaky retry")
    assert (row.kind.value, row.priority) == ("table_row", Priority.LOW)
    assert "| Workspace config fetch from DB | Low |\n|  | Flaky retry | Low |\n" in new


def test_remove_item_leaves_no_double_separator() -> None:
    text = read_seed(CP1252)
    register = parse(text)
    key = by_title(text, "APScheduler → Celery Migration")
    new = remove_item(register, key)
    assert "---\n\n---" not in new.replace("\r", "")
    after = parse(new)
    assert [summary(i) for i in after.items] == [summary(i) for i in register.items if i.key != key]


def test_set_body_of_a_heading_item_keeps_its_fields() -> None:
    text = read_seed("tech-debt-followups.md")
    key = by_title(text, "Connection resilience")
    new = set_body(parse(text), key, "Circuit breakers.\n\n- one\n- two")
    item = parse(new).item(key)
    assert item.body == "Circuit breakers.\n\n- one\n- two"
    assert item.status is Status.DONE
    assert changed_old_lines(text, new) <= set(range(item.span[0], 40))


def test_set_body_of_a_checkbox_item_rewrites_summary_and_nested_lines() -> None:
    text = read_seed("todo-checklists.md")
    key = by_title(text, "GraphQL API")
    new = set_body(parse(text), key, "Alternative to REST, maybe.\n\n- Only reads")
    item = parse(new).item(key)
    assert item.body == "Alternative to REST, maybe.\n\n- Only reads"
    assert "- [ ] **GraphQL API** - Alternative to REST, maybe.\n  - Only reads\n" in new


def test_set_title_priority_and_field() -> None:
    text = read_seed("active-work.md")
    register = parse(text)
    key = by_title(text, "Drizzle Adapter Typing")
    retitled = set_title(register, key, "Drizzle typing")
    assert "#### Drizzle typing\n" in retitled
    reprioritized = set_priority(register, key, Priority.HIGH)
    assert "**Priority**: High - fix when touching adapter-drizzle next" in reprioritized
    assert parse(reprioritized).item(key).priority is Priority.HIGH
    refielded = set_field(register, key, "Impact", "None at all")
    assert parse(refielded).item(key).field("Impact").value == "None at all"  # type: ignore[union-attr]


def test_unrepresentable_edits_are_refused() -> None:
    text = read_seed("tech-debt-followups.md")
    register = parse(text)
    row = by_title(text, "Webhook sink")
    with pytest.raises(EditError):
        set_body(register, row, "anything")
    with pytest.raises(EditError):
        set_priority(register, row, Priority.HIGH)
    with pytest.raises(EditError):
        set_title(register, row, "  ")


def test_table_row_without_status_column_is_done_when_struck() -> None:
    text = read_seed("tech-debt-followups.md")
    key = by_title(text, "Webhook sink")
    done = set_status(parse(text), key, Status.DONE)
    assert "| ~~Webhook sink~~ | Same |" in done
    assert parse(done).item(key).status is Status.DONE
    assert set_status(parse(done), key, Status.TODO) == text


def test_batched_edits_on_one_parse_apply_together() -> None:
    text = read_seed("todo-checklists.md")
    register = parse(text)
    a, b = register.items[0].key, register.items[1].key
    splices = [
        *status_edits(register, a, Status.DONE),
        *link_edits(register, a, "o/r#1", "https://github.com/o/r/issues/1"),
        *title_edits(register, b, "Validate requests"),
    ]
    after = parse(apply(text, splices))
    assert after.items[0].status is Status.DONE and after.items[0].links
    assert after.items[1].title == "Validate requests"
    with pytest.raises(EditError):
        apply(text, [*title_edits(register, a, "x"), *title_edits(register, a, "y")])


@pytest.mark.parametrize(
    ("seed", "title"),
    [
        ("active-work.md", "API Testing Infrastructure"),
        ("todo-checklists.md", "Heatmap caching"),
        ("tech-debt-followups.md", "Webhook sink"),
    ],
)
@pytest.mark.parametrize("hidden", [False, True])
def test_removing_a_link_restores_the_text(seed: str, title: str, hidden: bool) -> None:
    text = read_seed(seed)
    key = by_title(text, title)
    url = "https://github.com/o/r/issues/5"
    linked = add_link(parse(text), key, "o/r#5", url, hidden)
    assert remove_link(parse(linked), key, url) == text


def test_removing_one_of_two_links_keeps_the_other() -> None:
    text = read_seed("active-work.md")
    key = by_title(text, "Locking Mechanism")
    one = add_link(parse(text), key, "o/r#5", "https://github.com/o/r/issues/5")
    two = add_link(parse(one), key, "DEBT-3", "https://jira.example.com/browse/DEBT-3")
    assert "**Tracked in**: [o/r#5](https://github.com/o/r/issues/5), [DEBT-3](" in two
    assert remove_link(parse(two), key, "https://jira.example.com/browse/DEBT-3") == one


def test_a_body_and_a_new_item_after_the_same_item_stay_in_order() -> None:
    text = "# Debt\n\n## High Priority\n\n### Cache q1\n**Status**: Todo\n"
    register = parse(text)
    key = register.items[0].key
    new = apply(
        text,
        [
            *add_item_edits(register, NewItem("Vendor the codec", priority=Priority.HIGH)),
            *body_edits(register, key, "It is slow."),
        ],
    )
    first, second = parse(new).items
    assert (first.title, first.body) == ("Cache q1", "It is slow.")
    assert (second.title, second.body) == ("Vendor the codec", "")


def test_a_body_fence_that_closes_alone_but_not_after_field_bullets_is_escaped() -> None:
    """Hypothesis found it: `  ```` then ```` ``` ```` closes alone, but after `- **Owner**: …`
    bullets the indented line joins the list and the second one opens a fence nothing closes,
    which swallowed every item after it."""
    text = "# Debt\n### One\n- **Status**: Open\n- **Owner**: dana\n### Two\n- **Status**: Done\n"
    register = parse(text)
    after = parse(set_body(register, "one", "  ```\n```"))
    assert [i.title for i in after.items] == ["One", "Two"]
    assert after.item("one").body == "  ```\n```"
