"""The fakes refuse writes as the real services do when a token's scopes, a repository's
permissions or a project role do not allow them: what doctor reports is what reconcile meets."""

from __future__ import annotations

from typing import Any

import gitlab
import pytest
from github import Auth, Github, GithubException
from jira import JIRA, JIRAError

from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira


def github_create(fake: FakeGitHub) -> None:
    client = Github(base_url=fake.server.base_url, auth=Auth.Token(fake.token), retry=None)
    client.get_repo(fake.repo).create_issue("A new issue")


def test_github_refuses_writes_to_a_classic_token_without_repo_scope() -> None:
    with FakeGitHub(scopes=("read:user",)) as fake:
        with pytest.raises(GithubException) as refused:
            github_create(fake)
        assert refused.value.status == 403
        assert fake.issue_count() == 0
        assert fake.server.requests[-1].method == "POST"


def test_github_sends_scopes_only_for_a_classic_token() -> None:
    with FakeGitHub(scopes=("repo", "gist")) as classic, FakeGitHub(scopes=None) as fine:
        client = Github(base_url=classic.server.base_url, auth=Auth.Token(classic.token))
        assert client.get_user().login
        assert client.oauth_scopes == ["repo", "gist"]
        client = Github(base_url=fine.server.base_url, auth=Auth.Token(fine.token))
        assert client.get_user().login
        assert client.oauth_scopes is None
        github_create(fine)  # push and triage by default


@pytest.mark.parametrize(("scopes", "level"), [(("read_api",), 30), (("api",), 10)])
def test_gitlab_refuses_writes_without_api_scope_or_below_reporter(
    scopes: tuple[str, ...], level: int
) -> None:
    with FakeGitLab(scopes=scopes, access_level=level) as fake:
        client = gitlab.Gitlab(fake.server.base_url, private_token=fake.token)
        project = client.projects.get(fake.repo)
        with pytest.raises(gitlab.GitlabCreateError) as refused:
            project.issues.create({"title": "A new issue"})
        assert refused.value.response_code == 403
        assert fake.issue_count() == 0


def test_jira_mypermissions_reports_what_is_granted() -> None:
    with FakeJira(permissions=("BROWSE_PROJECTS",)) as fake:
        client = JIRA(fake.server.base_url, token_auth=fake.token, get_server_info=False)
        held: Any = client.my_permissions(
            projectKey="DEBT", permissions="BROWSE_PROJECTS,EDIT_ISSUES"
        )
    granted = {key: value["havePermission"] for key, value in held["permissions"].items()}
    assert granted == {
        "BROWSE_PROJECTS": True,
        "EDIT_ISSUES": False,
    }


def test_jira_refuses_a_write_the_account_has_no_permission_for() -> None:
    with FakeJira(permissions=("BROWSE_PROJECTS", "EDIT_ISSUES")) as fake:
        client = JIRA(fake.server.base_url, token_auth=fake.token, get_server_info=False)
        with pytest.raises(JIRAError) as refused:
            client.create_issue(project="DEBT", summary="A new issue", issuetype={"name": "Task"})
        assert refused.value.status_code == 403
        assert "permission to create issues" in str(refused.value.text)
        assert fake.issue_count() == 0
