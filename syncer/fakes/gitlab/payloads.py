"""The fake's JSON answers, key for key like GitLab's documented responses
(`tests/data/fixtures/api/gitlab`)."""

from __future__ import annotations

import re

from syncer.fakes.gitlab.state import Issue, Json, Note, Project, api_time

_TASK_RE = re.compile(r"^\s*[-*+] \[([ xX])\]", re.MULTILINE)


def _tasks(description: str | None) -> tuple[int, int]:
    marks = _TASK_RE.findall(description or "")
    return len(marks), sum(1 for m in marks if m != " ")


def issue_json(project: Project, issue: Issue) -> Json:
    base, api = project.base_url, project.api_url
    count, completed = _tasks(issue.description)
    first_assignee = issue.assignees[0].api(base) if issue.assignees else None
    return {
        "id": issue.id,
        "iid": issue.iid,
        "project_id": project.id,
        "title": issue.title,
        "description": issue.description,
        "state": issue.state,
        "created_at": api_time(issue.created_at),
        "updated_at": api_time(issue.updated_at),
        "closed_at": api_time(issue.closed_at) if issue.closed_at else None,
        "closed_by": issue.closed_by.api(base) if issue.closed_by else None,
        "labels": list(issue.labels),
        "milestone": None,
        "assignees": [a.api(base) for a in issue.assignees],
        "assignee": first_assignee,
        "author": issue.author.api(base),
        "type": "ISSUE",
        "issue_type": "issue",
        "upvotes": 0,
        "downvotes": 0,
        "merge_requests_count": 0,
        "user_notes_count": sum(1 for note in issue.notes if not note.system),
        "due_date": issue.due_date.isoformat() if issue.due_date else None,
        "moved_to_id": issue.moved_to_id,
        "web_url": f"{project.web_url}/-/issues/{issue.iid}",
        "references": {
            "short": f"#{issue.iid}",
            "relative": f"#{issue.iid}",
            "full": f"{project.path}#{issue.iid}",
        },
        "time_stats": {
            "time_estimate": 0,
            "total_time_spent": 0,
            "human_time_estimate": None,
            "human_total_time_spent": None,
        },
        "has_tasks": count > 0,
        "task_status": f"{completed} of {count} tasks completed",
        "confidential": False,
        "discussion_locked": False,
        "subscribed": True,
        "severity": "UNKNOWN",
        "_links": {
            "self": f"{api}/issues/{issue.iid}",
            "notes": f"{api}/issues/{issue.iid}/notes",
            "award_emoji": f"{api}/issues/{issue.iid}/award_emoji",
            "project": api,
            "closed_as_duplicate_of": None,
        },
        "task_completion_status": {"count": count, "completed_count": completed},
    }


def note_json(project: Project, issue: Issue, note: Note) -> Json:
    return {
        "id": note.id,
        "type": None,
        "body": note.body,
        "attachment": None,
        "author": note.author.api(project.base_url),
        "created_at": api_time(note.created_at),
        "updated_at": api_time(note.created_at),
        "system": note.system,
        "noteable_id": issue.id,
        "noteable_type": "Issue",
        "project_id": project.id,
        "noteable_iid": issue.iid,
        "resolvable": False,
        "confidential": False,
        "internal": False,
        "imported": False,
        "imported_from": "none",
    }


def project_json(project: Project) -> Json:
    group, _, name = project.path.rpartition("/")
    api = project.api_url
    return {
        "id": project.id,
        "description": "Issues tracked from the tech-debt register",
        "name": name,
        "name_with_namespace": f"{group} / {name}",
        "path": name,
        "path_with_namespace": project.path,
        "created_at": api_time(project.created_at),
        "default_branch": "main",
        "tag_list": [],
        "topics": [],
        "ssh_url_to_repo": f"git@127.0.0.1:{project.path}.git",
        "http_url_to_repo": f"{project.web_url}.git",
        "web_url": project.web_url,
        "readme_url": None,
        "avatar_url": None,
        "forks_count": 0,
        "star_count": 0,
        "last_activity_at": api_time(project.created_at),
        "namespace": {
            "id": 7,
            "name": group,
            "path": group,
            "kind": "group",
            "full_path": group,
            "parent_id": None,
            "avatar_url": None,
            "web_url": f"{project.base_url}/groups/{group}",
        },
        "_links": {
            "self": api,
            "issues": f"{api}/issues",
            "labels": f"{api}/labels",
            "events": f"{api}/events",
            "members": f"{api}/members",
        },
        "issues_enabled": True,
        "open_issues_count": sum(1 for i in project.issues.values() if i.state == "opened"),
        "visibility": "private",
        "archived": False,
    }
