"""Writes to the fake Jira's issues, and the webhooks that tell of them.

One edit bumps `updated` once and fires one `jira:issue_updated` with its changelog, as Jira
does; nothing changed, nothing fired.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

from syncer.fakes.jira.payloads import JiraPayloads
from syncer.fakes.jira.screens import resolution_id_of
from syncer.fakes.jira.state import PRIORITIES, STATUSES, Comment, Issue, Json
from syncer.fakes.webhooks import Delivery, WebhookSender


class JiraEvents(JiraPayloads):
    """Edits that fire webhooks (to `webhooks`, signed with `webhook_secret` when set)."""

    webhooks: WebhookSender | None
    webhook_secret: str | None

    def _write(
        self, issue: Issue, values: Json, actor: str, comments: tuple[str, ...] = ()
    ) -> None:
        """Apply one edit: new field values (and `status`), comments; bump `updated` once if
        anything changed, and tell the webhook with the changelog."""
        before = self._snapshot(issue)
        status = values.pop("status", issue.status)
        for name, value in values.items():
            setattr(issue, name, value)
        if self._snapshot(issue) == before and status == issue.status and not comments:
            return
        moment = self._tick()
        issue.updated = moment
        self._set_status(issue, status, moment)
        after = self._snapshot(issue)
        added = [self._new_comment(body, moment) for body in comments]
        issue.comments.extend(added)
        event = "issue_generic" if status != before["status"] else "issue_updated"
        if added and after == before:
            event = "issue_commented"
        self._webhook(
            "jira:issue_updated",
            issue,
            actor,
            event=event,
            changes=self._changelog(before, after),
            comment=added[-1] if added else None,
        )

    # --- webhooks ------------------------------------------------------------------------------

    def _changelog(self, before: Json, after: Json) -> list[Json]:
        items = []
        for name, old in before.items():
            new = after[name]
            if old != new:
                items.append(self._change_item(name, old, new))
        return items

    def _change_item(self, name: str, old: Any, new: Any) -> Json:
        def ids(value: Any) -> str | None:
            if name == "status" and value:
                return STATUSES[value][0]
            if name == "priority" and value:
                return next(pid for pid, pname in PRIORITIES if pname == value)
            if name == "resolution" and value:
                return resolution_id_of(value)
            return value if name == "assignee" else None

        def text(value: Any) -> str | None:
            return " ".join(value) if isinstance(value, list) else value

        return {
            "field": name,
            "fieldtype": "jira",
            "from": ids(old),
            "fromString": text(old),
            "to": ids(new),
            "toString": text(new),
        }

    def _notify_created(self, issue: Issue, actor: str) -> None:
        self._webhook("jira:issue_created", issue, actor, event="issue_created")

    def _webhook(
        self,
        name: str,
        issue: Issue,
        actor: str,
        *,
        event: str,
        changes: list[Json] | None = None,
        comment: Comment | None = None,
    ) -> None:
        if self.webhooks is None:
            return
        payload: Json = {
            "timestamp": int(self.now().timestamp() * 1000),
            "webhookEvent": name,
            "issue_event_type_name": event,
            "user": self._user_json(actor),
            "issue": self._issue_json(issue),
        }
        if changes:
            payload["changelog"] = {"id": str(uuid.uuid4().int % 10**6), "items": changes}
        if comment is not None:
            payload["comment"] = self._comment_json(issue, comment)
        body = json.dumps(payload).encode()
        self.webhooks.send(Delivery(event=name, headers=self._webhook_headers(body), body=body))

    def _webhook_headers(self, body: bytes) -> dict[str, str]:
        headers = {
            "X-Atlassian-Webhook-Identifier": str(uuid.uuid4()),
            "User-Agent": "Atlassian Webhook HTTP Client",
        }
        if self.webhook_secret:
            digest = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature"] = f"sha256={digest}"
        return headers
