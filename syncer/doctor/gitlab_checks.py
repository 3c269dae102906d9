"""GitLab: the token's scopes (writing issues needs `api`), the account's role in the project
(Reporter, 20, at least), the sync label, the `user_map` usernames."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from syncer.config import TargetConfig
from syncer.doctor.check import Check, fail, ok
from syncer.doctor.names import label_check, users_check
from syncer.doctor.probe import Answer, Probe

REPORTER = 20
ROLES = {10: "Guest", 15: "Planner", 20: "Reporter", 30: "Developer", 40: "Maintainer", 50: "Owner"}


def checks(probe: Probe, target: TargetConfig, me: Answer) -> list[Check]:
    subject = f"target {target.name}"
    project_path = f"/projects/{quote(target.repo, safe='')}"
    found = [scope_check(subject, probe.get("/personal_access_tokens/self"))]
    project = probe.get(project_path)
    found.append(role_check(subject, target, project))
    if project.found:
        label = probe.get(f"{project_path}/labels/{quote(target.sync_label, safe='')}")
        found.append(label_check(subject, target, label))
    found.append(users_check(subject, target, lambda name: _user_exists(probe, name)))
    return found


def scope_check(subject: str, token: Answer) -> Check:
    if not token.found:
        return Check(
            "token scopes",
            subject,
            "skip",
            f"GitLab does not describe this token ({token.status}; GitLab before 15.5?)",
        )
    scopes = token.body.get("scopes", []) if isinstance(token.body, dict) else []
    if "api" not in scopes:
        return fail(
            "token scopes",
            subject,
            f"the token's scopes ({', '.join(scopes) or 'none'}) do not include api",
            "make a token with the `api` scope (read_api cannot write issues)",
        )
    return ok("token scopes", subject, ", ".join(scopes))


def role_check(subject: str, target: TargetConfig, project: Answer) -> Check:
    if not project.found:
        return fail(
            "may write issues",
            subject,
            f"{target.repo}: not found, or this token may not see it ({project.status})",
            "check `repo` (group/project), and add the token's account to the project",
        )
    data = project.body if isinstance(project.body, dict) else {}
    level = _level(data.get("permissions") or {})
    if level < REPORTER:
        role = ROLES.get(level, f"access level {level}") if level else "no role"
        return fail(
            "may write issues",
            subject,
            f"the account has {role} in {target.repo}",
            "make the account a Reporter (or more) in the project",
        )
    return ok("may write issues", subject, ROLES.get(level, f"access level {level}"))


def _level(permissions: dict[str, Any]) -> int:
    """The higher of the account's project and group roles (either may be null)."""
    levels = [
        int((permissions.get(key) or {}).get("access_level") or 0)
        for key in ("project_access", "group_access")
    ]
    return max(levels)


def _user_exists(probe: Probe, username: str) -> bool | None:
    answer = probe.get("/users", {"username": username})
    if not answer.found:
        return None
    return bool(answer.body)
