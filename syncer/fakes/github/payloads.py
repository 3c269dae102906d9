"""The fake repository's state as GitHub's JSON: every key the real payloads carry
(`tests/data/fixtures/api/github`), node ids, nested users, labels and milestones, `closed_by`
only on single-issue reads, pull requests with their `pull_request` object."""

from __future__ import annotations

from urllib.parse import quote

from syncer.fakes.github.state import Comment, Issue, Label, Milestone, Store
from syncer.fakes.github.wire import HUMAN_LOGIN, Json, iso, node_id


def user_json(store: Store, login: str) -> Json:
    uid = store.user_id(login)
    api = f"{store.base_url}/users/{login}"
    return {
        "login": login,
        "id": uid,
        "node_id": node_id("User", uid),
        "avatar_url": f"{store.base_url}/avatars/u/{uid}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{store.base_url}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "Bot" if login == "hubot" else "User",
        "user_view_type": "public",
        "site_admin": False,
    }


def private_user_json(store: Store, login: str) -> Json:
    """`GET /user`: the public profile plus the fields only its owner sees."""
    return {
        **user_json(store, login),
        "name": login.replace("-", " ").title(),
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "twitter_username": None,
        "notification_email": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": iso(store.created_at),
        "updated_at": iso(store.created_at),
        "private_gists": 0,
        "total_private_repos": 1,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": True,
        "plan": {
            "name": "free",
            "space": 976562499,
            "collaborators": 0,
            "private_repos": 10000,
        },
    }


def label_json(store: Store, label: Label) -> Json:
    return {
        "id": label.id,
        "node_id": node_id("Label", label.id),
        "url": f"{store.api_repo}/labels/{quote(label.name, safe='')}",
        "name": label.name,
        "color": label.color,
        "default": label.default,
        "description": label.description,
    }


def milestone_json(store: Store, milestone: Milestone) -> Json:
    mid = 90_000 + milestone.number
    states = [i.state for i in store.issues.values() if i.milestone == milestone.number]
    return {
        "url": f"{store.api_repo}/milestones/{milestone.number}",
        "html_url": f"{store.web_repo}/milestone/{milestone.number}",
        "labels_url": f"{store.api_repo}/milestones/{milestone.number}/labels",
        "id": mid,
        "node_id": node_id("Milestone", mid),
        "number": milestone.number,
        "title": milestone.title,
        "description": milestone.description,
        "creator": user_json(store, HUMAN_LOGIN),
        "open_issues": states.count("open"),
        "closed_issues": states.count("closed"),
        "state": "open",
        "created_at": iso(milestone.created_at),
        "updated_at": iso(milestone.created_at),
        "due_on": iso(milestone.due_on),
        "closed_at": None,
    }


def association(store: Store, login: str) -> str:
    return "MEMBER" if login.lower() in store.collaborators else "NONE"


def issue_json(store: Store, issue: Issue, *, single: bool = False) -> Json:
    """An issue as `GET /issues/{n}` (`single`) or a list/webhook item (no `closed_by`)."""
    url = f"{store.api_repo}/issues/{issue.number}"
    kind = "pull" if issue.is_pull else "issues"
    assignees = [user_json(store, login) for login in issue.assignees]
    labels = [store.label(name) for name in issue.labels]
    milestone = store.milestones.get(issue.milestone) if issue.milestone else None
    data: Json = {
        "url": url,
        "repository_url": store.api_repo,
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"{store.web_repo}/{kind}/{issue.number}",
        "id": 1_000_000_000 + issue.number,
        "node_id": node_id(
            "PullRequest" if issue.is_pull else "Issue", 1_000_000_000 + issue.number
        ),
        "number": issue.number,
        "title": issue.title,
        "user": user_json(store, issue.user),
        "labels": [label_json(store, label) for label in labels if label],
        "state": issue.state,
        "locked": False,
        "assignee": assignees[0] if assignees else None,
        "assignees": assignees,
        "milestone": milestone_json(store, milestone) if milestone else None,
        "comments": len(issue.comments),
        "created_at": iso(issue.created_at),
        "updated_at": iso(issue.updated_at),
        "closed_at": iso(issue.closed_at),
        "author_association": association(store, issue.user),
        "type": None,
        "active_lock_reason": None,
        "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
        "issue_dependencies_summary": {
            "blocked_by": 0,
            "total_blocked_by": 0,
            "blocking": 0,
            "total_blocking": 0,
        },
        "body": issue.body,
    }
    if issue.is_pull:
        data["draft"] = False
        data["pull_request"] = pull_request_json(store, issue.number)
    if single:
        data["closed_by"] = user_json(store, issue.closed_by) if issue.closed_by else None
    data["reactions"] = reactions_json(url)
    data["timeline_url"] = f"{url}/timeline"
    data["performed_via_github_app"] = None
    data["state_reason"] = issue.state_reason
    return data


