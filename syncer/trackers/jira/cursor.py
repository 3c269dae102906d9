"""Where a poll got to, across JQL's minute granularity (see the package docstring)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncer.trackers.jira.mapping import Json, parse_jira_time

_JQL_MINUTE = "%Y/%m/%d %H:%M"
ZONE_KEPT = timedelta(days=1)
"""How long the user's time zone read from `/myself` is trusted: a person may change their
profile's zone, and a day-old zone costs at most a day of windows read in the old one."""
WIDEST_OFFSET = timedelta(hours=14)
"""The furthest any time zone is from UTC (Kiribati, UTC+14; the furthest west is UTC-12)."""

# --- The incremental cursor -------------------------------------------------------------------


def user_zone(name: object) -> tzinfo | None:
    """The zone named by `/myself`'s `timeZone`, or None when it is missing or unknown here."""
    try:
        return ZoneInfo(str(name)) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def jql_minute(moment: datetime, zone: tzinfo | None) -> str:
    """`moment` as a JQL date, which Jira reads as a minute in the user's own time zone.

    REST timestamps carry an offset (often UTC's); JQL dates carry none. In an unknown zone the
    UTC minute less 14 hours is written: no zone reads that as later than `moment`, so nothing
    is missed, at the cost of reading up to a day again (de-duplicated by the cursor).
    """
    local = moment.astimezone(zone) if zone is not None else moment.astimezone(UTC) - WIDEST_OFFSET
    return local.strftime(_JQL_MINUTE)


def window_start(since: str, overlap: timedelta) -> datetime:
    """Where the next query starts: the minute of `since` (JQL has no seconds), less overlap."""
    return parse_jira_time(since).replace(second=0, microsecond=0) - overlap


def reached_seen(state: Cursor, page: list[Json]) -> bool:
    """Whether later pages (older issues) can hold nothing new: the page is all seen, or a seen
    issue on it is strictly newer than the page's last one (so its ties are all on this page)."""
    if not page:
        return True
    seen = [raw for raw in page if not state.is_new(raw)]
    if len(seen) == len(page):
        return True
    last = parse_jira_time(str(page[-1]["fields"]["updated"]))
    return any(parse_jira_time(str(raw["fields"]["updated"])) > last for raw in seen)


@dataclass(frozen=True)
class Cursor:
    """Where a poll got to: the newest `updated` seen, and the (key → updated) pairs inside the
    overlap window, which the next poll will see again and must not report twice; and the
    syncer user's time zone with when it was read (`ZONE_KEPT`), so a run's poll costs no
    request for it."""

    since: str | None = None
    seen: dict[str, str] = field(default_factory=dict)
    zone: str | None = None
    zone_read: str | None = None

    @classmethod
    def decode(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(
            since=data.get("since"),
            seen=dict(data.get("seen") or {}),
            zone=data.get("zone"),
            zone_read=data.get("zone_read"),
        )

    def encode(self) -> str:
        data = {"since": self.since, "seen": self.seen}
        if self.zone_read is not None:
            data.update(zone=self.zone, zone_read=self.zone_read)
        return json.dumps(data, sort_keys=True)

    def zone_is_fresh(self, now: datetime) -> bool:
        if self.zone_read is None:
            return False
        return now - datetime.fromisoformat(self.zone_read) < ZONE_KEPT

    def with_zone(self, zone: str | None, now: datetime) -> Cursor:
        return replace(self, zone=zone, zone_read=now.isoformat())

    def window_start(self, overlap: timedelta) -> datetime | None:
        return None if self.since is None else window_start(self.since, overlap)

    def is_new(self, raw: Mapping[str, Any]) -> bool:
        return self.seen.get(str(raw["key"])) != str(raw["fields"]["updated"])

    def advance(self, raws: Iterable[Mapping[str, Any]], overlap: timedelta) -> Cursor:
        entries = {**self.seen, **{str(r["key"]): str(r["fields"]["updated"]) for r in raws}}
        stamps = [s for s in (self.since, *entries.values()) if s]
        if not stamps:
            return self
        since = max(stamps, key=parse_jira_time)
        start = window_start(since, overlap)
        seen = {k: u for k, u in entries.items() if parse_jira_time(u) >= start}
        return replace(self, since=since, seen=seen)
