"""Jira wiki markup → Markdown: jira2markdown with some elements replaced (`elements`),
its grammar built once and tried by first character (`grammar`), and Jira's backslash escapes
turned into Markdown escapes only where Markdown needs one (`escapes`).
"""

from __future__ import annotations

import re

from syncer.trackers.markup.elements import PLAIN_RUN
from syncer.trackers.markup.escapes import hide_escapes, reveal_line
from syncer.trackers.markup.grammar import jira_grammar

_PLAIN_DOCUMENT = re.compile(r"(?=[^\s*#\-|])" + PLAIN_RUN)
"""Text needing no conversion at all: plain runs, not starting with a line-start construct."""


def normalize_whitespace(markdown: str) -> str:
    """The only normalization the round trip applies: trivial whitespace.

    Line endings become `\\n`, trailing spaces and tabs are dropped from every line, runs of
    blank lines become one blank line, and leading/trailing blank lines are removed.
    """
    lines = [line.rstrip(" \t") for line in markdown.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def jira_to_markdown(wiki: str) -> str:
    """Convert Jira wiki markup to Markdown, in the canonical spelling (see the package doc)."""
    hidden = hide_escapes(wiki.replace("\r\n", "\n"))
    plain = _PLAIN_DOCUMENT.fullmatch(hidden) is not None
    converted = hidden if plain else jira_grammar().transform_string(hidden)
    return normalize_whitespace("\n".join(reveal_line(line) for line in converted.split("\n")))
