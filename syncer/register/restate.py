"""Does a table row restate an item the document already holds? (summary-view detection)

A row restates an item when all its title words name words of the item ("Runbooks" →
"Runbook Automation", "Multi-region prep" → "Multi-Region Preparation") or all the item's
words appear in the row. Words match when equal, when one (3+ letters) prefixes the other, or
when they are one stem in two forms ("Proteger" / "Protección").
An index on 3-letter word keys keeps this linear on registers of thousands of items.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

Words = frozenset[str]
_WORD_RE = re.compile(r"\w+")


def title_words(title: str) -> Words:
    return frozenset(
        [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in _WORD_RE.findall(title.lower())]
    )


def _keys(words: Words) -> frozenset[str]:
    """The words' 3-letter keys: two words are alike only if their keys are equal (see
    `_alike`), so a set of words is within another only if its keys are."""
    return frozenset([w[:3] for w in words])


def _alike(a: str, b: str) -> bool:
    """Equal, one a 3+ letter prefix of the other, or one stem in two forms (a shared start of
    5+ letters, most of the shorter word: "implementar" / "implementación")."""
    if a == b:
        return True
    if a[:3] != b[:3]:  # every other way needs three shared letters first
        return False
    if (len(a) >= 3 and b.startswith(a)) or (len(b) >= 3 and a.startswith(b)):
        return True
    shared = next(
        (n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return shared >= 5 and shared * 5 >= min(len(a), len(b)) * 3


def _within(
    small: Words, small_keys: frozenset[str], large: Words, large_keys: frozenset[str]
) -> bool:
    return small_keys <= large_keys and all(any(_alike(a, b) for b in large) for a in small)


class TitleIndex:
    def __init__(self, titles: Iterable[str]) -> None:
        self.items: list[Words] = [w for w in map(title_words, titles) if w]
        self.keys = [_keys(words) for words in self.items]
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, keys in enumerate(self.keys):
            for key in keys:
                self.postings[key].append(i)
        # each item filed once, under its rarest key: found when a row holds that key
        counts = {key: len(found) for key, found in self.postings.items()}
        self.by_rarest: dict[str, list[int]] = defaultdict(list)
        for i, keys in enumerate(self.keys):
            self.by_rarest[min(keys, key=counts.__getitem__)].append(i)

    def restates(self, title: str) -> bool:
        row = title_words(title)
        if not row:
            return False
        keys = _keys(row)
        rarest = min(keys, key=lambda k: len(self.postings.get(k, ())))
        items, item_keys = self.items, self.keys
        for i in self.postings.get(rarest, ()):
            if _within(row, keys, items[i], item_keys[i]):
                return True
        return any(
            _within(items[i], item_keys[i], row, keys)
            for key in keys
            for i in self.by_rarest.get(key, ())
        )
