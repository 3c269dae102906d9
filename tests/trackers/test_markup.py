"""Markdown ↔ Jira wiki markup: what a user sees survive a trip through Jira.

The promise (see `syncer.trackers.markup`): Markdown in canonical spelling comes back from
Jira exactly, up to trivial whitespace; anything else comes back in canonical spelling, and
from then on stays put, so repeated syncs never make an issue description drift.
"""

from __future__ import annotations

import itertools
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyparsing import Forward

from syncer.trackers.markup import jira_to_markdown, markdown_to_jira, normalize_whitespace
from syncer.trackers.markup.elements import ELEMENTS
from syncer.trackers.markup.escapes import hide_escapes
from syncer.trackers.markup.grammar import jira_grammar


def round_trip(md: str) -> str:
    return jira_to_markdown(markdown_to_jira(md))


CANONICAL = {
    "headings": "# Title\n\n## Section *one*\n\n###### Deep",
    "nested bullets": "- one\n  - nested\n    - deeper\n  - back\n- two",
    "numbered": "1. first\n2. second\n   1. sub\n   2. sub two\n3. third",
    "mixed nesting": "1. step\n   - detail\n   - detail two\n2. next\n\n- bullet\n  1. numbered",
    "ten items": "\n".join(f"{n}. item {n}" for n in range(1, 11)) + "\n    - under ten",
    "tasks": "- [ ] todo item\n- [x] done item\n  - [ ] nested sub-task",
    "code": "Run `make check` or `x = {a: 1}` first.",
    "fenced code": "```python\ndef f(x):\n    return x * 2  # *not* emphasis [x]\n```",
    "fence without language": "```\nplain {braces} text\n```",
    "links": "See [the docs](https://example.com/a_b?q=1&r=2) and <https://example.com/x>.",
    "emphasis": "Some **bold**, *italic*, ~~struck~~ and ***both*** words.",
    "mid-word emphasis": "un**believ**able and re*think*ing",
    "table": "| Issue | Priority |\n| --- | --- |\n| Rate limit | **High** |\n| Cache | `low` |",
    "empty cell": "| a | b |\n| --- | --- |\n| x |  |",
    "quote": "> quoted text",
    "plain text with markup characters": (
        "snake_case_name, well-known, C++ and C#, x^2, 50% off, [draft], a * b, 2 + 2, "
        "a -- b, what?? {braces} and a | pipe, café 🚀"
    ),
    "soft line breaks": "line one\nline two\nline three",
    "bare url": "see https://example.com/path_with_under_scores for more",
}


@pytest.mark.parametrize("md", CANONICAL.values(), ids=CANONICAL.keys())
def test_canonical_markdown_comes_back_unchanged(md: str) -> None:
    assert round_trip(md) == md


def test_task_checkboxes_are_not_escaped() -> None:
    back = round_trip("- [ ] write tests\n- [x] ship it")
    assert back == "- [ ] write tests\n- [x] ship it"
    assert "\\[" not in back


def test_task_checkboxes_read_as_literal_brackets_in_jira() -> None:
    """`[x]` is link syntax in Jira: it must be escaped there, or Jira shows a broken link."""
    assert markdown_to_jira("- [x] done") == "* \\[x\\] done"


def test_fenced_code_keeps_its_language_and_content() -> None:
    wiki = markdown_to_jira("```js\nconst a = {b: [1]}; // *x*\n```")
    assert wiki == "{code:js}\nconst a = {b: [1]}; // *x*\n{code}"


def test_tables_become_jira_tables_with_a_header_row() -> None:
    wiki = markdown_to_jira("| Issue | Priority |\n| --- | --- |\n| Rate limit | High |")
    assert wiki == "||Issue||Priority||\n|Rate limit|High|"


def test_only_trivial_whitespace_is_normalized() -> None:
    md = "# Title  \r\n\r\n\r\n\r\nSome **text**.   \n\n\n- item\t\n"
    assert round_trip(md) == "# Title\n\nSome **text**.\n\n- item"
    assert normalize_whitespace(md) == round_trip(md)


