"""Which fields the project's create and edit screens let syncer set.

Jira refuses a whole request when one field is not on the screen of the operation ("Field
'priority' cannot be set. It is not on the appropriate screen, or unknown."): a project whose
create screen lacks the due date would refuse every create that has one. Most projects have
every field syncer sets on their screens, so syncer sends them all; the first time Jira refuses
a field so, it reads that screen once for the run and from then on sends only what the screen
has, logging each field it leaves out once. Reading the screens up front instead would cost
every run requests that nearly always change nothing.

The create screen comes from the create metadata (`issue/createmeta/{project}/issuetypes/{id}`,
Cloud and Data Center 8.4+; the `jira` library's `project_issue_fields` refuses Cloud, and the
older `createmeta?expand=projects.issuetypes.fields` is gone from Data Center 9, so the endpoint
is asked directly), the edit screen from the refused issue's edit metadata
(`issue/{key}/editmeta`), per issue type. The fields syncer cannot do without (summary,
description with its marker, labels with the sync label) are always sent: should a screen lack
one, Jira's refusal says so. A Jira without the create-metadata endpoint (before 8.4) answers
404, and its refusal stands.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from syncer.trackers.base import NotFound
from syncer.trackers.jira.calls import JiraCalls
from syncer.trackers.jira.mapping import Json

log = logging.getLogger(__name__)

ESSENTIAL = frozenset({"project", "issuetype", "summary", "description", "labels"})
"""Always sent: without them an issue is not syncer's (no marker, no sync label)."""
SCREEN_REFUSAL = "It is not on the appropriate screen"


def refused_by_screen(errors: Mapping[str, Any] | str) -> bool:
    """Whether Jira refused only because fields are not on the operation's screen: `errors`
    is a refusal's text, or the `errors` of one bulk element."""
    if isinstance(errors, str):
        return SCREEN_REFUSAL in errors
    return bool(errors) and all(SCREEN_REFUSAL in str(message) for message in errors.values())


class Screens:
    """The create and edit screens of one project, read once per run."""

    def __init__(self, calls: JiraCalls, project: str, issue_type: str) -> None:
        self._calls = calls
        self._project = project
        self._issue_type = issue_type
        self._create: frozenset[str] | None = None
        self._create_read = False
        self._edit: dict[str, frozenset[str]] = {}
        self._noted: set[tuple[str, str]] = set()

    def for_create(self, fields: Json) -> Json:
        """`fields` without those the create screen lacks, once it was read."""
        return self._kept(fields, self._create, f"create screen of {self._issue_type}")

    def learn_create(self) -> bool:
        """Read the create screen, once per run; whether that may change what is sent."""
        if self._create_read:
            return False
        self._create_read = True
        self._create = self._create_fields()
        return self._create is not None

    def for_edit(self, issue_type: str, fields: Json) -> Json:
        """`fields` without those the edit screen of `issue_type` lacks, once it was read."""
        return self._kept(fields, self._edit.get(issue_type), f"edit screen of {issue_type}")

    def learn_edit(self, ref: str, issue_type: str) -> bool:
        """Read the edit screen of `ref`'s type, once per run; whether that may change what
        is sent (a status where nothing is editable says nothing of the screen)."""
        if issue_type in self._edit:
            return False
        meta = self._calls.call(f"edit screen of {ref}", lambda: self._editmeta(ref))
        editable = frozenset(meta.get("fields") or {})
        if editable:
            self._edit[issue_type] = editable
        return bool(editable)

    def _editmeta(self, ref: str) -> Json:
        return dict(self._calls.client.editmeta(ref))

    def _kept(self, fields: Json, screen: frozenset[str] | None, where: str) -> Json:
        if screen is None:
            return fields
        kept: Json = {}
        for name, value in fields.items():
            if name in screen or name in ESSENTIAL:
                kept[name] = value
            elif (where, name) not in self._noted:
                self._noted.add((where, name))
                log.warning(
                    "Jira project %s: %r is not on the %s, so syncer does not set it there "
                    "(add the field to that screen to sync it)",
                    self._project,
                    name,
                    where,
                )
        return kept

    def _create_fields(self) -> frozenset[str] | None:
        """The create screen's field ids; None when this Jira cannot say (before 8.4) or
        the issue type is not one the project creates (Jira's refusal will say so)."""
        base = f"issue/createmeta/{self._project}/issuetypes"
        try:
            types = list(self._pages(base, "issueTypes"))
        except NotFound:
            return None
        wanted = self._issue_type.casefold()
        type_id = next(
            (t.get("id") for t in types if str(t.get("name", "")).casefold() == wanted), None
        )
        if type_id is None:
            return None
        return frozenset(
            str(f.get("fieldId") or f.get("key"))
            for f in self._pages(f"{base}/{type_id}", "fields")
        )

    def _pages(self, path: str, cloud_key: str) -> Iterator[Json]:
        """Every entry of a paged create-metadata answer: Data Center's `values` and
        `isLast`, or Cloud's `fields` / `issueTypes` with `total`."""
        start = 0
        while True:
            page = self._calls.call(path, partial(self._get, path, start))
            values = list(page.get("values") or page.get(cloud_key) or [])
            yield from values
            start += len(values)
            if not values or page.get("isLast") or start >= int(page.get("total") or 0):
                return

    def _get(self, path: str, start: int) -> Any:
        return self._calls.client._get_json(path, params={"startAt": start, "maxResults": 100})
