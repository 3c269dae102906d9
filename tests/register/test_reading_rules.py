"""The general rules that find the items people actually write (issue 8), each on a small
register in the shape it reads: headings alike their siblings, fields and statuses in other
languages, the file as the list, tables in any language, and what holds no item."""

from __future__ import annotations

from syncer.model import Status
from syncer.register import (
    ItemKind,
    NewItem,
    RegisterRules,
    add_item,
    parse,
    set_body,
    set_status,
)

from .helpers import assert_status_flips_are_local


def rows(text: str, rules: RegisterRules | None = None) -> list[tuple[int, str, str]]:
    """(line, kind, status) of every item read."""
    return [(i.line, i.kind.value, i.status.value) for i in parse(text, rules).items]


# --- heading items ----------------------------------------------------------------------------


def test_status_fields_in_other_languages_make_heading_items() -> None:
    text = (
        "# Pendientes\n\n## Alta\n\n### 1. Proteger endpoints\n**Estado:** ⬜ Pendiente\n\n"
        "- [ ] Crear decorator\n- [x] Tests\n\n## Hecho\n\n### ✓ Validaciones\n"
        "**Estado:** ✅ Completado\n\n### Кэш\n**Статус**: в работе\n\n### 缓存\n**状态**: 已完成\n"
    )
    assert rows(text) == [
        (5, "heading", "todo"),
        (13, "heading", "done"),
        (16, "heading", "in_progress"),
        (19, "heading", "done"),
    ]
    assert_status_flips_are_local(text)


def test_checkboxes_under_a_heading_item_are_its_sub_tasks() -> None:
    text = "# Debt\n\n### Cache\n**Estado:** Pendiente\n\n- [ ] one\n- [x] two\n"
    [item] = parse(text).items
    assert item.kind is ItemKind.HEADING and "- [x] two" in item.body


def test_sibling_headings_with_ids_are_items_and_their_group_is_not() -> None:
    text = (
        "# Debt\n\n## Deferred\n\n### TD-001: Dashboard\n\nSome words.\n\n"
        "### TD-002: Metrics\n\nMore words.\n\n## Known issues\n\n### KI-001: Flaky tests\n\nWhy.\n"
    )
    assert rows(text) == [(5, "heading", "todo"), (9, "heading", "todo"), (15, "heading", "todo")]


def test_an_id_that_is_a_priority_is_a_group() -> None:
    text = "# Debt\n\n## P3 — when convenient\n\nLater.\n\n## P1: soon\n\nSoon.\n"
    assert rows(text) == []


def test_bold_label_bullets_in_any_language_make_siblings_items() -> None:
    text = (
        "# Debito\n\n## Login\n\n### Migrare il login\n- **Priorità:** media\n- **Contesto:** x\n\n"
        "### Logout mancante\n- **Contesto:** y\n- **Cosa fare:** z\n"
    )
    assert rows(text) == [(5, "heading", "todo"), (9, "heading", "todo")]


def test_prose_siblings_under_a_group_heading_are_items_and_the_group_says_the_state() -> None:
    text = (
        "# Deuda\n\n## Bugs vigentes\n\n### Filas ilegibles\n`css`. Fondo claro.\n\n"
        "### Contador roto\nApunta a IDs.\n\n## Resueltos\n\n### Modal no cierra\nCorregido.\n\n"
        "### XSS\nEscapado.\n"
    )
    assert rows(text) == [
        (5, "heading", "todo"),
        (8, "heading", "todo"),
        (13, "heading", "done"),
        (16, "heading", "done"),
    ]


def test_one_prose_section_among_list_sections_is_an_explanation() -> None:
    text = "# ToDos\n\n## Delta\n\n### How sums work\nThe table below.\n\n### Other\n- a\n- b\n"
    assert rows(text) == [(9, "bullet", "todo"), (10, "bullet", "todo")]


def test_struck_headings_with_a_status_suffix_are_done_items() -> None:
    text = (
        "# Debt\n\n## ~~ESLint upgrade~~ (resolved)\n\nDone.\n\n"
        "## ~~Jest shims~~ (resolved)\n\nGone.\n"
    )
    assert rows(text) == [(3, "heading", "done"), (7, "heading", "done")]
    assert_status_flips_are_local(text)


def test_headings_sharing_sub_headings_are_items_with_sections() -> None:
    text = (
        "# Dette\n\n## Migration\n\n### État actuel\n- legacy\n\n### Objectifs\n- migrer\n\n"
        "## Nettoyage\n\n### État actuel\n- jQuery\n\n### Objectifs\n- Vite\n\n"
        "## Suivi\n\n- revue\n"
    )
    assert rows(text) == [(3, "heading", "todo"), (11, "heading", "todo")]


