"""The words registers use: statuses, priorities, field names, title-like table columns.

All matching happens on repaired text (see `damage.py`), case-insensitively. A status phrase is
read by its leftmost recognized word or emoji ("🟢 COMPLETE ✅" is done, "❌ Not Implemented" is
todo, "Medium - fix when touching X" is medium); longer phrases win at the same position, so
"not started" is never read as "started".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from syncer.model import Priority, Status
from syncer.register import languages
from syncer.register.end_anchored import EndAnchored

CLOSED_UNFIXED = (
    "won't fix", "won\u2019t fix", "wont fix", "wontfix", "won't do", "won\u2019t do", "wont do",
    "will not fix", "will not do", "not planned", "cancelled", "canceled", "dropped", "obsolete",
    "rejected", "superseded",
)  # fmt: skip
"""Closed without the work: done for syncer (an issue closes), whatever the reason."""

STATUS_WORDS: dict[str, Status] = {
    **dict.fromkeys(
        (
            "done", "complete", "completed", "finished", "resolved", "fixed", "closed",
            "shipped", "implemented", "merged", "delivered", "ok", "✅", "✔", "✔️", "☑", "☑️",
            "🟢", "[x]", "✓", *CLOSED_UNFIXED,
        ),
        Status.DONE,
    ),
    **dict.fromkeys(
        (
            "in progress", "in-progress", "in work", "wip", "ongoing", "partial", "partially",
            "started", "planning", "in review", "doing", "underway", "investigating",
            "in development",
            "🟡", "🚧", "🔄", "🏗", "🏗️", "🟠",
        ),
        Status.IN_PROGRESS,
    ),
    **dict.fromkeys(
        (
            "not started", "not implemented", "not done", "not complete", "not completed",
            "not fixed", "not resolved", "unresolved", "incomplete", "todo", "to do", "to-do",
            "open", "pending", "blocked", "backlog", "deferred", "❌", "⚠", "⚠️", "🔴", "⭕",
            "⬜", "[ ]", "⏳",
        ),
        Status.TODO,
    ),
    **languages.STATUS_WORDS,
}  # fmt: skip

QUALIFIED = frozenset((*CLOSED_UNFIXED, "blocked", "deferred"))
"""Status words that say more than the state (why an item closed unfixed, or is stuck): they are
read as their state, but never reused as the phrase for a plain change of state (closing an
issue must not write "Won't fix" into the register)."""


def _severity(level: int) -> tuple[str, ...]:
    return (f"sev-{level}", f"sev{level}", f"sev {level}")


PRIORITY_WORDS: dict[str, Priority] = {
    **dict.fromkeys(("critical", "blocker", "urgent", "highest", "p0", *_severity(1)),
                    Priority.CRITICAL),
    **dict.fromkeys(("high", "p1", "major", *_severity(2)), Priority.HIGH),
    **dict.fromkeys(("medium", "moderate", "normal", "p2", *_severity(3)), Priority.MEDIUM),
    **dict.fromkeys(("low", "lowest", "minor", "trivial", "p3", "p4", *_severity(4)),
                    Priority.LOW),
    **languages.PRIORITY_WORDS,
}  # fmt: skip
"""Numbered scales (`P0` to `P4`, `Sev-1` to `Sev-4`) are words too; edits stay on the scale a value
already uses (see `Vocabulary.priority_word`)."""

STATUS_KEYS = frozenset({"status", "state"}) | languages.STATUS_KEYS
PRIORITY_KEYS = frozenset({"priority", "severity", "urgency", "prio"}) | languages.PRIORITY_KEYS
LINK_KEYS = frozenset({"tracked in", "tracked", "issue link", "tracker issue"})
LINK_FIELD = "Tracked in"

# Field names that make a heading an item. Document metadata (Last Updated, Source, Author,
# Version) is deliberately absent: under a title it describes the document, not an item.
ITEM_KEYS = frozenset(
    STATUS_KEYS
    | PRIORITY_KEYS
    | {
        "effort", "impact", "issue", "problem", "solution", "current", "current state",
        "tech debt", "debt", "owner", "assigned", "assignee", "assigned to", "target date",
        "due", "due date", "deadline", "eta", "location", "risk", "risk if ignored",
        "estimate", "category", "type", "next steps", "tracked in", "reference", "cost",
        "workaround", "root cause", "proposed solution", "description", "area", "component",
    }
    | languages.ITEM_KEYS
)  # fmt: skip

TITLE_COLUMNS = (
    "title", "item", "task", "issue", "feature", "todo", "to do", "debt", "tech debt",
    "problem", "summary", "name", "description", *languages.TITLE_COLUMNS,
)  # fmt: skip
DESCRIPTION_COLUMNS = frozenset(("description", *languages.DESCRIPTION_COLUMNS))
ID_COLUMNS = frozenset(("id", "#", "no", "nr", "n", "№", "key", "ref", "编号", "番号", "번호"))

TAG_RE = re.compile(r"[\(\[]\s*(?P<tag>P[0-4])\s*[\)\]]", re.IGNORECASE)
"""A `(P1)` / `[P0]` priority tag anywhere."""
PRIORITY_TAG_RE = EndAnchored(
    re.compile(r"\s*" + TAG_RE.pattern + r"\s*$", re.IGNORECASE), ends=")]", blank=None
)
"""A priority tag ending a title ("Multi-Tenant Architecture (P0)")."""

BOLD_FIELD_LEAD = (
    r"^(?P<indent>[ \t]*)(?P<bullet>[-*+][ \t]+)?(?P<open>\*\*|__)(?P<key>[^*_\n\\]{1,60}?)"
)
"""A bold field line up to its colon (`- **Status**`), whatever the key: shared by the parser
and by body escaping, which must find every line the parser reads as a field."""
PLAIN_FIELD_LEAD = (
    r"^(?P<indent>[ \t]*)(?P<bullet>[-*+][ \t]+)?(?P<key>[^\W\d_][\w /'-]{0,40}?)[ \t]*"
)
"""A plain field line up to its colon (`Status`, `- Priority`): a field only for item keys."""
MARKER_LEAD_RE = re.compile(
    r"(?:\[(?P<bracket>[^\]\r\n]{1,24})\]|(?P<word>[^\W\d_][\w' -]{0,20}?):)[ \t]+"
)
"""What may be a status marker leading a heading (`[WIP] Title`, `DONE: Title`)."""
MARKER_TRAIL_RE = EndAnchored(
    re.compile(r"[ \t]+[\(\[](?P<word>[^\)\]\r\n]{1,24})[\)\]]$"), ends=")]", blank="\n"
)
"""What may be a status marker ending a heading (`Title (blocked)`)."""
DECOR_EMOJI = "✅✔☑🟢🟡🔴🟠🚧❌⚠⭕⬜🔄⏳\ufe0f"
"""Status emoji that decorate a heading's edges (`✅ Title`): never part of its title."""


