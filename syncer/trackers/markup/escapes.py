"""Jira's backslash escapes, which jira2markdown does not know, carried through the conversion.

Characters Jira took literally (escaped, or left unmatched by any element) travel through
jira2markdown as private-use placeholders, so no element mistakes them for markup;
`reveal_line` decides at the end whether Markdown needs them escaped, so `\\[x\\]` in Jira is
`[x]` in Markdown.
"""

from __future__ import annotations

import re
import string

from syncer.trackers.markup.verbatim import outside_code

_SPECIALS = "*_-+^~?{}[]|!#`\\"
PLACEHOLDER = {char: chr(0xE000 + i) for i, char in enumerate(_SPECIALS)}
_LITERAL = {ph: char for char, ph in PLACEHOLDER.items()}
_JIRA_ESCAPE = re.compile(r"(?P<br>\\\\)|\\(?P<char>[" + re.escape(_SPECIALS) + r"])|(?P<lone>\\)")


def hide_escapes(wiki: str) -> str:
    """Replace Jira's `\\X` escapes and literal backslashes with placeholders (`\\\\` is a
    line break: left alone)."""
    return outside_code(wiki, lambda text: _JIRA_ESCAPE.sub(_placeholder_for_escape, text))


def _placeholder_for_escape(match: re.Match[str]) -> str:
    """An escaped character, or a backslash that escapes nothing, becomes a placeholder."""
    if match.group("br"):
        return match.group()
    return PLACEHOLDER[match.group("char") or "\\"]


def literal(text: str) -> str:
    """Placeholders back to their characters, for verbatim contexts (code)."""
    return "".join(_LITERAL.get(char, char) for char in text)


_LINE_START = re.compile(r"^[ \t]*(?:(?:[-+*]|\d+\.)[ \t]+)*")


def reveal_line(line: str) -> str:
    """Placeholders back to characters, backslash-escaped only where Markdown would read markup."""
    if not any(char in _LITERAL for char in line):
        return line
    text = literal(line)
    start = _LINE_START.match(text)
    line_start = start.end() if start else 0
    is_table_row = text.lstrip().startswith("|")
    return "".join(
        f"\\{text[i]}"
        if char in _LITERAL and _needs_markdown_escape(text, i, line_start, is_table_row)
        else text[i]
        for i, char in enumerate(line)
    )


def _run(text: str, i: int) -> tuple[str, str]:
    """The characters just before and after the run of `text[i]` that contains position i."""
    start, end = i, i + 1
    while start > 0 and text[start - 1] == text[i]:
        start -= 1
    while end < len(text) and text[end] == text[i]:
        end += 1
    return (text[start - 1] if start > 0 else " "), (text[end] if end < len(text) else " ")


def _needs_markdown_escape(text: str, i: int, line_start: int, is_table_row: bool) -> bool:
    char = text[i]
    after = text[i + 1] if i + 1 < len(text) else " "
    before = text[i - 1] if i > 0 else " "
    if char in "*_":
        if text.count(char) < 2:
            return False
        run_before, run_after = _run(text, i)
        spaced = run_before.isspace() and run_after.isspace()
        intraword = char == "_" and run_before.isalnum() and run_after.isalnum()
        return not (spaced or intraword)
    if char == "`":
        return True
    if char == "\\":
        return i + 1 == len(text) or text[i + 1] in string.punctuation
    if char == "]":
        return after in "([:"
    if char == "!":
        return after == "["
    if char == "~":
        return "~" in (before, after)
    if char == "|":
        return is_table_row
    if char in "#-+" and i == line_start:
        run_before, run_after = _run(text, i)
        return run_after.isspace() and (char == "#" or text[i + 1 : i + 2].isspace())
    return False
