"""Jira: the permissions syncer uses in the project (`mypermissions`), and the priorities
`jira_priorities` names.

Transition names (`jira_transitions`) are not checked: Jira lists transitions per issue and
status, so knowing them takes an issue in each status; a missing one is reported by the
reconcile that needs it. `user_map` holds Server user names or Cloud account ids, which Jira
looks up differently per flavour: not checked either.
"""

from __future__ import annotations

from syncer.config import TargetConfig
from syncer.doctor.check import Check, fail, ok
from syncer.doctor.probe import Answer, Probe
from syncer.trackers.jira.config import JiraTarget

NEEDED = ("BROWSE_PROJECTS", "CREATE_ISSUES", "EDIT_ISSUES", "TRANSITION_ISSUES")


def checks(probe: Probe, target: TargetConfig, me: Answer) -> list[Check]:
    subject = f"target {target.name}"
    params = {"projectKey": target.repo, "permissions": ",".join(NEEDED)}
    return [
        permission_check(subject, target, probe.get("/rest/api/2/mypermissions", params)),
        priority_check(subject, target, probe.get("/rest/api/2/priority")),
    ]


def permission_check(subject: str, target: TargetConfig, answer: Answer) -> Check:
    if not answer.found:
        return fail(
            "may write issues",
            subject,
            f"project {target.repo}: not found, or no access ({answer.status})",
            "check `repo` (the project key), and give the account access to the project",
        )
    held = answer.body.get("permissions", {}) if isinstance(answer.body, dict) else {}
    missing = [key for key in NEEDED if not (held.get(key) or {}).get("havePermission")]
    if missing:
        return fail(
            "may write issues",
            subject,
            f"the account lacks {', '.join(missing)} in {target.repo}",
            "grant them to the account in the project's permission scheme",
        )
    return ok("may write issues", subject, ", ".join(NEEDED))


def priority_check(subject: str, target: TargetConfig, answer: Answer) -> Check:
    if not isinstance(target, JiraTarget):  # only Jira targets name Jira priorities
        return ok("priorities", subject, "not a Jira target")
    body = answer.body if answer.found and isinstance(answer.body, list) else None
    if body is None:
        return fail("priorities", subject, f"listing priorities answered {answer.status}", "")
    known = {str(entry.get("name")) for entry in body if isinstance(entry, dict)}
    wanted = sorted(set(target.jira_priorities.values()))
    missing = [name for name in wanted if name not in known]
    if missing:
        return fail(
            "priorities",
            subject,
            f"no such Jira priority: {', '.join(missing)}",
            f"set jira_priorities to names this Jira has: {', '.join(sorted(known))}",
        )
    return ok("priorities", subject, f"{len(wanted)} mapped priorities exist")