def pull_request_json(store: Store, number: int) -> Json:
    web = f"{store.web_repo}/pull/{number}"
    return {
        "url": f"{store.api_repo}/pulls/{number}",
        "html_url": web,
        "diff_url": f"{web}.diff",
        "patch_url": f"{web}.patch",
        "merged_at": None,
    }


def reactions_json(url: str) -> Json:
    counts = dict.fromkeys(
        ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0
    )
    return {"url": f"{url}/reactions", "total_count": 0, **counts}


def comment_json(store: Store, issue: Issue, comment: Comment) -> Json:
    url = f"{store.api_repo}/issues/comments/{comment.id}"
    return {
        "url": url,
        "html_url": f"{store.web_repo}/issues/{issue.number}#issuecomment-{comment.id}",
        "issue_url": f"{store.api_repo}/issues/{issue.number}",
        "id": comment.id,
        "node_id": node_id("IssueComment", comment.id),
        "user": user_json(store, comment.user),
        "created_at": iso(comment.created_at),
        "updated_at": iso(comment.created_at),
        "author_association": association(store, comment.user),
        "body": comment.body,
        "reactions": reactions_json(url),
        "performed_via_github_app": None,
    }


def repo_json(store: Store) -> Json:
    owner, name = store.repo.split("/", 1)
    api, web = store.api_repo, store.web_repo
    open_count = sum(1 for i in store.issues.values() if i.state == "open" and not i.deleted)
    templates = {
        "forks_url": "/forks",
        "keys_url": "/keys{/key_id}",
        "collaborators_url": "/collaborators{/collaborator}",
        "teams_url": "/teams",
        "hooks_url": "/hooks",
        "issue_events_url": "/issues/events{/number}",
        "events_url": "/events",
        "assignees_url": "/assignees{/user}",
        "branches_url": "/branches{/branch}",
        "tags_url": "/tags",
        "blobs_url": "/git/blobs{/sha}",
        "git_tags_url": "/git/tags{/sha}",
        "git_refs_url": "/git/refs{/sha}",
        "trees_url": "/git/trees{/sha}",
        "statuses_url": "/statuses/{sha}",
        "languages_url": "/languages",
        "stargazers_url": "/stargazers",
        "contributors_url": "/contributors",
        "subscribers_url": "/subscribers",
        "subscription_url": "/subscription",
        "commits_url": "/commits{/sha}",
        "git_commits_url": "/git/commits{/sha}",
        "comments_url": "/comments{/number}",
        "issue_comment_url": "/issues/comments{/number}",
        "contents_url": "/contents/{+path}",
        "compare_url": "/compare/{base}...{head}",
        "merges_url": "/merges",
        "archive_url": "/{archive_format}{/ref}",
        "downloads_url": "/downloads",
        "issues_url": "/issues{/number}",
        "pulls_url": "/pulls{/number}",
        "milestones_url": "/milestones{/number}",
        "notifications_url": "/notifications{?since,all,participating}",
        "labels_url": "/labels{/name}",
        "releases_url": "/releases{/id}",
        "deployments_url": "/deployments",
    }
    return {
        "id": store.repo_id,
        "node_id": node_id("Repository", store.repo_id),
        "name": name,
        "full_name": store.repo,
        "private": True,
        "owner": {**user_json(store, owner), "type": "Organization"},
        "html_url": web,
        "description": "Tech debt, tracked by syncer",
        "fork": False,
        "url": api,
        **{key: f"{api}{suffix}" for key, suffix in templates.items()},
        "created_at": iso(store.created_at),
        "updated_at": iso(store.created_at),
        "pushed_at": iso(store.created_at),
        "git_url": f"git://{web.split('://', 1)[1]}.git",
        "ssh_url": f"git@{store.base_url.split('://', 1)[1]}:{store.repo}.git",
        "clone_url": f"{web}.git",
        "svn_url": web,
        "homepage": None,
        "size": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": None,
        "has_issues": True,
        "has_projects": True,
        "has_downloads": True,
        "has_wiki": False,
        "has_pages": False,
        "has_discussions": False,
        "forks_count": 0,
        "mirror_url": None,
        "archived": False,
        "disabled": False,
        "open_issues_count": open_count,
        "license": None,
        "allow_forking": False,
        "is_template": False,
        "web_commit_signoff_required": False,
        "topics": [],
        "visibility": "private",
        "forks": 0,
        "open_issues": open_count,
        "watchers": 0,
        "default_branch": "main",
    }
