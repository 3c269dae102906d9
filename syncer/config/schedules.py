"""Schedules: when the daemon runs a register (`every 15m` or a 5-field cron expression)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator

_EVERY = re.compile(r"every\s+(\d+)\s*([smhd])", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (name, lowest, highest, names for lowest.. in order)
_CRON_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day_of_week", 0, 7, _WEEKDAYS),
)
_CRON_PART = re.compile(r"(?P<range>\*|(?P<lo>\w+)(?:-(?P<hi>\w+))?)(?:/(?P<step>\d+))?")
_SCHEDULE_HELP = "use 'every N' with s, m, h or d (e.g. 'every 15m') or a 5-field cron expression"


@dataclass(frozen=True)
class Cron:
    """A cron schedule, each field expanded to the values it allows (weekdays: 0 is Sunday).

    Expanded sets, not the text, because schedulers disagree on the text (APScheduler 3 counts
    weekday 0 as Monday): the daemon hands its scheduler `trigger_fields()`.
    """

    minute: frozenset[int]
    hour: frozenset[int]
    day: frozenset[int]
    month: frozenset[int]
    day_of_week: frozenset[int]

    def trigger_fields(self) -> dict[str, str]:
        """Keyword arguments for APScheduler's `CronTrigger`: explicit lists, weekdays by name."""
        out: dict[str, str] = {}
        for name, lo, hi, _ in _CRON_FIELDS:
            values: frozenset[int] = getattr(self, name)
            full = len(values) == (7 if name == "day_of_week" else hi - lo + 1)
            if full:
                out[name] = "*"
            elif name == "day_of_week":
                out[name] = ",".join(_WEEKDAYS[v] for v in sorted(values))
            else:
                out[name] = ",".join(str(v) for v in sorted(values))
        return out


def parse_schedule(text: str) -> timedelta | Cron:
    """An interval (`every 15m`) or a cron expression (`*/10 7-19 * * mon-fri`).

    Raises ValueError saying what is wrong. Cron's rule that a restricted day-of-month and
    day-of-week mean "either" (not "both") surprises nearly everyone and schedulers implement it
    differently, so restricting both is refused.
    """
    text = text.strip()
    every = _EVERY.fullmatch(text)
    if every:
        count = int(every.group(1))
        if count < 1:
            raise ValueError(f"{text!r}: the interval must be at least 1")
        return timedelta(seconds=count * _UNIT_SECONDS[every.group(2).lower()])
    parts = text.split()
    if len(parts) != 5:
        raise ValueError(f"{text!r} is not a schedule: {_SCHEDULE_HELP}")
    sets = [_cron_field(part, *spec) for part, spec in zip(parts, _CRON_FIELDS, strict=True)]
    cron = Cron(*sets)
    if len(cron.day) < 31 and len(cron.day_of_week) < 7:
        raise ValueError(
            f"{text!r}: restrict the day of month or the day of week, not both "
            "(cron would run on either, which is rarely what was meant)"
        )
    return cron


def _cron_field(text: str, name: str, lo: int, hi: int, names: tuple[str, ...]) -> frozenset[int]:
    def number(token: str) -> int:
        if token.isdigit():
            value = int(token)
        elif token.lower() in names:
            value = names.index(token.lower()) + lo
        else:
            raise ValueError(f"cron {name} field {text!r}: {token!r} is not a {name} value")
        if not lo <= value <= hi:
            raise ValueError(f"cron {name} field {text!r}: {value} is outside {lo}-{hi}")
        return value

    values: set[int] = set()
    for part in text.split(","):
        match = _CRON_PART.fullmatch(part)
        if match is None:
            raise ValueError(f"cron {name} field {text!r} is not valid")
        if match["range"] == "*":
            start, end = lo, hi
        else:
            start = number(match["lo"])
            end = number(match["hi"]) if match["hi"] else (hi if match["step"] else start)
        step = int(match["step"] or 1)
        if start > end or step < 1:
            raise ValueError(f"cron {name} field {text!r}: {part!r} is an empty range")
        values.update(range(start, end + 1, step))
    if name == "day_of_week" and 7 in values:  # 7 is Sunday too
        values = (values - {7}) | {0}
    return frozenset(values)


def _check_schedule(value: str) -> str:
    parse_schedule(value)
    return value.strip()


Schedule = Annotated[str, AfterValidator(_check_schedule)]
