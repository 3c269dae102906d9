"""A Jira screen without priority or due date (issue 9): the rest of the write goes through,
the cycle says once what Jira did not take, and the next cycle asks nothing again."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from syncer.fakes.jira import FakeJira, Screens

from .conftest import World

REGISTER = """# Tech debt

## Backend

### Slow build
**Status**: Todo
**Priority**: High
**Target Date**: 2030-01-15
"""


@pytest.fixture
def narrow_jira() -> Iterator[FakeJira]:
    screens = Screens.default("server").without("priority", "duedate")
    with FakeJira(screens=screens) as fake:
        yield fake


def writes(fake: FakeJira) -> int:
    return sum(1 for r in fake.server.requests if r.method in ("POST", "PUT"))


def test_values_off_the_screen_are_noted_once_and_not_asked_again(
    world_factory: Callable[..., World], narrow_jira: FakeJira
) -> None:
    world = world_factory("active-work.md", jira=("jira", narrow_jira))
    world.write(REGISTER)
    first = world.reconcile()
    assert not first.errors, first.errors
    [note] = [note for note in first.notes if "did not take" in note]
    assert "priority high" in note and "due date 2030-01-15" in note
    assert first.counts["values_dropped"] == 2

    made = writes(narrow_jira)
    second = world.reconcile()
    assert writes(narrow_jira) == made, "nothing is sent again"
    assert not [note for note in second.notes if "did not take" in note]
