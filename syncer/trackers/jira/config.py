"""A Jira target's keys: the account, which Jira, and Jira's own vocabulary (priorities,
statuses, transitions, resolution, issue type)."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from syncer.config.errors import problem_at
from syncer.config.targets import DEFAULTS, Connection, DatedTarget
from syncer.config.values import Text
from syncer.model import Priority, Status
from syncer.trackers.base import FieldMapping, Tracker


class JiraTarget(DatedTarget):
    """One Jira project, on Server/Data Center or Cloud (`base_url` is required: there is no
    one Jira)."""

    REPO_SHAPE: ClassVar[tuple[re.Pattern[str], str]] = (
        re.compile(r"[A-Z][A-Z0-9_]*"),
        "a project key such as PLAT",
    )

    kind: Literal["jira"]
    email: str | None = None
    jira_flavour: Literal["server", "cloud"] | None = None
    """None: Jira says (`serverInfo`'s `deploymentType`), whatever its address."""
    jira_priorities: dict[Priority, Text] = Field(default_factory=dict, validate_default=True)
    jira_done_statuses: tuple[Text, ...] = DEFAULTS.jira_done_statuses
    jira_in_progress_statuses: tuple[Text, ...] = DEFAULTS.jira_in_progress_statuses
    jira_transitions: dict[Status, tuple[Text, ...]] = Field(
        default_factory=dict, validate_default=True
    )
    jira_issue_type: Text = DEFAULTS.jira_issue_type
    jira_resolution: Text = DEFAULTS.jira_resolution

    @classmethod
    def default_base_url(cls) -> str:
        raise ValueError("required for jira targets: the address of your Jira")

    @field_validator("jira_priorities")
    @classmethod
    def _jira_priorities(cls, value: dict[Priority, str]) -> dict[Priority, str]:
        return {**DEFAULTS.jira_priorities, **value}

    @field_validator("jira_transitions")
    @classmethod
    def _jira_transitions(
        cls, value: dict[Status, tuple[str, ...]]
    ) -> dict[Status, tuple[str, ...]]:
        return {**{Status(k): v for k, v in DEFAULTS.jira_transitions.items()}, **value}

    @model_validator(mode="after")
    def _account(self) -> Self:
        if self._surely_cloud() and not self.email:
            raise problem_at(
                "required for Jira Cloud: its API tokens go with the account's email", "email"
            )
        if self.email is not None and "@" not in self.email:
            raise problem_at("must be an email address", "email")
        return self

    def _surely_cloud(self) -> bool:
        """Jira Cloud as configured, or at an address only Cloud has: its API tokens need the
        account's email, which is worth saying before the first request (the flavour itself
        is left to Jira to say: Cloud also lives on custom domains and behind the gateway)."""
        host = urlsplit(self.base_url).hostname or ""
        return self.jira_flavour == "cloud" or host.endswith(".atlassian.net")

    def mapping(self) -> FieldMapping:
        return FieldMapping(
            sync_label=self.sync_label,
            jira_priorities=dict(self.jira_priorities),
            jira_issue_type=self.jira_issue_type,
            jira_resolution=self.jira_resolution,
            jira_done_statuses=self.jira_done_statuses,
            jira_in_progress_statuses=self.jira_in_progress_statuses,
            jira_transitions={
                status.value: names for status, names in self.jira_transitions.items()
            },
        )

    def tracker(self, connection: Connection) -> Tracker:
        """Writes are not paced (only GitHub's are): `ledgers` is not used. The `user_map`
        names are handed over so Cloud can look up their account ids."""
        from syncer.trackers.jira.client import JiraTracker

        return JiraTracker(
            self.base_url,
            self.repo,
            connection.token,
            email=self.email,
            flavour=self.jira_flavour,
            mapping=self.mapping(),
            retry=self.retry,
            on_request=connection.on_request,
            users=tuple(self.user_map.values()),
        )
