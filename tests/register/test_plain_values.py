"""Every public edit takes a status or priority as its plain string too: `Status` and
`Priority` are `str` enums, and a caller writing `"done"` must get what `Status.DONE` gets."""

from __future__ import annotations

import pytest

from syncer.model import Priority, Status
from syncer.register import (
    NewItem,
    add_item,
    parse,
    priority_edits,
    set_priority,
    set_status,
    status_edits,
)

CHECKBOXES = "# TODO\n\n- [ ] Add rate limiting\n- [x] Drop Python 3.9\n"
HEADINGS = "# Debt\n\n### 1. API Versioning\n**Status**: Open\n**Priority**: Low\n"


@pytest.mark.parametrize(("plain", "index"), [("done", 0), ("todo", 1)])
def test_a_plain_status_edits_a_checkbox_as_the_enum_does(plain: str, index: int) -> None:
    register = parse(CHECKBOXES)
    key = register.items[index].key
    assert set_status(register, key, plain) == set_status(register, key, Status(plain))
    assert parse(set_status(register, key, plain)).item(key).status is Status(plain)


def test_a_plain_status_edits_a_heading_item_as_the_enum_does() -> None:
    register = parse(HEADINGS)
    key = register.items[0].key
    edited = set_status(register, key, "in_progress")
    assert edited == set_status(register, key, Status.IN_PROGRESS) != HEADINGS


def test_a_plain_status_on_an_item_already_there_changes_nothing() -> None:
    register = parse(CHECKBOXES)
    assert status_edits(register, register.items[1].key, "done") == []


def test_a_plain_priority_edits_as_the_enum_does() -> None:
    register = parse(HEADINGS)
    key = register.items[0].key
    assert set_priority(register, key, "high") == set_priority(register, key, Priority.HIGH)
    assert priority_edits(register, key, "low") == []


def test_a_new_item_takes_plain_status_and_priority() -> None:
    register = parse(HEADINGS)
    plain = add_item(register, NewItem("Caching", status="done", priority="high"))  # type: ignore[arg-type]
    enum = add_item(register, NewItem("Caching", status=Status.DONE, priority=Priority.HIGH))
    assert plain == enum


def test_an_unknown_status_word_is_a_clear_edit_error() -> None:
    register = parse(CHECKBOXES)
    with pytest.raises(
        ValueError, match="'finished' is not a status: use todo, in_progress or done"
    ):
        set_status(register, register.items[0].key, "finished")
