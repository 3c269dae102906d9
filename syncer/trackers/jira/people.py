"""Jira Cloud names people by account id; `user_map` may name them as people do.

Since Atlassian's privacy changes Jira Cloud takes and gives assignees as account ids
(`5b10a2844c20165700ede21g`, `557058:f58131cb-…`) and refuses `{"name": …}`. A `user_map`
value that is not an account id (`dana.k`, `Dana Kim`, `dana@acme.example`) is looked up with
Cloud's user search (`user/search?query=`), once per run, and must find exactly one active
user (a display name or email equal to it decides between several). Issues read back name
their assignee as `user_map` does, so the engine sees the same person on both sides. A value
no user matches is refused when it is needed, in one line naming the fix: put the account id
in `user_map`. Server and Data Center take user names as they are.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Sequence
from typing import Any

from syncer.trackers.base import Refused
from syncer.trackers.jira.calls import JiraCalls

log = logging.getLogger(__name__)

_ACCOUNT_ID = re.compile(r"[0-9a-f]{24}|\d+:[0-9a-f]{8}-[0-9a-f-]{27}", re.IGNORECASE)
FIX = "put the person's account id in user_map (the end of their Jira profile's address)"


def is_account_id(value: str) -> bool:
    return _ACCOUNT_ID.fullmatch(value) is not None


class People:
    """`user_map` values ↔ the ids Jira takes, for one run (see the module docstring)."""

    def __init__(self, calls: JiraCalls, users: Collection[str]) -> None:
        self._calls = calls
        self._unresolved = {u for u in users if not is_account_id(u)}
        self._account_of: dict[str, str] = {}
        self._name_of: dict[str, str] = {}

    def account(self, user: str) -> str:
        """The id Jira takes for `user`: as it is on Server, an account id on Cloud."""
        if self._calls.flavour != "cloud" or is_account_id(user):
            return user
        if user not in self._account_of:
            self._account_of[user] = self._search(user)
            self._name_of.setdefault(self._account_of[user], user)
            self._unresolved.discard(user)
        return self._account_of[user]

    def name(self, account: str) -> str:
        """How `user_map` names the person Jira names `account` (else `account` itself).
        Looking up `user_map`'s names costs one search each, the first time an unknown
        account is met in a run; a name no user matches is noted, not raised, on reads."""
        if account not in self._name_of and self._unresolved:
            for user in sorted(self._unresolved):
                try:
                    self.account(user)
                except Refused as refused:
                    log.warning("%s", refused)
            self._unresolved.clear()
        return self._name_of.get(account, account)

    def _search(self, user: str) -> str:
        found = self._calls.call(
            f"look up Jira user {user!r}",
            lambda: self._calls.client.search_users(query=user, maxResults=50),
        )
        active = [u.raw for u in found if u.raw.get("active", True) and u.raw.get("accountId")]
        chosen = _chosen(user, active)
        if chosen is None:
            some = f"{len(active)} users" if active else "no user"
            raise Refused(f"Jira Cloud: {user!r} from user_map matches {some}: {FIX}")
        return str(chosen["accountId"])


def _chosen(user: str, found: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The one user meant: the only one found, or the only one named or mailed exactly so."""
    if len(found) == 1:
        return found[0]
    wanted = user.casefold()
    exact = [
        u
        for u in found
        if wanted
        in (str(u.get("displayName", "")).casefold(), str(u.get("emailAddress", "")).casefold())
    ]
    return exact[0] if len(exact) == 1 else None
