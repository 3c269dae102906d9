"""A document's own legend for its status emoji: `⏳ in review`, `| ⏳ | Not started |`.

The same emoji means different things to different teams (⏳ is "waiting to start" to one and
"in review" to another). When the document says what its emoji mean, that wins over the
built-in reading; configured `status_words` win over both.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from syncer.model import Status
from syncer.register.vocabulary import Vocabulary

_AFTER_RE = re.compile(
    r"\ufe0f?[ \t]*(?:\|[ \t]*)?(?:[:=\u2013\u2014-][ \t]*)?(?P<words>[^|·,;/\r\n]{1,40})"
)


def legend_words(text: str, vocab: Vocabulary, non_ascii: str | None = None) -> dict[str, Status]:
    """Status emoji → the state the document's legend gives it, where that differs from the
    vocabulary's. A legend entry is an emoji followed (across a table cell border, a colon or a
    dash) by words that are nothing but a status ("not started", "in review").

    `non_ascii`: the text's lines that hold anything but ASCII (`Lines.non_ascii`), all there
    is to look through when every emoji is (a configured word may not be)."""
    emoji = sorted((w for w in vocab.status_words if not w[0].isalnum() and len(w) <= 2), key=len)
    if non_ascii is not None and not any(e.isascii() for e in emoji):
        text = non_ascii
    if not emoji or not any(e in text for e in emoji):
        return {}
    pattern = re.compile("|".join(re.escape(e) for e in reversed(emoji)))
    said: dict[str, Counter[Status]] = defaultdict(Counter)
    read: dict[str, Status | None] = {}  # a register repeats its few phrases thousands of times
    for found in pattern.finditer(text):
        after = _AFTER_RE.match(text, found.end())
        words = after.group("words").strip() if after else ""
        if words not in read:
            covered = words[:1].isalpha() and vocab.covers(words)
            read[words] = vocab.status_of(words) if covered else None
        status = read[words]
        if status is not None:
            said[found.group(0)][status] += 1
    meant = {mark: counts.most_common(1)[0][0] for mark, counts in said.items()}
    return {
        mark: status for mark, status in meant.items() if vocab.status_words[mark] is not status
    }
