"""A clock far from the tracker's is a warning: syncer asks trackers for what changed since a
time, and a skewed clock misses or repeats changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from syncer.config import load_config
from syncer.doctor import run_checks
from syncer.fakes.jira import FakeJira
from tests.doctor.conftest import TOKEN_VAR, write_config


def clock_check(tmp_path: Path, offset: timedelta) -> tuple[str, str]:
    with FakeJira() as fake:
        settings = load_config(write_config(tmp_path, fake))
        checks = run_checks(
            settings, {TOKEN_VAR: fake.token}, now=lambda: datetime.now(UTC) + offset
        )
    (clock,) = [check for check in checks if check.name == "clock"]
    return clock.status, clock.detail


def test_a_clock_five_minutes_ahead_is_a_warning(tmp_path: Path) -> None:
    status, detail = clock_check(tmp_path, timedelta(minutes=5))
    assert status == "warn"
    assert detail.startswith("this machine's clock is 30") and detail.endswith(
        "s ahead of the tracker's"
    )


def test_a_clock_within_a_minute_is_fine(tmp_path: Path) -> None:
    assert clock_check(tmp_path, timedelta(seconds=-20))[0] == "ok"
