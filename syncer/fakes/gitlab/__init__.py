"""A fake of the GitLab v4 REST API: in memory, served over real HTTP on 127.0.0.1.

It is faithful where python-gitlab and syncer look, so that what passes against it holds against
gitlab.com: payloads shaped like GitLab's own documented responses
(`tests/data/fixtures/api/gitlab`), offset pagination with the `X-*` and `Link` headers,
`updated_after` inclusive like GitLab's `>=`, labels created on first use, `401`/`404` bodies,
Rack::Attack-style `429`s with `Retry-After` and `RateLimit-*` headers (or, as GitLab.com
sometimes answers, with neither), Issue/Note Hook webhooks carrying `X-Gitlab-Token`, the Free
tier's one assignee per issue, assignees who cannot read the project dropped without a word, and
issues moved to another project (closed, `moved_to_id` set). It hosts syncer's project, plus
any project an issue is moved to, and ignores groups, milestones and everything else syncer
never touches.

One module per job: `state` (users, projects, issues, merge requests), `store` (what a write
does), `params` (reading requests), `listing` (filters and pages), `payloads` and `hooks` (JSON
shapes), `merge_requests` (their routes, for the git source's pull-request mode), `gate`
(faults, rate limit, token), `app` (routes), `fake` (`FakeGitLab`, the person side).
"""

from syncer.fakes.gitlab.fake import DEFAULT_TOKEN, GITLAB_VERSION, FakeGitLab, serve_gitlab
from syncer.fakes.gitlab.state import DEFAULT_REPO, PROJECT_ID, api_time, hook_time

__all__ = [
    "DEFAULT_REPO",
    "DEFAULT_TOKEN",
    "GITLAB_VERSION",
    "PROJECT_ID",
    "FakeGitLab",
    "api_time",
    "hook_time",
    "serve_gitlab",
]
