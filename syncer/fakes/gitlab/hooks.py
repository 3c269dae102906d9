"""The fake's webhook payloads: Issue Hook and Note Hook, as GitLab sends them."""

from __future__ import annotations

from datetime import datetime

from syncer.fakes.gitlab.state import (
    Issue,
    Json,
    Note,
    Project,
    User,
    hook_iso,
    hook_time,
)


def _project_hook(project: Project) -> Json:
    group, _, name = project.path.rpartition("/")
    return {
        "id": project.id,
        "name": name,
        "description": "Issues tracked from the tech-debt register",
        "web_url": project.web_url,
        "avatar_url": None,
        "git_ssh_url": f"git@127.0.0.1:{project.path}.git",
        "git_http_url": f"{project.web_url}.git",
        "namespace": group,
        "visibility_level": 0,
        "path_with_namespace": project.path,
        "default_branch": "main",
        "ci_config_path": None,
        "homepage": project.web_url,
        "url": f"git@127.0.0.1:{project.path}.git",
        "ssh_url": f"git@127.0.0.1:{project.path}.git",
        "http_url": f"{project.web_url}.git",
    }


def _repository_hook(project: Project) -> Json:
    return {
        "name": project.path.rpartition("/")[2],
        "url": f"git@127.0.0.1:{project.path}.git",
        "description": "Issues tracked from the tech-debt register",
        "homepage": project.web_url,
    }


def _hook_labels(project: Project, issue: Issue) -> list[Json]:
    return [project.labels[name].hook() for name in issue.labels if name in project.labels]


def hook_snapshot(project: Project, issue: Issue) -> Json:
    """The fields whose before/after GitLab reports in an Issue Hook's `changes`."""
    return {
        "title": issue.title,
        "description": issue.description,
        "state_id": 1 if issue.state == "opened" else 2,
        "labels": _hook_labels(project, issue),
        "assignees": [a.hook() for a in issue.assignees],
        "due_date": issue.due_date.isoformat() if issue.due_date else None,
        "closed_at": hook_time(issue.closed_at) if issue.closed_at else None,
        "updated_by_id": issue.updated_by.id if issue.updated_by else None,
    }


def changed(before: Json, after: Json, issue: Issue, updated_before: datetime | None) -> Json:
    """What changed, plus `updated_at`: always there, since every change moves it."""
    found = {
        key: {"previous": before.get(key), "current": value}
        for key, value in after.items()
        if before.get(key) != value
    }
    previous = hook_time(updated_before) if updated_before else None
    found["updated_at"] = {"previous": previous, "current": hook_time(issue.updated_at)}
    return found


def _issue_attributes(project: Project, issue: Issue, action: str) -> Json:
    ids = [a.id for a in issue.assignees]
    return {
        "id": issue.id,
        "title": issue.title,
        "assignee_ids": ids,
        "assignee_id": ids[0] if ids else None,
        "author_id": issue.author.id,
        "project_id": project.id,
        "created_at": hook_iso(issue.created_at),
        "updated_at": hook_iso(issue.updated_at),
        "updated_by_id": issue.updated_by.id if issue.updated_by else None,
        "last_edited_at": None,
        "last_edited_by_id": None,
        "relative_position": None,
        "description": issue.description,
        "milestone_id": None,
        "state_id": 1 if issue.state == "opened" else 2,
        "confidential": False,
        "discussion_locked": None,
        "due_date": issue.due_date.isoformat() if issue.due_date else None,
        "moved_to_id": issue.moved_to_id,
        "duplicated_to_id": None,
        "time_estimate": 0,
        "total_time_spent": 0,
        "time_change": 0,
        "human_total_time_spent": None,
        "human_time_estimate": None,
        "human_time_change": None,
        "weight": None,
        "health_status": None,
        "type": "Issue",
        "iid": issue.iid,
        "url": f"{project.web_url}/-/issues/{issue.iid}",
        "state": issue.state,
        "action": action,
        "severity": "unknown",
        "labels": _hook_labels(project, issue),
    }


def issue_hook(project: Project, issue: Issue, action: str, actor: User, changes: Json) -> Json:
    return {
        "object_kind": "issue",
        "event_type": "issue",
        "user": actor.hook(),
        "project": _project_hook(project),
        "object_attributes": _issue_attributes(project, issue, action),
        "repository": _repository_hook(project),
        "assignees": [a.hook() for a in issue.assignees],
        "assignee": issue.assignees[0].hook() if issue.assignees else None,
        "labels": _hook_labels(project, issue),
        "changes": changes,
    }


def note_hook(project: Project, issue: Issue, note: Note) -> Json:
    issue_part = {
        "id": issue.id,
        "title": issue.title,
        "assignee_ids": [a.id for a in issue.assignees],
        "assignee_id": issue.assignees[0].id if issue.assignees else None,
        "author_id": issue.author.id,
        "project_id": project.id,
        "created_at": hook_time(issue.created_at),
        "updated_at": hook_time(issue.updated_at),
        "position": 0,
        "branch_name": None,
        "description": issue.description,
        "milestone_id": None,
        "state": issue.state,
        "iid": issue.iid,
        "labels": _hook_labels(project, issue),
    }
    attributes = {
        "id": note.id,
        "note": note.body,
        "noteable_type": "Issue",
        "author_id": note.author.id,
        "created_at": hook_time(note.created_at),
        "updated_at": hook_time(note.created_at),
        "project_id": project.id,
        "attachment": None,
        "line_code": None,
        "commit_id": "",
        "noteable_id": issue.id,
        "system": False,
        "st_diff": None,
        "action": "create",
        "url": f"{project.web_url}/-/issues/{issue.iid}#note_{note.id}",
    }
    return {
        "object_kind": "note",
        "event_type": "note",
        "user": note.author.hook(),
        "project_id": project.id,
        "project": _project_hook(project),
        "repository": _repository_hook(project),
        "object_attributes": attributes,
        "issue": issue_part,
    }
