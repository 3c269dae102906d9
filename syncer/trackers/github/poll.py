"""The cursor of GitHub's incremental poll, and the pages it reads (see the package docstring)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from syncer.trackers.github.mapping import Json, parse_time

# Re-base the poll's `since` once its first page carries this many issues already returned:
# the next poll then costs one full answer instead of a 304, and later ones are small again.
REBASE_AFTER_STALE = 25

log = logging.getLogger(__name__)

_LINK_RE = re.compile(r'<(?P<url>[^>]+)>;\s*rel="(?P<rel>[^"]+)"')

# --- the poll cursor -------------------------------------------------------------------------


@dataclass(frozen=True)
class PollCursor:
    """Where `list_changed` stands; serialized into the opaque cursor string."""

    since: str | None = None
    etag: str | None = None
    newest: str | None = None
    at_newest: tuple[int, ...] = field(default_factory=tuple)

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None) -> PollCursor:
        if not text:
            return cls()
        try:
            data = json.loads(text)
            return cls(data["since"], data["etag"], data["newest"], tuple(data["at_newest"]))
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable GitHub poll cursor; listing everything again")
            return cls()

    def already_returned(self, raw: Json) -> bool:
        if self.newest is None:
            return False
        updated, newest = parse_time(raw["updated_at"]), parse_time(self.newest)
        return updated < newest or (updated == newest and raw["number"] in self.at_newest)

    def is_older(self, raw: Json) -> bool:
        return self.newest is not None and parse_time(raw["updated_at"]) < parse_time(self.newest)

    def advanced(self, fresh: Sequence[Json], etag: str | None, stale: int) -> PollCursor:
        """The cursor after a poll that returned `fresh` and skipped `stale` known issues.

        Re-basing `since` only helps when it moves: many issues updated in one second would
        otherwise re-base on every poll, and every poll would cost a full answer.
        """
        newest, at_newest = self.newest, set(self.at_newest)
        for raw in fresh:
            if newest is None or parse_time(raw["updated_at"]) > parse_time(newest):
                newest, at_newest = raw["updated_at"], set()
            if parse_time(raw["updated_at"]) == parse_time(newest):
                at_newest.add(raw["number"])
        if stale >= REBASE_AFTER_STALE and newest != self.since:
            return PollCursor(newest, None, newest, tuple(sorted(at_newest)))
        return PollCursor(self.since, etag, newest, tuple(sorted(at_newest)))


@dataclass(frozen=True)
class Page:
    items: list[Json]
    etag: str | None
    next_url: str | None


def next_link(header: str | None) -> str | None:
    for match in _LINK_RE.finditer(header or ""):
        if match.group("rel") == "next":
            return match.group("url")
    return None
