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


_KEY_RE = re.compile(r"(\w{1,3})\w*")


def _title_keys(title: str) -> frozenset[str]:
    """`_keys(title_words(title))` without making the words (a plural's `s` never reaches
    its key): one search a title, for the thousands of titles an index holds."""
    return frozenset(_KEY_RE.findall(title.lower()))


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


def _covers(small: Words, large: Words) -> bool:
    """Whether every word of `small` is alike a word of `large`."""
    return all(any(_alike(a, b) for b in large) for a in small)


class TitleIndex:
    def __init__(self, titles: Iterable[str]) -> None:
        found = [(title, keys) for title in titles if (keys := _title_keys(title))]
        self.titles = [title for title, _ in found]
        self.keys = [keys for _, keys in found]
        """The keys of each title: a title is within another only if its keys are (the words,
        which take longer to read, are read only for titles that pass)."""
        self.words: dict[int, Words] = {}
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, keys in enumerate(self.keys):
            for key in keys:
                self.postings[key].append(i)
        # each item filed once, under its rarest key: found when a row holds that key
        counts = {key: len(found) for key, found in self.postings.items()}
        self.by_rarest: dict[str, list[int]] = defaultdict(list)
        for i, keys in enumerate(self.keys):
            self.by_rarest[min(keys, key=counts.__getitem__)].append(i)

    def _words(self, i: int) -> Words:
        if i not in self.words:
            self.words[i] = title_words(self.titles[i])
        return self.words[i]

    def restates(self, title: str) -> bool:
        row = title_words(title)
        if not row:
            return False
        keys = _keys(row)
        rarest = min(keys, key=lambda k: len(self.postings.get(k, ())))
        item_keys = self.keys
        for i in self.postings.get(rarest, ()):
            if keys <= item_keys[i] and _covers(row, self._words(i)):
                return True
        return any(
            item_keys[i] <= keys and _covers(self._words(i), row)
            for key in keys
            for i in self.by_rarest.get(key, ())
        )
