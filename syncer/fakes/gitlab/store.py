"""The fake instance's projects and what a write does to them, whoever sends it: the API (as
the token's user) or a person behind it (`FakeGitLab.add_issue`, `human_edit`, `move_issue`).

Every write that changes an issue fires the Issue Hook GitLab would fire, through `notify`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from syncer.fakes.clock import SYSTEM_TIME, Clock
from syncer.fakes.gitlab.hooks import changed, hook_snapshot, issue_hook, note_hook
from syncer.fakes.gitlab.params import due_date, int_list, str_list, validate_edit
from syncer.fakes.gitlab.state import (
    DEFAULT_REPO,
    HUMAN,
    MEMBERS,
    PROJECT_ID,
    USERS,
    ApiError,
    Ids,
    Issue,
    Json,
    Note,
    Project,
    Tier,
    User,
    bad_request,
    not_found,
)
from syncer.model import Priority
from syncer.trackers.base import FieldMapping

Notify = Callable[[str, Json], None]
"""(event, payload) of a webhook GitLab would send now."""


class Instance:
    """A GitLab instance: its users, its projects (the first one syncer's), its tier."""

    def __init__(
        self,
        base_url: str,
        notify: Notify,
        *,
        repo: str = DEFAULT_REPO,
        tier: Tier = "free",
        members: Iterable[User] = MEMBERS,
        clock: Clock = SYSTEM_TIME,
    ) -> None:
        self.base_url = base_url
        self.clock = clock
        self.notify = notify
        self.tier = tier
        self.ids = Ids()
        self.project = Project(PROJECT_ID, repo, base_url, self.ids, members, clock)
        self.projects = {PROJECT_ID: self.project}

    def add_project(self, path: str) -> Project:
        """Another project of the instance, every user a member: somewhere to move issues."""
        project = Project(max(self.projects) + 1, path, self.base_url, self.ids, USERS, self.clock)
        self.projects[project.id] = project
        return project

    def find_project(self, wanted: str) -> Project:
        """A project by id or by its path (URL-encoded or not: Starlette decodes it)."""
        for project in self.projects.values():
            if wanted in (project.path, str(project.id)):
                return project
        raise not_found("Project Not Found")

    def seed(self, count: int) -> None:
        """Issues a project already had: sync-labelled, spread over the past `count` hours."""
        mapping, priorities = FieldMapping(), list(Priority)
        start = datetime.fromtimestamp(self.clock.time(), UTC) - timedelta(hours=count + 1)
        for n in range(count):
            at = start + timedelta(hours=n)
            issue = self.project.add_issue(f"Seeded tech-debt item {n + 1}", HUMAN, at)
            issue.description = f"Found while working on area {n % 9}.\n\n- [ ] fix it"
            issue.labels = [mapping.sync_label, mapping.priority_labels[priorities[n % 4]]]
            if n % 5 == 4:
                issue.state, issue.closed_at, issue.closed_by = "closed", at, HUMAN
            self.project.use_labels(issue.labels)

    # --- Writes ---

    def create(self, project: Project, params: Json, actor: User) -> Issue:
        title = str(params.get("title") or "").strip()
        if not title:
            raise bad_request({"title": ["can't be blank"]})
        issue = project.add_issue(title, actor)
        issue.description = params.get("description")
        issue.labels = list(dict.fromkeys(str_list(params.get("labels", []))))
        if "assignee_ids" in params:
            issue.assignees = self._assignees(project, params["assignee_ids"], [])
        issue.due_date = due_date(params.get("due_date"))
        project.use_labels(issue.labels)
        opened = changed({}, hook_snapshot(project, issue), issue, None)
        self.notify("Issue Hook", issue_hook(project, issue, "open", actor, opened))
        return issue

    def edit(self, project: Project, issue: Issue, params: Json, actor: User) -> None:
        """Apply a PUT's parameters; like Rails, an edit that changes nothing touches nothing."""
        validate_edit(params)
        before, updated_before = hook_snapshot(project, issue), issue.updated_at
        self._apply_fields(project, issue, params)
        self._apply_state(project, issue, params.get("state_event"), actor)
        project.use_labels(issue.labels)
        if hook_snapshot(project, issue) == before:
            return
        issue.updated_at, issue.updated_by = project.clock.now(), actor
        event = params.get("state_event")
        action = {"close": "close", "reopen": "reopen"}.get(str(event), "update")
        changes = changed(before, hook_snapshot(project, issue), issue, updated_before)
        self.notify("Issue Hook", issue_hook(project, issue, action, actor, changes))

    def move(self, project: Project, issue: Issue, to: Project, actor: User) -> Issue:
        """`POST /projects/:id/issues/:iid/move`: a copy in `to` (title, description, labels
        it has, assignees, due date), and the original closed with `moved_to_id` and a system
        note, as GitLab's `Issues::MoveService` leaves them."""
        if to is project:
            raise bad_request("Cannot move issue to project it originates from!")
        if issue.moved_to_id is not None:
            raise bad_request("Cannot move issue which was already moved to another project!")
        moved = to.add_issue(issue.title, issue.author)
        moved.description, moved.due_date = issue.description, issue.due_date
        moved.assignees = [user for user in issue.assignees if user.id in to.members]
        moved.labels = [name for name in issue.labels if name in to.labels]
        moved.state, moved.closed_at = issue.state, issue.closed_at
        moved.closed_by = issue.closed_by
        came = f"moved from {project.path}#{issue.iid}"
        moved.notes.append(Note(self.ids.new(), came, actor, moved.created_at, system=True))
        issue.moved_to_id = moved.id  # before closing: the close's Issue Hook carries it
        self.edit(project, issue, {"state_event": "close"}, actor)
        issue.updated_at = project.clock.now()  # set `moved_to`: an update, closed or not
        went = f"moved to {to.path}#{moved.iid}"
        issue.notes.append(Note(self.ids.new(), went, actor, issue.updated_at, system=True))
        return moved

    def comment(self, project: Project, issue: Issue, body: str, actor: User) -> Note:
        note = Note(self.ids.new(), body, actor, project.clock.now())
        issue.notes.append(note)
        issue.updated_at = note.created_at  # a comment touches its issue, as on GitLab
        self.notify("Note Hook", note_hook(project, issue, note))
        return note

    def _apply_fields(self, project: Project, issue: Issue, params: Json) -> None:
        if "title" in params:
            issue.title = str(params["title"]).strip()
        if "description" in params:
            issue.description = params["description"]
        if "labels" in params:
            issue.labels = str_list(params["labels"])
        removed = set(str_list(params.get("remove_labels", [])))
        added = str_list(params.get("add_labels", []))
        issue.labels = [n for n in dict.fromkeys(issue.labels + added) if n not in removed]
        if "assignee_ids" in params:
            issue.assignees = self._assignees(project, params["assignee_ids"], issue.assignees)
        if "due_date" in params:
            issue.due_date = due_date(params["due_date"])

    def _apply_state(self, project: Project, issue: Issue, event: object, actor: User) -> None:
        if event == "close" and issue.state == "opened":
            issue.state, issue.closed_by = "closed", actor
            issue.closed_at = project.clock.now()
        elif event == "reopen" and issue.state == "closed":
            issue.state, issue.closed_at, issue.closed_by = "opened", None, None

    def _assignees(self, project: Project, raw: object, current: list[User]) -> list[User]:
        """What GitLab keeps of `assignee_ids` (`IssuableBaseService#filter_assignees`): on the
        Free tier only the first id; then only users who can read the issue (members of the
        private project; an unknown id is nobody). `[]` or `0` unassigns everyone; ids that
        all fall away leave the assignees as they were. GitLab says nothing either way."""
        ids = list(dict.fromkeys(int_list(raw)))
        if not ids or ids == [0]:
            return []
        if self.tier == "free":
            ids = ids[:1]
        known = {user.id: user for user in USERS}
        readers = [known[i] for i in ids if i in known and i in project.members]
        return readers or current


def destination(instance: Instance, params: Json) -> Project:
    """The project a move's `to_project_id` names; 404 for one GitLab does not know."""
    wanted = params.get("to_project_id")
    if wanted in (None, ""):
        raise ApiError(400, {"error": "to_project_id is missing"})
    try:
        return instance.find_project(str(int(str(wanted))))
    except ValueError as exc:
        raise ApiError(400, {"error": "to_project_id is invalid"}) from exc
