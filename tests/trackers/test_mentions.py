"""`@mentions` in bodies: quoted on GitHub and GitLab so nobody is notified, and read back as
the register wrote them, exactly, so the engine never sees a change."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.model import IssueChange, IssueDraft
from syncer.trackers.base import FieldMapping, Mentions, RetryPolicy, Tracker
from syncer.trackers.github import GitHubTracker
from syncer.trackers.gitlab import GitLabTracker
from syncer.trackers.mentions import JOINER, render_mentions, restore_mentions
from tests.trackers.helpers import create_one

REGISTER_BODY = (
    "@dana will split this; ask @lee-k or @ops.team (cc: @all).\n"
    "\n"
    "Mail ops@example.com, see https://social.example/@sam and [her](https://x.example/@d).\n"
    "\n"
    "```python\n"
    "@dataclass\n"
    "class Slow: ...\n"
    "```\n"
    "\n"
    "Decorate with `@cache` first."
)
HANDLES = ("@dana", "@lee-k", "@ops.team", "@all")
UNTOUCHED = ("ops@example.com", "/@sam and", "/@d)", "@dataclass", "`@cache`")


# --- the mapping, pure ------------------------------------------------------------------------


def test_quoting_silences_every_handle_and_leaves_code_links_and_addresses_alone() -> None:
    quoted = render_mentions(REGISTER_BODY, "quote")
    for handle in HANDLES:
        assert handle not in quoted
        assert handle.replace("@", f"@{JOINER}") in quoted
    for text in UNTOUCHED:
        assert text in quoted
    assert restore_mentions(quoted) == REGISTER_BODY


def test_keep_writes_mentions_as_they_are() -> None:
    assert render_mentions(REGISTER_BODY, "keep") == REGISTER_BODY


def test_a_joiner_already_after_an_at_sign_survives_the_round_trip() -> None:
    text = f"odd @{JOINER}dana and @{JOINER}{JOINER}x"
    for mode in ("keep", "quote"):
        assert restore_mentions(render_mentions(text, mode)) == text


TEXT = st.text(alphabet=st.sampled_from([*"@a1-._ `~()[]:/\n", JOINER, "é"]), max_size=60)


@given(text=TEXT, mode=st.sampled_from(["keep", "quote"]))
def test_any_body_reads_back_exactly_as_written(text: str, mode: Mentions) -> None:
    assert restore_mentions(render_mentions(text, mode)) == text


@given(text=TEXT)
def test_switching_modes_is_never_a_change(text: str) -> None:
    assert restore_mentions(render_mentions(text, "keep")) == restore_mentions(
        render_mentions(text, "quote")
    )


# --- through the adapters, against the fakes --------------------------------------------------

RETRY = RetryPolicy(timeout_seconds=5)


def github(fake: Any, mentions: Mentions) -> Tracker:
    mapping = FieldMapping(mentions=mentions)
    return GitHubTracker(fake.repo, fake.token, base_url=fake.server.base_url, mapping=mapping)


def gitlab(fake: Any, mentions: Mentions) -> Tracker:
    mapping = FieldMapping(mentions=mentions)
    return GitLabTracker(
        fake.repo, fake.token, url=fake.server.base_url, mapping=mapping, retry=RETRY
    )


def raw_body(name: str, fake: Any, ref: str) -> str:
    """The body as stored, footer and all, as the tracker's web page would render it."""
    return str(fake.issue_json(ref)["body" if name == "github" else "description"])


KINDS: dict[str, tuple[type[Any], Callable[[Any, Mentions], Tracker]]] = {
    "github": (FakeGitHub, github),
    "gitlab": (FakeGitLab, gitlab),
}


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any]]:
    fake_class, _ = KINDS[request.param]
    with fake_class() as fake:
        yield request.param, fake


def test_a_created_issue_notifies_nobody_and_reads_back_as_written(
    kind: tuple[str, Any],
) -> None:
    name, fake = kind
    tracker = KINDS[name][1](fake, "quote")
    made = create_one(tracker, IssueDraft("owned", "Owned", body=REGISTER_BODY))
    stored = raw_body(name, fake, made.ref)
    assert not [handle for handle in HANDLES if handle in stored]
    assert made.body == tracker.get(made.ref).body == REGISTER_BODY
    assert tracker.list_changed(None).issues[0].body == REGISTER_BODY
    assert tracker.find_markers(["owned"])["owned"][0].body == REGISTER_BODY


def test_an_updated_body_is_quoted_too_and_writing_it_again_changes_nothing(
    kind: tuple[str, Any],
) -> None:
    name, fake = kind
    tracker = KINDS[name][1](fake, "quote")
    ref = create_one(tracker, IssueDraft("edited", "Edited")).ref
    first = tracker.update(ref, IssueChange(body=REGISTER_BODY))
    assert first.body == REGISTER_BODY
    stored = raw_body(name, fake, ref)
    assert not [handle for handle in HANDLES if handle in stored]
    again = tracker.update(ref, IssueChange(body=REGISTER_BODY))
    assert (again.body, again.version) == (REGISTER_BODY, first.version)
    assert raw_body(name, fake, ref) == stored


def test_keep_writes_the_handles_and_reads_the_same_text(kind: tuple[str, Any]) -> None:
    name, fake = kind
    keeping = KINDS[name][1](fake, "keep")
    made = create_one(keeping, IssueDraft("kept", "Kept", body=REGISTER_BODY))
    assert all(handle in raw_body(name, fake, made.ref) for handle in HANDLES)
    quoting = KINDS[name][1](fake, "quote")
    assert quoting.get(made.ref).body == keeping.get(made.ref).body == REGISTER_BODY