def _spaced(char: str) -> bool:
    """Whether `char` belongs to a script that separates words by spaces (not CJK): only such
    words need word boundaries."""
    return char.isalnum() and not "\u2e80" <= char <= "\ud7ff"


def _alternation(words: Mapping[str, object]) -> re.Pattern[str]:
    return _alternation_of(frozenset(words))


@cache
def _alternation_of(words: frozenset[str]) -> re.Pattern[str]:
    """One pattern per set of words: every parse of every register builds its vocabulary, and
    building the pattern (hundreds of words in ten languages) costs more than reading a small
    register."""
    parts = []
    for word in sorted(words, key=lambda w: (-len(w), w)):
        escaped = re.escape(word)
        if _spaced(word[0]):
            escaped = r"\b" + escaped
        if _spaced(word[-1]):
            escaped += r"\b"
        parts.append(escaped)
    return re.compile("|".join(parts), re.IGNORECASE)


@dataclass(frozen=True)
class Vocabulary:
    """Status and priority words, extendable from configuration."""

    status_words: Mapping[str, Status]
    priority_words: Mapping[str, Priority]
    _statuses: dict[str, Status | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """`status_of`'s answers so far (and `priority_of`'s, `is_marker`'s below): a register
    repeats its few status and priority phrases thousands of times, and each is a search
    through hundreds of words. Each parse builds its own vocabulary, so no answer outlives the
    document it was read for."""
    _priorities: dict[str, Priority | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _markers: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def default(
        cls,
        extra_status: Mapping[str, Status] | None = None,
        extra_priority: Mapping[str, Priority] | None = None,
    ) -> Vocabulary:
        status = {**STATUS_WORDS, **{k.lower(): v for k, v in (extra_status or {}).items()}}
        priority = {**PRIORITY_WORDS, **{k.lower(): v for k, v in (extra_priority or {}).items()}}
        return cls(status, priority)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_status_re", _alternation(self.status_words))
        object.__setattr__(self, "_priority_re", _alternation(self.priority_words))

    def status_match(self, text: str) -> re.Match[str] | None:
        match: re.Match[str] | None = self._status_re.search(text)  # type: ignore[attr-defined]
        return match

    def status_of(self, text: str) -> Status | None:
        if text not in self._statuses:
            match = self.status_match(text)
            found = None if match is None else self.status_words[match.group(0).lower()]
            self._statuses[text] = found
        return self._statuses[text]

    def priority_match(self, text: str) -> re.Match[str] | None:
        match: re.Match[str] | None = self._priority_re.search(text)  # type: ignore[attr-defined]
        return match

    def priority_of(self, text: str) -> Priority | None:
        if text not in self._priorities:
            match = self.priority_match(text)
            found = None if match is None else self.priority_words[match.group(0).lower()]
            self._priorities[text] = found
        return self._priorities[text]

    def covers(self, text: str) -> bool:
        """Whether `text` is nothing but status words (a reusable status phrase)."""
        rest = self._status_re.sub("", text)  # type: ignore[attr-defined]
        return not rest.strip(" -\u2013\u2014:|()")

    def is_marker(self, text: str) -> bool:
        """Whether a bit of a heading is nothing but a status (`WIP`, `✅`, `blocked`)."""
        if text not in self._markers:
            meaning = text.strip()
            found = bool(meaning) and self.covers(meaning) and bool(self.status_of(meaning))
            self._markers[text] = found
        return self._markers[text]

    def reusable(self, text: str) -> bool:
        """Whether `text` is a status phrase to write again for its state: only status words,
        none of them `QUALIFIED` ("Won't fix" closes, but closing must not write it)."""
        words = self._status_re.findall(text)  # type: ignore[attr-defined]
        return self.covers(text) and not any(w.lower() in QUALIFIED for w in words)

    def priority_word(self, found: str, priority: Priority) -> str:
        """The word for `priority` written the way `found` is: on its numbered scale ("P1" →
        "P0", "Sev-2" → "Sev-1", the nearest step when a scale has two), else in its case."""
        scale = found.rstrip("0123456789")
        if scale != found:
            number, lowered = int(found[len(scale) :]), scale.lower()
            steps = [
                int(word[len(scale) :])
                for word, level in self.priority_words.items()
                if level is priority and word.startswith(lowered) and word[len(scale) :].isdigit()
            ]
            if steps:
                return scale + str(min(steps, key=lambda step: (abs(step - number), step)))
        word = priority.value
        if found.isupper():
            return word.upper()
        return word.capitalize() if found[:1].isupper() else word


_LEAD_SEPARATOR_RE = re.compile(r"\s*(?::|[-\u2013\u2014|]\s|\(|$)")
_NOT_WORD_OR_DASH_RE = re.compile(r"[^\w\s-]")
_NOT_WORD_OR_APOSTROPHE_RE = re.compile(r"[^\w\s'\u2019-]")
_NOT_WORD_OR_SLASH_RE = re.compile(r"[^\w\s/]")
_NOT_LETTER_RE = re.compile(r"[^\w\s]|\d")
_WORD_CHAR_RE = re.compile(r"\w")


def section_priority(vocab: Vocabulary, heading: str) -> Priority | None:
    """A heading's priority: "High Priority", "🔴 Critical Priorities", "(P1)", just "Low" or
    "Blockers", or one leading a heading before a separator ("P1 — fix this quarter")."""
    words = _NOT_WORD_OR_DASH_RE.sub(" ", heading).lower().split()
    if not words:
        return None
    if any(w.startswith("priorit") or w == "prio" for w in words):
        return vocab.priority_of(heading)
    if len(words) == 1:
        return vocab.priority_of(words[0]) or vocab.priority_of(words[0].removesuffix("s"))
    lead = vocab.priority_match(heading)
    if (
        lead is not None
        and not _WORD_CHAR_RE.search(heading, 0, lead.start())
        and _LEAD_SEPARATOR_RE.match(heading, lead.end())
    ):
        return vocab.priority_words[lead.group(0).lower()]
    return tag_priority(heading)


def tag_level(tag: re.Match[str]) -> Priority:
    """The priority a `(P1)` tag names (a match of `TAG_RE` or `PRIORITY_TAG_RE`)."""
    return PRIORITY_WORDS[tag.group("tag").lower()]


def tag_priority(raw_title: str) -> Priority | None:
    """The priority of a `(P1)` tag ending a title, if it has one."""
    tag = PRIORITY_TAG_RE.search(raw_title)
    return tag_level(tag) if tag else None


SECTION_STATUS = {"archive": Status.DONE, "archived": Status.DONE}
"""Section names that are a state without being status words of an item."""


def section_status(vocab: Vocabulary, heading: str) -> Status | None:
    """A heading that is nothing but a state ("## Completed", "### Done ✅", "## Won't do",
    configured words such as "## Erledigt"), for the items under it that state none."""
    words = " ".join(_NOT_WORD_OR_APOSTROPHE_RE.sub(" ", heading).lower().split())
    return vocab.status_words.get(words) or SECTION_STATUS.get(words)


def normalize_key(key: str) -> str:
    return " ".join(key.strip().rstrip(":").strip().lower().split())


PLACEHOLDERS = frozenset(
    ("none", "n/a", "na", "tbd", "nothing", "nothing yet", "ninguno", "nada",
     "aucun", "aucune", "rien", "keine", "nichts", "nessuno", "nenhum", "нет", "无", "暂无", "なし",
     "まだなし", "없음")
)  # fmt: skip
"""What an empty list or table says in its one entry ("- [ ] NONE.", "| - | - |")."""


NEGATIONS = frozenset(
    ("no", "none", "ningún", "ninguna", "nenhum", "nenhuma", "aucun", "aucune", "kein", "keine",
     "nessun", "nessuna", "нет", "無", "无", "없음")
)  # fmt: skip
"""First words of a placeholder row's title ("No critical debt")."""


def is_placeholder(title: str) -> bool:
    """Whether a title is only a placeholder for "nothing here" (emoji and punctuation aside):
    an empty list's one entry."""
    words = _NOT_WORD_OR_SLASH_RE.sub(" ", title).lower().split()
    return bool(words) and " ".join(words) in PLACEHOLDERS


def is_meta_section(heading: str) -> bool:
    """Whether a heading names a section about the document (a legend, a table of contents,
    notes, a summary, a template), not work: emoji, numbering and case aside."""
    return _section_words(heading) in languages.META_SECTIONS


def is_work_section(heading: str) -> bool:
    """Whether a heading titles a list of work ("TODO", "Backlog", "Known issues", "Pendientes",
    "待办"): emoji, numbering and case aside."""
    return _section_words(heading) in languages.WORK_SECTIONS


def _section_words(heading: str) -> str:
    """A heading's words, lowercase, one space apart: no emoji, punctuation or numbering."""
    return " ".join(_NOT_LETTER_RE.sub(" ", heading).lower().split())
