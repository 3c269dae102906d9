"""GitHub: may the token write issues in the repository, does the sync label exist, are the
`user_map` logins GitHub users.

A classic token says its scopes in every answer (`X-OAuth-Scopes`): writing issues needs
`repo` (`public_repo` is enough for a public repository). A fine-grained token sends no such
header; what it may do shows in the repository's `permissions` (push, or triage, which may
label and close issues). Both are checked: a classic token with `repo` on an account without
access to the repository is refused all the same.
"""

from __future__ import annotations

from urllib.parse import quote

from syncer.config import TargetConfig
from syncer.doctor.check import Check, fail, ok
from syncer.doctor.names import label_check, users_check
from syncer.doctor.probe import Answer, Probe


def checks(probe: Probe, target: TargetConfig, me: Answer) -> list[Check]:
    subject = f"target {target.name}"
    repo = probe.get(f"/repos/{target.repo}")
    found = [access_check(subject, target, me.headers.get("x-oauth-scopes"), repo)]
    if repo.found:
        label = probe.get(f"/repos/{target.repo}/labels/{quote(target.sync_label, safe='')}")
        found.append(label_check(subject, target, label))
    found.append(users_check(subject, target, lambda login: _user_exists(probe, login)))
    return found


def access_check(subject: str, target: TargetConfig, scopes: str | None, repo: Answer) -> Check:
    if not repo.found:
        return fail(
            "may write issues",
            subject,
            f"{target.repo}: not found, or this token may not see it ({repo.status})",
            "check `repo`, and give the token's account access to the repository",
        )
    data = repo.body if isinstance(repo.body, dict) else {}
    if scopes is not None:
        granted = {scope.strip() for scope in scopes.split(",") if scope.strip()}
        enough = {"repo"} if data.get("private") else {"repo", "public_repo"}
        if not granted & enough:
            return fail(
                "may write issues",
                subject,
                f"the classic token's scopes ({', '.join(sorted(granted)) or 'none'}) do not"
                " include repo",
                "add the `repo` scope to the token (github.com/settings/tokens)",
            )
    permissions = data.get("permissions") or {}
    if not (permissions.get("push") or permissions.get("triage")):
        held = ", ".join(sorted(k for k, v in permissions.items() if v)) or "none"
        return fail(
            "may write issues",
            subject,
            f"the account may not edit issues in {target.repo} (permissions: {held})",
            "give the account triage or write access (a fine-grained token: Issues read and"
            " write on this repository)",
        )
    kind = "fine-grained token" if scopes is None else f"scopes {scopes}"
    return ok("may write issues", subject, kind)


def _user_exists(probe: Probe, login: str) -> bool | None:
    answer = probe.get(f"/users/{quote(login, safe='')}")
    if answer.status == 404:
        return False
    return True if answer.found else None
