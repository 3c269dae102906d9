"""Jira's `{code}` and `{noformat}` blocks, which Jira shows verbatim: every step of either
conversion that reads markup (trimming trailing blanks, hiding escapes, finding list rows) must
leave them as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable

VERBATIM = re.compile(
    r"(?<!\{)\{code(?::[^}]*)?\}.*?\{code\}|\{noformat(?::[^}]*)?\}.*?\{noformat\}", re.S
)


def outside_code(wiki: str, change: Callable[[str], str]) -> str:
    """Apply `change` to the wiki text outside `{code}`/`{noformat}` blocks (shown verbatim)."""
    out: list[str] = []
    pos = 0
    for block in VERBATIM.finditer(wiki):
        out.append(change(wiki[pos : block.start()]))
        out.append(block.group())
        pos = block.end()
    out.append(change(wiki[pos:]))
    return "".join(out)