def test_definition_lists_deep_in_an_explanation_make_no_item() -> None:
    text = (
        "# Notes\n\n## Delta\n\n### Sums explained\n\n**Table:**\n\nThe table below.\n\n"
        "Columns:\n\n- **state**: the value\n- **sum**: the total\n"
    )
    assert rows(text) == []


def test_a_field_listing_its_choices_is_a_legend() -> None:
    text = (
        "# Register\n\n## Legend\n\n- Status: `open` | `done`\n\n"
        "| ID | Task | Status |\n|--|--|--|\n| 1 | A | done |\n"
    )
    assert rows(text) == [(9, "table_row", "done")]


def test_templates_in_fences_and_comments_hold_no_items() -> None:
    text = (
        "# Debt\n\n<!--\n### TD-9: Example\n**Status**: Open\n-->\n\n## Format\n\n"
        "```markdown\n### TD-XXX: Title\n**Status**: Open\n```\n"
    )
    assert rows(text) == []


# --- the file is the register ----------------------------------------------------------------


def test_with_no_structured_items_top_level_entries_are_the_items() -> None:
    text = (
        "Tech Debt\n=========\n\n  - Local storage\n    - nested note\n  - Credentials\n\n"
        "1. Numbered\n"
    )
    register = parse(text)
    assert rows(text) == [(4, "bullet", "todo"), (6, "bullet", "todo"), (8, "bullet", "todo")]
    assert register.items[0].body == "- nested note"


def test_an_introduction_does_not_make_a_list_an_essay() -> None:
    text = "# TODO\n\nThings still to do,\nin no order,\nas they come.\n\n- one\n- two\n"
    assert rows(text) == [(7, "bullet", "todo"), (8, "bullet", "todo")]


def test_entries_are_not_items_beside_structured_items() -> None:
    text = "# TODO\n\n- [ ] a task\n\n## Notes\n\n- a plain bullet\n"
    assert rows(text) == [(3, "checkbox", "todo")]


def test_labels_definitions_links_essays_questions_and_meta_sections_hold_no_items() -> None:
    text = (
        "# Advice\n\n## Contents\n\n- [Tips](#tips)\n\n## Tips\n\n- Prioritize:\n  - Impact\n"
        "- **term**: meaning\n\n## Essay\n\nAn introduction.\n\n1. a principle\n\n"
        "Long prose here,\nand more.\n\n"
        "## Open Questions\n\n- Why?\n- How?\n\n## Asked\n\n- Is it fast?\n- Does it scale?\n"
    )
    assert rows(text) == []


def test_entry_status_from_tags_leads_trails_and_strikes() -> None:
    text = (
        "# Debt\n\n## Arquitectura\n- [SOLUCIONADO] **Roles:** hecho\n"
        "- [PENDIENTE] **API:** prefijos\n"
        "- OK Clean up tests\n- Refactoring in progress\n- Add docs (blocked)\n"
        "- <del>Convert tests</del>\n- ~~Drop IE~~\n- Write more tests\n"
    )
    assert rows(text) == [
        (4, "bullet", "done"),
        (5, "bullet", "todo"),
        (6, "bullet", "done"),
        (7, "bullet", "in_progress"),
        (8, "bullet", "todo"),
        (9, "bullet", "done"),
        (10, "bullet", "done"),
        (11, "bullet", "todo"),
    ]
    assert_status_flips_are_local(text)


def test_bare_box_lines_are_tasks_and_a_cancelled_box_is_done() -> None:
    text = (
        "# To do\n\n[ ] Have an interface\n[x] Write a HOWTO for\n   continuous integration\n\n"
        "- [-] dropped\n"
    )
    register = parse(text)
    assert rows(text) == [(3, "checkbox", "todo"), (4, "checkbox", "done"), (7, "checkbox", "done")]
    assert register.items[1].span == (4, 5)
    assert_status_flips_are_local(text)


def test_a_lone_none_entry_or_placeholder_rows_mean_an_empty_register() -> None:
    assert rows("# Todo\n\n## Contents\n\n- [List](#list)\n\n## List\n\n- [ ] 📝🟡✅ NONE.\n") == []
    text = "# Debt\n\n| ID | Title |\n|--|--|\n| - | No critical debt |\n\n- guidance\n"
    assert rows(text) == []


# --- tables -----------------------------------------------------------------------------------


def test_tables_in_other_languages_and_description_columns_beside_ids() -> None:
    text = (
        "# 技术债\n\n## 活跃\n\n| 问题 | 优先级 | 状态 |\n|--|--|--|\n| 缓存 | 高 | 进行中 |\n\n"
        "## 已解决\n\n| # | 描述 | 日期 |\n|--|--|--|\n| 1 | 重复定义 | 2026-06-14 |\n\n"
        "## 类型\n\n| 类型 | 描述 |\n|--|--|\n| perf | 性能 |\n"
    )
    assert rows(text) == [(7, "table_row", "in_progress"), (13, "table_row", "done")]


