"""Opening or updating the one pull request of a register on GitHub (`pull_request = true`).

Through PyGithub, as the GitHub tracker talks to GitHub. One open pull request per register:
the one from `syncer/<register>` into the register's branch, found by its head and base, is
updated; none open, one is opened. A person who closes it unmerged is answered by a new one
while the register still has edits to take (the tracker changed; the register must say so).
"""

from __future__ import annotations

import requests
from github import Auth, Github, GithubException

from syncer.redact import scrub
from syncer.sources.git.commands import GitError
from syncer.sources.git.source import Proposal, Propose

TIMEOUT_SECONDS = 30


def github_pulls(api_url: str, repo: str, token: str) -> Propose:
    """A `Propose` for GitHub repository `repo` (`owner/name`) at `api_url`."""

    def propose(proposal: Proposal) -> str:
        github = Github(
            base_url=api_url.rstrip("/"),
            auth=Auth.Token(token),
            timeout=TIMEOUT_SECONDS,
            user_agent="syncer (PyGithub)",
            retry=None,
            lazy=True,
        )
        try:
            repository = github.get_repo(repo)
            owner = repo.partition("/")[0]
            found = list(
                repository.get_pulls(
                    state="open", head=f"{owner}:{proposal.branch}", base=proposal.base
                )
            )
            if found:
                pull = found[0]
                pull.edit(title=proposal.title, body=proposal.body)
            else:
                pull = repository.create_pull(
                    base=proposal.base,
                    head=proposal.branch,
                    title=proposal.title,
                    body=proposal.body,
                )
            return f"pull request #{pull.number} ({pull.html_url})"
        except GithubException as exc:
            message = exc.data.get("message") if isinstance(exc.data, dict) else exc.data
            said = f"{exc.status} {message}"
            raise GitError(scrub(f"GitHub {repo}: cannot open the pull request: {said}")) from None
        except requests.RequestException:  # refused, timed out, a name that does not resolve
            raise GitError(scrub(f"GitHub {repo}: cannot reach {api_url.rstrip('/')}")) from None
        finally:
            github.close()

    return propose
