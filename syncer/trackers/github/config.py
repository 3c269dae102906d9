"""A GitHub target's keys: labels for status and priority, and how fast it may write."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field

from syncer.config.targets import Connection, LabelledTarget
from syncer.config.values import PositiveCount
from syncer.trackers.base import Tracker
from syncer.trackers.pacing import WriteLimits

_LIMITS = WriteLimits()


class GitHubTarget(LabelledTarget):
    """One GitHub repository. Writes are paced below GitHub's limits by default; a GitHub
    Enterprise Server's admin may raise them."""

    REPO_SHAPE: ClassVar[tuple[re.Pattern[str], str]] = (
        re.compile(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+"),
        "owner/name",
    )

    kind: Literal["github"]
    writes_per_minute: PositiveCount = _LIMITS.per_minute
    writes_per_hour: PositiveCount = _LIMITS.per_hour
    seconds_between_writes: float = Field(default=_LIMITS.seconds_between, ge=0)
    creates_per_minute: PositiveCount = _LIMITS.creates_per_minute
    creates_per_hour: PositiveCount = _LIMITS.creates_per_hour

    @classmethod
    def default_base_url(cls) -> str:
        return "https://api.github.com"

    def write_limits(self) -> WriteLimits:
        """How fast the GitHub adapter may write and create (GitHub's limits by default)."""
        return WriteLimits(
            per_minute=self.writes_per_minute,
            per_hour=self.writes_per_hour,
            seconds_between=self.seconds_between_writes,
            creates_per_minute=self.creates_per_minute,
            creates_per_hour=self.creates_per_hour,
        )

    def tracker(self, connection: Connection) -> Tracker:
        """With `ledgers`, writes and creates are counted there per token, so every process
        sharing the database paces against the same limits: a run stopped by the hourly
        creation limit is not followed by one that starts the hour afresh."""
        from syncer.trackers.github.client import GitHubTracker

        return GitHubTracker(
            self.repo,
            connection.token,
            base_url=self.base_url,
            mapping=self.mapping(),
            retry=self.retry,
            write_limits=self.write_limits(),
            ledgers=connection.ledgers,
            on_request=connection.on_request,
        )