def test_a_summary_table_in_any_script_restating_heading_items_is_a_view() -> None:
    text = (
        "# Баги\n\n## Список\n\n| ID | Краткое описание |\n|--|--|\n"
        "| BUG-001 | Расхождение формата |\n\n"
        "## BUG-001: Расхождение формата запроса\n\n**Статус:** Открыт\n"
    )
    assert rows(text) == [(9, "heading", "todo")]


# --- status words ------------------------------------------------------------------------------


def test_the_documents_legend_says_what_its_emoji_mean() -> None:
    table = "| Item | Status |\n|--|--|\n| A | ⏳ |\n"
    assert rows("# Debt\n\n" + table) == [(5, "table_row", "todo")]
    legend = "# Debt\n\nLegend: ✅ done · ⏳ in review\n\n" + table
    assert rows(legend) == [(7, "table_row", "in_progress")]


def test_configured_words_still_read_a_language_not_shipped() -> None:
    text = "# Schuld\n\n### Cache\n**Status**: klaar\n"
    assert rows(text) == [(3, "heading", "todo")]
    rules = RegisterRules(status_words={"klaar": Status.DONE})
    assert rows(text, rules) == [(3, "heading", "done")]


def test_a_summary_list_restating_items_in_other_word_forms_is_a_view() -> None:
    text = (
        "# Pendientes\n\n## Resumen\n\n| Tarea | Prioridad |\n|--|--|\n"
        "| Proteger endpoints del backend | Alta |\n\n"
        "## Alta\n\n### Protección de Endpoints del Backend\n**Estado:** Pendiente\n"
    )
    assert rows(text) == [(11, "heading", "todo")]


def test_a_row_written_with_dashes_reads_back_as_a_row() -> None:
    text = "# Debt\n\n| Item | Owner |\n|--|--|\n| Cache | ann |\n"
    register = parse(text)
    added = add_item(register, NewItem(title="-", fields={"Owner": "-"}, section=None))
    assert [(i.title, i.kind.value) for i in parse(added).items] == [
        ("Cache", "table_row"),
        ("-", "table_row"),
    ]


def test_a_bold_label_titles_an_entry_and_the_rest_is_its_body() -> None:
    text = "# Debt\n\n- [PENDIENTE] **Versionado de API:** usar `/api/v1/`\n  - con tests\n"
    [item] = parse(text).items
    assert (item.title, item.body) == ("Versionado de API", "usar `/api/v1/`\n\n- con tests")


def test_entries_take_bodies_and_new_items_in_their_own_shape() -> None:
    text = "# TODO\n\n* Add Storybook\n* Add stories\n"
    register = parse(text)
    with_body = parse(set_body(register, "add-storybook", "One per component."))
    assert with_body.item("add-storybook").body == "One per component."
    added = parse(add_item(register, NewItem(title="Infer types", status=Status.DONE)))
    assert [(i.title, i.kind.value, i.status.value) for i in added.items] == [
        ("Add Storybook", "bullet", "todo"),
        ("Add stories", "bullet", "todo"),
        ("Infer types", "bullet", "done"),
    ]


def test_a_struck_heading_is_done_and_reopens_with_a_status_field() -> None:
    text = "# Debt\n\n## Area\n\n### ~~Old cache~~\nGone.\n\n### New cache\nSoon.\n"
    assert rows(text) == [(5, "heading", "done"), (8, "heading", "todo")]
    assert parse(text).items[0].title == "Old cache"
    assert_status_flips_are_local(text)


def test_a_section_titled_as_a_list_of_work_holds_items_beside_structured_ones() -> None:
    text = (
        "# Project\n\n| Task | Status |\n|--|--|\n| Cache | done |\n\n"
        "## 📝 Pendientes\n\n- Migrar la base\n- [WIP] Logs\n\n## Notes\n\n- a note\n"
    )
    assert rows(text) == [
        (5, "table_row", "done"),
        (9, "bullet", "todo"),
        (10, "bullet", "in_progress"),
    ]


def test_a_row_done_by_its_section_reopens_with_a_tag_after_its_title() -> None:
    text = (
        "# Debt\n\n## Resolved\n\n| # | Description | Date |\n|--|--|--|\n"
        "| 1 | Fake reuse | 06-14 |\n"
    )
    register = parse(text)
    assert rows(text) == [(7, "table_row", "done")]
    reopened = set_status(register, "fake-reuse", "todo")
    assert reopened.splitlines()[6] == "| 1 | Fake reuse (todo) | 06-14 |"
    again = parse(reopened)
    assert [(i.title, i.status.value) for i in again.items] == [("Fake reuse", "todo")]
    assert (
        set_status(again, "fake-reuse", "done").splitlines()[6]
        == "| 1 | Fake reuse (done) | 06-14 |"
    )
    assert_status_flips_are_local(text)
