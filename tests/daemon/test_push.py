"""A push to the repository a register is kept in wakes that register (GitHub `push`, GitLab
`Push Hook`): read from the forges' documented payloads, routed by repository and branch, and
answered by the webhook endpoints like an issue event."""

from __future__ import annotations

import json

import pytest

from syncer.config import RegisterConfig, TrackerKind
from syncer.daemon.routing import Router
from syncer.daemon.webhooks import Malformed, PushEvent, parse
from syncer.sources.git.config import GitSourceConfig
from tests.daemon.support import FakeLinks, Harness, Sample, TestClient, altered, signed, target

GITHUB_PUSH = Sample("github", "github/push.tag.json", "push")
"""A tag pushed (deleted) to Codertocat/Hello-World; `branch_push` makes it a branch's."""
GITLAB_PUSH = Sample("gitlab", "gitlab/push_hook.docs.json", "Push Hook")
"""A push to master of mike/diaspora on example.com."""


def branch_push(sample: Sample, branch: str = "master") -> bytes:
    return altered(sample.body, ["ref"], f"refs/heads/{branch}")


def kept_in(name: str, repository: str, branch: str = "master", **extra: str) -> RegisterConfig:
    git = GitSourceConfig(repository=repository, branch=branch, path="TECH_DEBT.md", **extra)  # type: ignore[arg-type]
    jira = target("jira", "OPS", base_url="https://jira.example.test")
    return RegisterConfig(name=name, source="git", git=git, targets=[jira])


REGISTERS = (
    kept_in("hello-https", "https://github.com/codertocat/hello-world"),
    kept_in("hello-ssh", "git@github.com:Codertocat/Hello-World.git"),
    kept_in("hello-release", "https://github.com/Codertocat/Hello-World.git", branch="release"),
    kept_in("hello-elsewhere", "https://github.example/Codertocat/Hello-World.git"),
    kept_in("other", "https://github.com/codertocat/other.git"),
    kept_in("diaspora", "ssh://git@example.com/mike/diaspora.git"),
    kept_in("diaspora-alias", "git@gl-ssh.example.net:mike/diaspora.git", forge="gitlab"),
    kept_in("diaspora-on-github", "https://github.com/mike/diaspora.git"),
    kept_in("local", "/srv/repos/diaspora.git"),
)
"""Registers over Jira only, so nothing but the push can wake them."""


def route(tracker: TrackerKind, body: bytes, event: str) -> tuple[str, ...]:
    delivery = parse(tracker, {"X-GitHub-Event": event, "X-Gitlab-Event": event}, body)
    return Router(REGISTERS, FakeLinks().find).registers_for(delivery)


def test_a_push_is_read_as_the_branch_and_repository_it_went_to() -> None:
    github = parse("github", {"X-GitHub-Event": "push"}, branch_push(GITHUB_PUSH))
    assert github.push == PushEvent(
        "master",
        "Codertocat/Hello-World",
        frozenset(
            {
                "https://github.com/Codertocat/Hello-World.git",
                "git@github.com:Codertocat/Hello-World.git",
            }
        ),
    )
    gitlab = parse("gitlab", {"X-Gitlab-Event": "Push Hook"}, GITLAB_PUSH.body)
    assert gitlab.push == PushEvent(
        "master",
        "mike/diaspora",
        frozenset({"http://example.com/mike/diaspora.git", "git@example.com:mike/diaspora.git"}),
    )
    assert github.used and gitlab.used and github.issue is None


def test_a_tag_pushed_is_not_used() -> None:
    delivery = parse("github", {"X-GitHub-Event": "push"}, GITHUB_PUSH.body)
    assert delivery.push is None and not delivery.used


@pytest.mark.parametrize(
    ("sample", "missing"),
    [(GITHUB_PUSH, ["repository", "full_name"]), (GITLAB_PUSH, ["project", "path_with_namespace"])],
)
def test_a_push_without_its_repository_is_malformed(sample: Sample, missing: list[str]) -> None:
    body = altered(branch_push(sample), missing)
    with pytest.raises(Malformed, match=".".join(missing)):
        parse(sample.tracker, {"X-GitHub-Event": "push", "X-Gitlab-Event": "Push Hook"}, body)


def test_a_push_wakes_the_registers_kept_on_that_branch_of_that_repository() -> None:
    """Written as https or ssh, with or without `.git`, in any letter case; not another branch.
    Another GitHub host's repository of the same name wakes too (it may be the same one under
    another host name, as for issue events: one idle cycle is the price)."""
    woken = ("hello-https", "hello-ssh", "hello-elsewhere")
    assert route("github", branch_push(GITHUB_PUSH), "push") == woken
    assert route("github", branch_push(GITHUB_PUSH, "release"), "push") == ("hello-release",)


def test_a_gitlab_push_wakes_by_address_or_by_path_on_the_registers_forge() -> None:
    """`diaspora-alias` reaches GitLab by another ssh host name: its `forge` says GitLab, and
    the path is the pushed project's. The same path on GitHub is another repository."""
    assert route("gitlab", GITLAB_PUSH.body, "Push Hook") == ("diaspora", "diaspora-alias")


def test_a_push_to_another_branch_or_repository_wakes_nothing() -> None:
    assert route("github", branch_push(GITHUB_PUSH, "feature/x"), "push") == ()
    other = altered(branch_push(GITHUB_PUSH), ["repository", "full_name"], "octo/elsewhere")
    for key in ("clone_url", "ssh_url"):
        other = altered(other, ["repository", key], f"https://github.com/octo/elsewhere-{key}.git")
    assert route("github", other, "push") == ()


def test_a_signed_push_wakes_its_registers_and_a_push_elsewhere_is_ignored() -> None:
    harness = Harness(registers=REGISTERS)
    with TestClient(harness.app()) as client:
        body = branch_push(GITHUB_PUSH)
        headers = signed("github", body, event="push", delivery="push-1")
        answer = client.post("/webhooks/github", content=body, headers=headers)
        assert (answer.status_code, answer.json()["outcome"]) == (202, "accepted")
        assert harness.woken == ["hello-https", "hello-ssh", "hello-elsewhere"]
        again = client.post("/webhooks/github", content=body, headers=headers)
        assert again.json()["outcome"] == "duplicate" and len(harness.woken) == 3

        body = branch_push(GITLAB_PUSH, "feature")
        headers = signed("gitlab", body, event="Push Hook", delivery="push-2")
        answer = client.post("/webhooks/gitlab", content=body, headers=headers)
        assert (answer.status_code, answer.json()["outcome"]) == (202, "ignored")
        assert answer.json()["detail"] == "no register is kept on that repository's branch"
        assert len(harness.woken) == 3


def test_a_forged_push_wakes_nothing() -> None:
    harness = Harness(registers=REGISTERS)
    body = branch_push(GITHUB_PUSH)
    with TestClient(harness.app()) as client:
        headers = signed("github", body, event="push", secret="guessed")
        answer = client.post("/webhooks/github", content=body, headers=headers)
    assert answer.status_code == 401 and harness.woken == []


def test_the_payloads_are_the_forges_own() -> None:
    """The fixtures are the documented examples (tests/data/fixtures/webhooks/SOURCES.tsv)."""
    assert json.loads(GITHUB_PUSH.body)["ref"] == "refs/tags/simple-tag"
    assert json.loads(GITLAB_PUSH.body)["total_commits_count"] == 4
