"""Hypothesis: registers built from the seed and wild styles round-trip, and any single edit is
local."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.model import Priority, Status
from syncer.register import add_link, parse, set_priority, set_status, set_title
from syncer.register.edit import EditError

from .helpers import changed_old_lines, summary

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8)
titles = st.lists(words, min_size=1, max_size=4).map(lambda ws: " ".join(ws).capitalize())
status_values = st.sampled_from(
    [
        "Done",
        "🟢 COMPLETE ✅",
        "🔴 Not Started",
        "🟡 In Progress",
        "Partial",
        "❌ Not Implemented",
        "Won't fix",
    ]
)
spaces = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def heading_item(draw: st.DrawFn, n: int) -> tuple[str, int]:
    style = draw(st.sampled_from(["**{k}**: {v}", "**{k}:** {v}", "{k}: {v}", "- {k}: {v}"]))
    number = draw(st.sampled_from(["", f"{n}. "]))
    marker = draw(st.sampled_from(["", "[WIP] ", "DONE: ", "✅ "]))
    tag = draw(st.sampled_from(["", " (P1)", " (P3)"]))
    lines = [f"### {number}{marker}{draw(titles)} h{n}q{tag}"]
    status = not marker or draw(st.booleans())
    if status:
        lines.append(style.format(k="Status", v=draw(status_values)) + draw(spaces))
    if not status or draw(st.booleans()):
        lines.append(style.format(k="Effort", v=draw(st.sampled_from(["Low", "High"]))))
    lines.append("")
    for _ in range(draw(st.integers(0, 3))):
        lines.append(f"- {draw(titles)}{draw(spaces)}")
    if draw(st.booleans()):
        lines += ["", "```python", f"### {n}. Not an item", "**Status**: Done", "```"]
    if draw(st.booleans()):
        lines += ["", "---"]
    return "\n".join(lines), 1


@st.composite
def checkbox_list(draw: st.DrawFn, n: int) -> tuple[str, int]:
    count = draw(st.integers(1, 4))
    lines = []
    for i in range(count):
        mark = draw(st.sampled_from([" ", "x", "X"]))
        title = f"{draw(titles)} c{n}q{i}"
        shape = draw(st.sampled_from(["**{t}** - {s}", "~~{t}~~", "~~{t}~~ {s}", "{t}"]))
        text = shape.format(t=title, s=draw(titles))
        meta = draw(st.sampled_from(["", " @ann", " (due 2027-01-10)", " @ann (P2)"]))
        lines.append(f"- [{mark}] {text}{meta}{draw(spaces)}")
        indent = draw(st.sampled_from(["  ", "    ", "\t"]))
        for _ in range(draw(st.integers(0, 2))):
            sub = draw(st.sampled_from(["- [ ] ", "- ", "- [x] "]))
            lines.append(f"{indent}{sub}{draw(titles)}")
    return "\n".join(lines), count


@st.composite
def item_table(draw: st.DrawFn, n: int) -> tuple[str, int]:
    column = draw(st.sampled_from(["Item", "Task", "Issue", "Feature"]))
    rows = draw(st.integers(1, 4))
    lines = [f"| {column} | Priority | Notes |", "|------|----------|-------|"]
    for i in range(rows):
        prio = draw(st.sampled_from(["Low", "High", "Medium", ""]))
        lines.append(f"| {draw(titles)} r{n}q{i} | {prio} | {draw(titles)} |")
    return "\n".join(lines), rows


@st.composite
def noise(draw: st.DrawFn, n: int) -> tuple[str, int]:
    kind = draw(st.sampled_from(["para", "fence", "metric", "bullets"]))
    if kind == "fence":
        return f"```\n- [ ] hidden {n}\n| Item |\n|---|\n| x |\n```", 0
    if kind == "metric":
        return "| Metric | Current |\n|---|---|\n| Coverage | 50% |", 0
    if kind == "bullets":
        return f"- plain {draw(titles)}\n1. numbered {n}", 0
    return f"Some *prose* about {draw(titles)}.{draw(spaces)}", 0


@st.composite
def register_text(draw: st.DrawFn) -> tuple[str, int]:
    """A register and how many items it holds; every item carries a unique word (`c2q0`),
    so no table reads as a summary of the others. Plain and numbered entries are items in a
    register with no other items (the file is the list), else only under `## Backlog` (a
    section titled as a list of work)."""
    blocks = ["# Tech Debt", "", "**Last Updated**: 2026-01-01", ""]
    expected = entries = in_work_sections = 0
    for n in range(draw(st.integers(1, 6))):
        section = draw(st.sampled_from(["High Priority", "Backlog", "Low Priority"]))
        blocks += [f"## {section}", ""]
        block, count = draw(st.one_of(heading_item(n), checkbox_list(n), item_table(n), noise(n)))
        blocks += [block, ""]
        expected += count
        if block.startswith("- plain "):
            entries += 2
            in_work_sections += 2 if section == "Backlog" else 0
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = "\n".join(blocks).replace("\n", newline)
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text, expected + in_work_sections if expected else entries


@settings(max_examples=150, deadline=None)
@given(register_text())
def test_round_trip_is_byte_exact_and_every_generated_item_is_found(case: tuple[str, int]) -> None:
    text, expected = case
    register = parse(text)
    assert register.render() == text
    assert len(register.items) == expected


edits = st.sampled_from(["status", "title", "link", "priority"])


@settings(max_examples=150, deadline=None)
@given(register_text(), st.data())
def test_any_single_edit_is_local(case: tuple[str, int], data: st.DataObject) -> None:
    text, _ = case
    register = parse(text)
    if not register.items:
        return
    item = data.draw(st.sampled_from(register.items))
    edit = data.draw(edits)
    try:
        if edit == "status":
            new = set_status(register, item.key, data.draw(st.sampled_from(list(Status))))
        elif edit == "title":
            new = set_title(register, item.key, data.draw(titles) + " renamed")
        elif edit == "priority":
            new = set_priority(register, item.key, data.draw(st.sampled_from(list(Priority))))
        else:
            new = add_link(register, item.key, "o/r#1", "https://github.com/o/r/issues/1")
    except EditError:
        return
    first, last = item.span
    assert all(first <= line <= last for line in changed_old_lines(text, new))
    after = parse(new)
    assert len(after.items) == len(register.items)
    before_others = [summary(i) for i in register.items if i.key != item.key]
    after_others = [summary(i) for i in after.items if i.line != item.line]
    if edit != "title":
        assert after_others == before_others