OTHER_SPELLINGS = {
    # Markdown spelling -> the canonical spelling Jira gives back (documented in the module).
    "_em_ and __strong__": "*em* and **strong**",
    "* star\n* star": "- star\n- star",
    "+ plus": "- plus",
    "- loose\n\n- list": "- loose\n- list",
    "Setext\n======": "# Setext",
    "    indented code": "```\nindented code\n```",
    "~~~\ntilde fence\n~~~": "```\ntilde fence\n```",
    "3. starts at three\n4. four": "1. starts at three\n2. four",
    "| a | b |\n| :-- | --: |\n| 1 | 2 |": "| a | b |\n| --- | --- |\n| 1 | 2 |",
    '[t](https://x.y "title")': "[t](https://x.y)",
    "[https://x.y](https://x.y)": "<https://x.y>",
}


@pytest.mark.parametrize("md, canonical", OTHER_SPELLINGS.items(), ids=OTHER_SPELLINGS.keys())
def test_other_spellings_come_back_canonical(md: str, canonical: str) -> None:
    assert round_trip(md) == canonical
    assert round_trip(canonical) == canonical


JIRA_NATIVE = {
    # What people type in Jira -> what the register shows.
    "h2. Plan\n\n# first\n#* detail\n# second": "## Plan\n\n1. first\n   - detail\n2. second",
    "{code:java|title=A.java}\nint a = 1;\n{code}": "```java\nint a = 1;\n```",
    "{noformat}\n*raw*\n{noformat}": "```\n*raw*\n```",
    "*bold* _em_ -gone- {{mono}}": "**bold** *em* ~~gone~~ `mono`",
    "[Docs|https://example.com] [https://example.com]": (
        "[Docs](https://example.com) <https://example.com>"
    ),
    "\\[x\\] not a link, \\*not bold\\*": "[x] not a link, \\*not bold\\*",
    "||a||b||\n|1|2|": "| a | b |\n| --- | --- |\n| 1 | 2 |",
    "{{a_b*c}}": "`a_b*c`",
    "C:\\temp\\new": "C:\\temp\\new",
    "a ab{*}cd{*}ef": "a ab**cd**ef",
    "bq. quoted": "> quoted",
}


@pytest.mark.parametrize("wiki, md", JIRA_NATIVE.items(), ids=JIRA_NATIVE.keys())
def test_jira_markup_reads_as_markdown(wiki: str, md: str) -> None:
    assert jira_to_markdown(wiki) == md


def test_jira_code_without_language_gets_no_invented_language() -> None:
    """jira2markdown on its own labels every bare `{code}` block as Java."""
    assert jira_to_markdown("{code}\nls -la\n{code}") == "```\nls -la\n```"


def test_none_and_empty_descriptions() -> None:
    assert jira_to_markdown("") == ""
    assert markdown_to_jira("") == ""


# --- Properties -----------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        *("debt", "cache", "API", "rate", "limit", "v2", "snake_case", "well-known", "e.g."),
        *("50%", "café", "🚀", "x^2", "C#", "[draft]", "(see", "notes)", "a-b-c", "it's", "2024"),
    ]
)
TEXT = st.lists(WORDS, min_size=1, max_size=4).map(" ".join)
CODE_TEXT = st.text(
    alphabet=st.sampled_from(list("abcxyz019 *_-+[]=().:/<>#!?~^")), min_size=1, max_size=12
).filter(lambda s: s.strip() == s)
URLS = st.sampled_from(
    ["https://example.com/a", "https://example.com/p_q?x=1&y=2", "http://x.y/z-1"]
)


def _span(inner: st.SearchStrategy[str], left: str, right: str) -> st.SearchStrategy[str]:
    return inner.map(lambda text: f"{left}{text}{right}")


SEGMENT = st.one_of(
    TEXT,
    TEXT,
    _span(TEXT, "**", "**"),
    _span(TEXT, "*", "*"),
    _span(TEXT, "~~", "~~"),
    _span(CODE_TEXT, "`", "`"),
    st.tuples(TEXT, URLS).map(lambda link: f"[{link[0]}]({link[1]})"),
    URLS.map(lambda url: f"<{url}>"),
)
INLINE = st.lists(SEGMENT, min_size=1, max_size=4).map(" ".join)
CELL = st.one_of(
    TEXT, _span(TEXT, "**", "**"), _span(CODE_TEXT.filter(lambda s: "|" not in s), "`", "`")
)


