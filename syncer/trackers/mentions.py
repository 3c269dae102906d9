"""Bodies written to GitHub and GitLab without notifying the people they name.

A register is written for its team: `@dana will split this` is a note, not a page to Dana. Copied
into an issue, every `@handle` becomes a notification (one register body held 63 of them). With
`mentions = "quote"` (the default), syncer writes a WORD JOINER (U+2060) right after each `@`
that would start a mention, and takes it out again when it reads the issue back, so the register
keeps the text as written and the engine never sees a change.

Why that character: both trackers recognise a mention only when a handle character follows the
`@` at once. GitHub's mention filter (html-pipeline's `MentionFilter`) matches `@` followed by
`[a-z0-9]`; GitLab's user reference pattern matches `@` followed by a namespace path, which
starts with `[a-zA-Z0-9_.]`. The word joiner is neither, so `@⁠dana` is plain text on both,
and unlike a space or a backslash it is invisible and allows no line break between `@` and the
name. Code is not touched (neither tracker links mentions in code spans, fenced blocks or
links, and a joiner inside `@decorator` would break code copied from the issue), nor are
addresses like `a@b.example` (a word character before the `@`: no mention on either).

Exact round trip: besides quoting, every `@` already followed by a joiner gets one more, in
both modes, and reading removes exactly one joiner after each `@`. So
`restore_mentions(render_mentions(text, mode)) == text` for every text and mode, and switching
a target between "keep" and "quote" never shows up as a body change.
"""

from __future__ import annotations

import re

from syncer.trackers.base import Mentions

JOINER = "\u2060"

_UNTOUCHED = re.compile(
    r"^[ ]{0,3}(?P<fence>`{3,}|~{3,}).*?(?:\n[ ]{0,3}(?P=fence)[`~]*[ \t]*(?=\n|\Z)|\Z)"  # fence
    r"|(?P<ticks>`+)(?!`).*?(?<!`)(?P=ticks)(?!`)"  # a code span
    r"|\]\([^)\s]*"  # a link's destination
    r"|<?[A-Za-z][A-Za-z0-9+.-]*://[^\s<>]*",  # a bare address
    re.MULTILINE | re.DOTALL,
)
_MENTION = re.compile(r"(?<!\w)@(?=[\w.])")
_QUOTED = re.compile(f"@{JOINER}")


def render_mentions(text: str, mentions: Mentions) -> str:
    """`text` as written to the tracker: with `"quote"`, no `@handle` in it notifies anyone."""
    if "@" not in text:
        return text
    escaped = _QUOTED.sub(f"@{JOINER}{JOINER}", text)
    if mentions == "keep":
        return escaped
    parts: list[str] = []
    done = 0
    for region in _UNTOUCHED.finditer(escaped):
        parts += [_quoted(escaped[done : region.start()]), region.group()]
        done = region.end()
    parts.append(_quoted(escaped[done:]))
    return "".join(parts)


def restore_mentions(text: str) -> str:
    """A body read from the tracker, with syncer's quoting taken out: the text as written."""
    return _QUOTED.sub("@", text) if JOINER in text else text


def _quoted(prose: str) -> str:
    return _MENTION.sub(f"@{JOINER}", prose)
