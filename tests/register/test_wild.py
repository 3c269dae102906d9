"""Registers in styles nobody on the team had seen: each reads as a person reads it, renders
byte for byte, and takes any status change on its own item's lines only.

`tests/data/wild/expected/NAME.json` was written by hand from the Markdown, not from the
parser's output; `NAME.rules.json` is the configuration a register needs, if any.
"""

from __future__ import annotations

from syncer.cli import item_json
from syncer.model import Status
from syncer.register import parse

from .conftest import WILD, read_wild
from .helpers import assert_status_flips_are_local, expected_items, item_rows


def test_items_are_the_ones_a_reader_sees(wild_name: str) -> None:
    text, rules = read_wild(wild_name)
    got = item_rows([item_json(item) for item in parse(text, rules).items])
    assert got == expected_items(WILD / wild_name)


def test_render_is_byte_exact(wild_name: str) -> None:
    text, rules = read_wild(wild_name)
    assert parse(text, rules).render() == text


def test_keys_are_unique(wild_name: str) -> None:
    text, rules = read_wild(wild_name)
    keys = [item.key for item in parse(text, rules).items]
    assert len(keys) == len(set(keys))


def test_flipping_any_status_changes_only_that_item(wild_name: str) -> None:
    text, rules = read_wild(wild_name)
    assert_status_flips_are_local(text, rules)


def test_a_german_register_reads_with_the_shipped_words_as_with_its_own() -> None:
    text, rules = read_wild("german-rules.md")
    assert rules is not None
    configured = parse(text, rules)
    assert [i.status for i in configured.items if i.kind == "heading"] == [
        Status.IN_PROGRESS,
        Status.TODO,
        Status.DONE,
        Status.DONE,
    ]
    unconfigured = parse(text)
    assert [(i.status, i.priority) for i in unconfigured.items] == [
        (i.status, i.priority) for i in configured.items
    ]
