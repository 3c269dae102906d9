"""A GitLab target's keys: labels for status and priority, and the register field of due dates."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Literal

from syncer.config.targets import DatedTarget, LabelledTarget

if TYPE_CHECKING:
    from syncer.trackers.base import Tracker
    from syncer.trackers.http import RequestHook
    from syncer.trackers.pacing import WriteLedger


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

    def tracker(
        self,
        token: str,
        *,
        ledgers: Callable[[str], WriteLedger] | None = None,
        on_request: RequestHook | None = None,
    ) -> Tracker:
        """Only GitHub's writes are paced: `ledgers` is not used."""
        from syncer.trackers.gitlab.client import GitLabTracker

        return GitLabTracker(
            self.repo,
            token,
            url=self.base_url,
            mapping=self.mapping(),
            retry=self.retry,
            on_request=on_request,
        )