@st.composite
def lists(draw: st.DrawFn, depth: int = 0) -> str:
    ordered = draw(st.booleans())
    items = []
    for number in range(1, draw(st.integers(1, 4)) + 1):
        marker = f"{number}." if ordered else "-"
        task = "" if ordered else draw(st.sampled_from(["", "", "[ ] ", "[x] "]))
        item = f"{marker} {task}{draw(INLINE)}"
        if depth < 2 and draw(st.integers(0, 3)) == 0:
            pad = " " * (len(marker) + 1)
            nested = draw(lists(depth + 1))
            item += "\n" + "\n".join(pad + line for line in nested.split("\n"))
        items.append(item)
    return "\n".join(items)


@st.composite
def tables(draw: st.DrawFn) -> str:
    width = draw(st.integers(1, 3))
    rows = [[draw(CELL) for _ in range(width)] for _ in range(draw(st.integers(2, 4)))]
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|" + " --- |" * width)
    return "\n".join(lines)


CODE_LINE = st.text(
    alphabet=st.sampled_from(list("abc xyz019*_-+[]{}=().:/<>#!?~^|\\\"'")), min_size=1, max_size=20
).filter(lambda s: s.strip() == s)
FENCE = st.tuples(
    st.sampled_from(["", "python", "js", "bash", "c++"]),
    st.lists(CODE_LINE, min_size=1, max_size=3),
).map(lambda code: f"```{code[0]}\n" + "\n".join(code[1]) + "\n```")
HEADING = st.tuples(st.integers(1, 6), INLINE).map(lambda h: "#" * h[0] + " " + h[1])
PARAGRAPH = st.lists(INLINE, min_size=1, max_size=3).map("\n".join)
BLOCK = st.one_of(HEADING, PARAGRAPH, PARAGRAPH, lists(), tables(), FENCE)


def _no_adjacent_lists(blocks: list[str]) -> bool:
    """Two lists one blank line apart are one loose list in Markdown: not a canonical form."""
    starts = [block.split(" ", 1)[0] for block in blocks]
    is_list = [start == "-" or start.rstrip(".").isdigit() for start in starts]
    return not any(a and b for a, b in itertools.pairwise(is_list))


DOCUMENT = st.lists(BLOCK, min_size=1, max_size=5).filter(_no_adjacent_lists).map("\n\n".join)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT)
def test_generated_canonical_documents_round_trip(md: str) -> None:
    assert round_trip(md) == md


MESSY_TOKEN = st.sampled_from(
    [
        *("ab", "c", " ", "-", "[", "]", "`", "#", "|", "{", "}", "+", "~", "^", "?", ".", ":"),
        *("1", "snake_case", "a*b", "2*3", "C++", "-x-", " *em* ", " **strong** ", " _u_ "),
        " http://e.co/a_b ",
    ]
)
MESSY_LINE = st.tuples(
    st.sampled_from(["", "", "- ", "1. ", "# ", "> ", "  - ", "- [ ] ", "- [x] "]),
    st.lists(MESSY_TOKEN, min_size=1, max_size=8)
    .map("".join)
    .filter(lambda s: s.strip() == s and s[:1].isalpha()),
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MESSY_LINE, min_size=1, max_size=6).map("\n".join))
def test_after_one_trip_descriptions_never_drift(md: str) -> None:
    """Whatever the Markdown, the Jira text syncer writes is a fixed point: converting back and
    forth again produces it unchanged (no edit ping-pong between register and tracker)."""
    wiki = markdown_to_jira(md)
    assert markdown_to_jira(jira_to_markdown(wiki)) == wiki


@cache
def _reference_grammar() -> Forward:
    """jira2markdown's own way: every element tried, in order, at every position."""
    inline_markup, markup = Forward(), Forward()
    elements = ELEMENTS
    inline = [element for element in elements if element.is_inline_element]
    inline_markup <<= elements.expr(inline_markup, markup, {}, inline)
    markup <<= elements.expr(inline_markup, markup, {}, elements)
    return markup


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(DOCUMENT, st.lists(MESSY_LINE, min_size=1, max_size=6).map("\n".join)))
def test_first_character_dispatch_converts_like_jira2markdown(md: str) -> None:
    """The speed-up (trying only elements that can start at a character) changes nothing."""
    wiki = hide_escapes(markdown_to_jira(md))
    assert jira_grammar().transform_string(wiki) == _reference_grammar().transform_string(wiki)
