"""A GitLab target's keys: labels for status and priority, and the register field of due dates."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from syncer.config.targets import Connection, DatedTarget, LabelledTarget
from syncer.trackers.base import Tracker


class GitLabTarget(LabelledTarget, DatedTarget):
    """One GitLab project, on gitlab.com or a self-managed site (`base_url`)."""

    REPO_SHAPE: ClassVar[tuple[re.Pattern[str], str]] = (
        re.compile(r"[\w.-]+(/[\w.-]+)+|\d+"),
        "group/project (or a project id)",
    )

    kind: Literal["gitlab"]

    @classmethod
    def default_base_url(cls) -> str:
        return "https://gitlab.com"

    def tracker(self, connection: Connection) -> Tracker:
        """Only GitHub's writes are paced: `ledgers` is not used."""
        from syncer.trackers.gitlab.client import GitLabTracker

        return GitLabTracker(
            self.repo,
            connection.token,
            url=self.base_url,
            mapping=self.mapping(),
            retry=self.retry,
            on_request=connection.on_request,
        )
