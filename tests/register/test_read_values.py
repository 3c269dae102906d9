"""What `parse` hands out: values nobody can change in place, keys from titles, and a heading
item's fields each read for the one thing they say."""

from __future__ import annotations

import pytest

from syncer.model import Priority, Status
from syncer.register import parse
from syncer.register.vocabulary import LINK_KEYS, PRIORITY_KEYS, STATUS_KEYS

REGISTER = """# Tech debt

## Backend

### 1. API Versioning
**Status**: In progress
**Priority**: High
**Tracked in**: [acme/api#12](https://github.com/acme/api/issues/12)
**Effort**: Medium

The v1 routes still answer without a version prefix.

## Small things

- [ ] Drop the legacy session cookie (P1) @ann
- [ ] Drop the legacy session cookie

| Location | Issue | Priority |
|----------|-------|----------|
| `api/routes.py` | Routes without a version | Low |
"""


def test_the_values_read_cannot_be_changed_in_place() -> None:
    register = parse(REGISTER)
    item = register.items[0]
    with pytest.raises(AttributeError):
        item.title = "Something else"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        item.fields[0].value = "Done"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        register.headings[0].title = "Renamed"  # type: ignore[misc]
    assert parse(REGISTER).items[0] == item


def test_a_heading_items_fields_each_say_one_thing() -> None:
    """Status, priority and tracker link come from their own field lines; every field is
    listed, and the body is what follows them."""
    item = parse(REGISTER).items[0]
    assert (item.title, item.status, item.priority) == (
        "API Versioning",
        Status.IN_PROGRESS,
        Priority.HIGH,
    )
    assert [link.text for link in item.links] == ["acme/api#12"]
    assert [f.name for f in item.fields] == ["Status", "Priority", "Tracked in", "Effort"]
    assert item.body == "The v1 routes still answer without a version prefix."


def test_a_field_name_is_of_one_kind_only() -> None:
    """The heading reader sorts each field into status, priority or link by its name: a name
    in two of the vocabularies would be read as only one of them."""
    assert not STATUS_KEYS & PRIORITY_KEYS
    assert not STATUS_KEYS & LINK_KEYS
    assert not PRIORITY_KEYS & LINK_KEYS


def test_same_titles_get_keys_told_apart_and_others_keep_their_titles_key() -> None:
    items = parse(REGISTER).items
    keys = [item.key for item in items]
    assert keys == [
        "api-versioning",
        "small-things/drop-the-legacy-session-cookie",
        "small-things/drop-the-legacy-session-cookie-2",
        "routes-without-a-version",
    ]
    unique = parse("# TODO\n\n- [ ] Fix the cache!\n- [ ] Über-cache (P2)\n- [ ] ???\n").items
    assert [item.key for item in unique] == ["fix-the-cache", "ber-cache", "item"]


def test_tables_with_one_header_each_read_their_own_section() -> None:
    """Tables under the same header row are read alike, each in its own section."""
    text = (
        "# Debt\n\n## High priority\n\n| Task | Owner |\n|---|---|\n| Split the monolith | ann |\n"
        "\n## Done\n\n| Task | Owner |\n|---|---|\n| Drop Python 3.9 | bo |\n| Pin the CI image |\n"
    )
    items = parse(text).items
    assert [(i.title, i.section, i.priority, i.status) for i in items] == [
        ("Split the monolith", ("High priority",), Priority.HIGH, Status.TODO),
        ("Drop Python 3.9", ("Done",), None, Status.DONE),
        ("Pin the CI image", ("Done",), None, Status.DONE),
    ]
    assert [[(f.name, f.value) for f in i.fields] for i in items] == [
        [("Owner", "ann")],
        [("Owner", "bo")],
        [],
    ]
