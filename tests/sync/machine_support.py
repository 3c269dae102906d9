"""Helpers for the sync state machine (`test_state_machine.py`): registers, edits, a meddler.

Kept apart so the machine itself reads as rules and invariants (its trackers are in
`machine_targets.py`). Three kinds of help:

- generated registers whose every item title carries a unique tag word (`q7`), so the test can
  follow one item through retitles on either side, and whose non-item lines are distinctive, so
  "bytes outside edited items unchanged" can be checked line by line;
- what a person leaves in an issue's description after rewriting it;
- a tracker wrapper through which a person saves the register file in the middle of a cycle.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from syncer.model import Changes, IssueChange, IssueDraft, RemoteIssue, Status
from syncer.trackers.base import FOOTER_RULE, Created, Tracker, split_footer

SYNC_LABEL = "tech-debt"

# --- titles that can be followed -------------------------------------------------------------

WORDS = (
    "cache", "parser", "retry", "index", "schema", "queue", "logger", "mirror", "vendor",
    "layout", "widget", "router", "bundle", "socket", "shader", "cursor", "codec", "ledger",
    "pixel", "thumbnail", "webhook", "fixture", "sampler", "payload",
)  # fmt: skip
"""Neutral words only: no status ("done", "open"), priority ("high") or field vocabulary, so a
generated title or body can never change how the parser reads an item."""

TAG_RE = re.compile(r"\bq(\d+)\b")

phrases = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
bodies = st.one_of(st.just(""), phrases)
"""One line at most: two different concurrent body edits then always overlap, so a body never
ends as a line-wise merge of both sides and "the final value is one side's" stays checkable."""


def tagged(phrase: str, n: int) -> str:
    return f"{phrase.capitalize()} q{n}"


def tag_of(title: str) -> int | None:
    match = TAG_RE.search(title)
    return int(match.group(1)) if match else None


def normalize_body(body: str | None) -> str:
    """How bodies compare (the engine ignores trailing spaces and surrounding blank lines)."""
    lines = (body or "").strip("\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


# --- generated registers ---------------------------------------------------------------------

CHECKBOX_SECTION = "Platform chores"
HEADING_SECTION = "Service cleanups"
HEADING_PHRASES = {Status.TODO: "Todo", Status.IN_PROGRESS: "In Progress", Status.DONE: "Done"}


@dataclass(frozen=True)
class GeneratedRegister:
    text: str
    frame: tuple[str, ...]
    """Lines outside every item, in order: they must survive every cycle verbatim."""
    next_tag: int


@st.composite
def checkbox_item(draw: st.DrawFn, n: int) -> str:
    title = tagged(draw(phrases), n)
    mark = draw(st.sampled_from([" ", "x"]))
    body = draw(bodies)
    if draw(st.booleans()):
        return f"- [{mark}] **{title}**" + (f" - {body}" if body else "")
    return f"- [{mark}] {title}" + (f"\n  {body}" if body else "")


@st.composite
def heading_item(draw: st.DrawFn, n: int) -> str:
    title = tagged(draw(phrases), n)
    status = draw(st.sampled_from(list(HEADING_PHRASES.values())))
    body = draw(bodies)
    return f"### {title}\n**Status**: {status}" + (f"\n\n{body}" if body else "")


@st.composite
def registers(draw: st.DrawFn) -> GeneratedRegister:
    """A small register: a checkbox section, a heading-item section, and closing notes.

    It ends with a section that holds no item, so a line a person appends at the end of the
    file never becomes part of an item's body. Two to five items keep a cycle cheap.
    """
    checkboxes = draw(st.integers(0, 3))
    headings = draw(st.integers(0 if checkboxes else 1, 3 if checkboxes > 1 else 2))
    tag = 1
    boxes = []
    for _ in range(checkboxes):
        boxes.append(draw(checkbox_item(tag)))
        tag += 1
    heads = []
    for _ in range(headings):
        heads.append(draw(heading_item(tag)))
        tag += 1
    frame = (
        "# Tech debt register",
        "Kept by the platform team; frame line alpha.",
        f"## {CHECKBOX_SECTION}",
        "Chores we keep putting off; frame line bravo.",
        f"## {HEADING_SECTION}",
        "Larger pieces of work; frame line charlie.",
        "## Notes",
        "Reviewed every quarter; frame line delta.",
    )
    parts = [frame[0], frame[1], frame[2], frame[3]]
    if boxes:
        parts.append("\n".join(boxes))
    parts += [frame[4], frame[5], *heads, frame[6], frame[7]]
    return GeneratedRegister("\n\n".join(parts) + "\n", frame, tag)


# --- a person's edits in a tracker ----------------------------------------------------------


def edited_body(raw: str, body: str, keep_footer: bool) -> str:
    """What a person leaves after rewriting the text above syncer's footer (or deleting all)."""
    text, key = split_footer(raw)
    if key is None or not keep_footer:
        return body
    footer = raw.replace("\r\n", "\n")[len(text) :].lstrip("\n")
    footer = footer.removeprefix(FOOTER_RULE.strip("\n")).lstrip("\n")
    return f"{body}{FOOTER_RULE}{footer}" if body else footer


# --- a person saving the register mid-cycle ---------------------------------------------------


@dataclass
class SavesMidCycle:
    """A `Tracker` through which a person saves the register while syncer is working.

    `moment` is "read" (right after the tracker was listed: the register was read, nothing is
    written yet) or "write" (at the cycle's first tracker write). The person appends a harmless
    line; the engine must then skip its register write and re-plan next cycle.
    """

    inner: Tracker
    path: Path
    line: str
    moment: str
    fired: bool = False
    kind: str = field(init=False)

    def __post_init__(self) -> None:
        self.kind = self.inner.kind

    def _save(self, moment: str) -> None:
        if self.fired or moment != self.moment:
            return
        self.fired = True
        text = self.path.read_bytes().decode("utf-8")
        self.path.write_bytes((text + "\n" + self.line + "\n").encode("utf-8"))

    def list_changed(self, cursor: str | None) -> Changes:
        changes = self.inner.list_changed(cursor)
        self._save("read")
        return changes

    def get(self, ref: str) -> RemoteIssue:
        return self.inner.get(ref)

    def create_many(self, drafts: Sequence[IssueDraft]) -> list[Created]:
        self._save("write")
        return self.inner.create_many(drafts)

    def find_markers(self, item_keys: Collection[str]) -> dict[str, tuple[RemoteIssue, ...]]:
        return self.inner.find_markers(item_keys)

    def update(self, ref: str, change: IssueChange, seen: RemoteIssue | None = None) -> RemoteIssue:
        self._save("write")
        return self.inner.update(ref, change, seen)

    def comment(self, ref: str, text: str) -> None:
        self._save("write")
        self.inner.comment(ref, text)

    def ensure_labels(self, labels: Iterable[str]) -> None:
        self.inner.ensure_labels(labels)


def is_subsequence(wanted: Sequence[str], lines: Sequence[str]) -> str | None:
    """None if `wanted` appears in `lines` in order; else the first line that went missing."""
    it = iter(lines)
    for line in wanted:
        if not any(line == other for other in it):
            return line
    return None
