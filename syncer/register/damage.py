"""Reading through mojibake, and writing new text with the same damage.

Users have registers whose UTF-8 bytes were once decoded as a single-byte code page (Windows-125x,
Mac Roman). The file's bytes are never "fixed": syncer reads meaning through the damage and writes
new text damaged the same way, so a consistently mis-decoded file stays consistent.

Code pages are used "sloppily" (as ftfy does): a byte the code page leaves undefined maps to the
Latin-1 code point of the same value, so damage is reversible wherever the bytes survived.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

CANDIDATES = ("cp1252", "cp1254", "cp1250", "mac_roman")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


@cache
def _tables(codec: str) -> tuple[dict[int, int], str]:
    """(char → byte encoding map, byte → char decoding string) for a sloppy code page."""
    decode = "".join(_decode_byte(codec, b) for b in range(256))
    return {ord(c): b for b, c in enumerate(decode)}, decode


def _decode_byte(codec: str, byte: int) -> str:
    try:
        return bytes([byte]).decode(codec)
    except UnicodeDecodeError:
        return chr(byte)


def _undamage_run(run: str, codec: str) -> str | None:
    """The UTF-8 text a damaged run stood for, or None when it is not damage under `codec`."""
    encode, _ = _tables(codec)
    try:
        raw = bytes(encode[ord(c)] for c in run)
    except KeyError:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True)
class Damage:
    """How a document's text was mis-decoded: `codec` is None for a healthy document."""

    codec: str | None = None

    def repair(self, text: str) -> str:
        """Meaning of `text`: each run of damaged characters decoded back where possible."""
        if self.codec is None or text.isascii():
            return text
        codec = self.codec

        def fix(match: re.Match[str]) -> str:
            run = match.group(0)
            return _undamage_run(run, codec) or _repair_partial(run, codec)

        return _NON_ASCII_RUN.sub(fix, text)

    def apply(self, text: str) -> str:
        """`text` damaged the way this document is, ready to be spliced into it."""
        if self.codec is None or text.isascii():
            return text
        _, decode = _tables(self.codec)
        return "".join(decode[b] for b in text.encode("utf-8"))


def _repair_partial(run: str, codec: str) -> str:
    """Repair the longest decodable pieces of a run that lost bytes; keep the rest as is.

    Only characters the code page has can be damage, so the search runs within stretches of
    them: genuine Cyrillic or CJK text (none of it in a Western code page) is passed over in one
    step instead of trying every window of every run."""
    return _encodable(codec).sub(lambda m: _repair_stretch(m.group(0), codec), run)


@cache
def _encodable(codec: str) -> re.Pattern[str]:
    """Runs of characters the sloppy code page can encode."""
    _, decode = _tables(codec)
    return re.compile("[" + "".join(re.escape(c) for c in sorted(set(decode))) + "]+")


def _repair_stretch(stretch: str, codec: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(stretch):
        for j in range(min(len(stretch), i + 4), i, -1):
            fixed = _undamage_run(stretch[i:j], codec)
            if fixed is not None and not fixed.isascii():
                out.append(fixed)
                i = j
                break
        else:
            out.append(stretch[i])
            i += 1
    return "".join(out)


def detect(text: str) -> Damage:
    """Which code page, if any, explains the document's non-ASCII text as damaged UTF-8.

    A run counts for a code page when it encodes to bytes that decode as multi-byte UTF-8.
    The document is called damaged when most of its non-ASCII runs are explained that way:
    genuine accented text ("café") is not valid UTF-8 once re-encoded, so it votes against.
    """
    runs = Counter(_NON_ASCII_RUN.findall(text))  # the same emoji, thousands of times: once
    if not runs:
        return Damage()
    best: tuple[int, str | None] = (0, None)
    for codec in CANDIDATES:
        score = sum(count for run, count in runs.items() if _explained(run, codec))
        if score > best[0]:
            best = (score, codec)
    score, winner = best
    return Damage(winner) if winner is not None and score * 2 > runs.total() else Damage()


def _explained(run: str, codec: str) -> bool:
    fixed = _undamage_run(run, codec)
    if fixed is not None:
        return not fixed.isascii()
    return _repair_partial(run, codec) != run
