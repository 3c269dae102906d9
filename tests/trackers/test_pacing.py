"""The write pacer on a fake clock: it waits only when a limit would be crossed, exactly as long
as needed, and gives the cycle back instead of waiting longer than the target allows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncer.trackers.base import RateLimited
from syncer.trackers.pacing import MemoryLedger, WriteLedger, WriteLimits, WritePacer

START = 1_700_000_000.0


class FakeTime:
    """A clock that only the pacer's `sleep` (and the test) moves."""

    def __init__(self) -> None:
        self.now = START
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def pacer(
    time: FakeTime, per_minute: int = 3, per_hour: int = 100, max_wait: float = 3600
) -> WritePacer:
    return WritePacer(
        WriteLimits(per_minute=per_minute, per_hour=per_hour, seconds_between=0).windows(),
        what="write",
        max_wait_seconds=max_wait,
        clock=time.clock,
        sleep=time.sleep,
    )


def write_at(time: FakeTime, paced: WritePacer, after: float = 0.0) -> float:
    """Let `after` seconds pass, then write; the (fake) moment the write went out."""
    time.now += after
    return paced.run(time.clock) - START


def test_a_burst_within_the_limits_goes_out_without_waiting() -> None:
    time = FakeTime()
    paced = pacer(time, per_minute=3)
    assert [write_at(time, paced) for _ in range(3)] == [0, 0, 0]
    assert time.sleeps == []


def test_the_write_past_the_limit_waits_until_the_oldest_leaves_the_minute() -> None:
    time = FakeTime()
    paced = pacer(time, per_minute=3)
    assert [write_at(time, paced, after=10) for _ in range(3)] == [10, 20, 30]
    assert write_at(time, paced, after=5) == 70, "the write at 10 s leaves the window at 70 s"
    assert write_at(time, paced) == 80, "then the one at 20 s: the window slides"
    assert time.sleeps == [35, 10]


def test_the_hourly_limit_holds_when_the_minute_one_has_room() -> None:
    time = FakeTime()
    paced = pacer(time, per_minute=80, per_hour=3)
    assert [write_at(time, paced, after=600) for _ in range(3)] == [600, 1200, 1800]
    assert write_at(time, paced, after=60) == 4200, "the write at 600 s leaves the hour"
    assert time.sleeps == [2340]


def test_a_wait_longer_than_allowed_raises_rate_limited_without_writing_or_sleeping() -> None:
    time = FakeTime()
    paced = pacer(time, per_minute=2, max_wait=30)
    write_at(time, paced)
    write_at(time, paced, after=15)
    written: list[str] = []
    with pytest.raises(RateLimited) as caught:
        paced.run(lambda: written.append("third"))
    assert caught.value.retry_at == datetime.fromtimestamp(START + 60, tz=UTC)
    assert "2 in a minute" in str(caught.value)
    assert (written, time.sleeps) == ([], [])


def test_a_wait_the_target_allows_is_slept() -> None:
    time = FakeTime()
    paced = pacer(time, per_minute=1, max_wait=60)
    write_at(time, paced)
    assert write_at(time, paced) == 60
    assert time.sleeps == [60]


def test_a_failed_write_still_counts() -> None:
    """GitHub may have counted a request it refused or that got no answer."""
    time = FakeTime()
    paced = pacer(time, per_minute=1)

    def refused() -> None:
        raise ConnectionError("no answer")

    with pytest.raises(ConnectionError):
        paced.run(refused)
    assert write_at(time, paced) == 60


# --- a ledger shared across processes ----------------------------------------------------------


def shared_pacer(
    time: FakeTime, ledger: WriteLedger, per_minute: int = 3, per_hour: int = 100
) -> WritePacer:
    return WritePacer(
        WriteLimits(per_minute=per_minute, per_hour=per_hour, seconds_between=0).windows(),
        what="write",
        max_wait_seconds=3600,
        clock=time.clock,
        sleep=time.sleep,
        ledger=ledger,
    )


def test_two_pacers_sharing_a_ledger_behave_as_one() -> None:
    """Whatever the order their writes come in: a daemon's two registers on one token, a
    cron job beside the daemon."""
    time, ledger = FakeTime(), MemoryLedger()
    one, other = shared_pacer(time, ledger), shared_pacer(time, ledger)
    moments = [write_at(time, paced, after=10) for paced in (one, other, one, other)]
    assert moments == [10, 20, 30, 70], "the fourth write waits for the first to leave"
    assert time.sleeps == [30]


def test_a_pacer_starts_from_the_writes_an_earlier_process_left_in_the_ledger() -> None:
    time, ledger = FakeTime(), MemoryLedger()
    earlier = shared_pacer(time, ledger)
    assert [write_at(time, earlier, after=5) for _ in range(3)] == [5, 10, 15]
    restarted = shared_pacer(time, ledger)
    assert write_at(time, restarted) == 65
    assert ledger.recent(START) == [START + 5, START + 10, START + 15, START + 65]


def test_writes_older_than_the_hour_do_not_count() -> None:
    time, ledger = FakeTime(), MemoryLedger()
    ledger.record(START - 3601)
    ledger.record(START - 1800)
    paced = shared_pacer(time, ledger, per_minute=80, per_hour=2)
    assert write_at(time, paced) == 0, "one write in the last hour: room for one more"
    assert write_at(time, paced) == 1800


# --- GitHub's gap between writes and its creation limit -----------------------------------------


def test_writes_go_out_at_least_a_second_apart_by_default() -> None:
    time = FakeTime()
    paced = WritePacer(
        WriteLimits().windows(),
        what="write",
        max_wait_seconds=60,
        clock=time.clock,
        sleep=time.sleep,
    )
    moments = [write_at(time, paced, after) for after in (0, 0, 0.25, 5)]
    assert moments == [0, 1, 2, 7], "back to back, each write waits for the second to pass"


def test_creates_are_paced_at_the_measured_creation_limit_by_default() -> None:
    """20 a minute, 150 an hour: the 21st create waits for the first to leave its minute, the
    151st for the first to leave its hour (too long to sleep: handed back to the cycle)."""
    time = FakeTime()
    paced = WritePacer(
        WriteLimits().create_windows(),
        what="creation",
        max_wait_seconds=60,
        clock=time.clock,
        sleep=time.sleep,
    )
    first_minute = [write_at(time, paced) for _ in range(20)]
    assert (first_minute, time.sleeps) == ([0] * 20, [])
    assert write_at(time, paced) == 60
    for _ in range(129):
        write_at(time, paced)
    with pytest.raises(
        RateLimited, match=r"creation limit reached \(20 in a minute, 150 in an hour\)"
    ):
        write_at(time, paced)
