"""Opening or updating the one merge request of a register on GitLab (`pull_request = true`).

The GitLab twin of `syncer.sources.git.pulls`, through python-gitlab as the GitLab tracker talks
to GitLab. One open merge request per register: the one from `syncer/<register>` into the
register's branch, found by its source and target branches, is updated; none open, one is
opened (GitLab itself refuses a second open one for the same branches). A person who closes it
unmerged is answered by a new one while the register still has edits to take.
"""

from __future__ import annotations

import gitlab
import requests
from gitlab.exceptions import GitlabError

from syncer.redact import scrub
from syncer.sources.git.commands import GitError
from syncer.sources.git.source import Proposal, Propose
from syncer.trackers.gitlab.client import site_url

TIMEOUT_SECONDS = 30


def gitlab_merge_requests(api_url: str, project: str, token: str) -> Propose:
    """A `Propose` for GitLab project `project` (its path, `group/sub/name`) at `api_url` (the
    site, `https://gitlab.example.com`; a trailing `/api/v4` is taken too)."""

    def propose(proposal: Proposal) -> str:
        client = gitlab.Gitlab(
            url=site_url(api_url),
            private_token=token,
            timeout=TIMEOUT_SECONDS,
            user_agent="syncer (python-gitlab)",
            keep_base_url=True,
        )
        try:
            requests_of = client.projects.get(project, lazy=True).mergerequests
            found = requests_of.list(
                state="opened",
                source_branch=proposal.branch,
                target_branch=proposal.base,
                get_all=False,
            )
            if found:
                request = found[0]
                request.title, request.description = proposal.title, proposal.body
                request.save()
            else:
                request = requests_of.create(
                    {
                        "source_branch": proposal.branch,
                        "target_branch": proposal.base,
                        "title": proposal.title,
                        "description": proposal.body,
                    }
                )
            return f"merge request !{request.iid} ({request.web_url})"
        except GitlabError as exc:
            said = f"{exc.response_code} {exc.error_message}"
            raise GitError(
                scrub(f"GitLab {project}: cannot open the merge request: {said}")
            ) from None
        except requests.RequestException:
            raise GitError(f"GitLab {project}: cannot reach {site_url(api_url)}") from None
        finally:
            client.session.close()

    return propose
