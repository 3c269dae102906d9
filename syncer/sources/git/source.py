"""A register kept in a git repository: read at the branch's head, written as one commit.

A cycle fetches the branch and reads the file at its head (`read`). When the cycle's edits
change the text, `write` commits exactly those bytes on the commit read and pushes, never
forced. A push rejected because someone pushed meanwhile is retried on the new head, at most
`PUSH_TRIES` times, but only while the register file there still holds exactly the bytes the
cycle planned on (others pushed other files): the commit then carries the same edit onto the
same text. Once the file itself has moved, the edits are never rebased or merged as text:
`RegisterChanged` sends the cycle back to re-read the person's version and re-plan its edits
through the register's own edit functions, as for a person's save of a local file
(`syncer.sync.cycle.run_cycles`). The person's lines win; syncer's edits for the items they
touched are re-planned from the bases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from syncer.sources.files import (
    RegisterChanged,
    RegisterReadOnly,
    decode_register,
    fingerprint,
)
from syncer.sources.git.commands import GitError
from syncer.sources.git.config import GitSourceConfig, display_url
from syncer.sources.git.repository import Author, Blob, Pushed, Repository
from syncer.sources.source import RegisterText

PUSH_TRIES = 5

Pause = Callable[[str], None]
"""Called with `pushing` just before each push: tests push as a person would, right there."""


@dataclass(frozen=True)
class Proposal:
    """What a pull or merge request (`pull_request = true`) is told when syncer pushes."""

    register: str
    branch: str
    """syncer's branch, `syncer/<register>`."""
    base: str
    title: str
    body: str


Propose = Callable[[Proposal], str]
"""Opens or updates the one pull (GitHub) or merge (GitLab) request of a register; returns how
to find it (`pull request #12 (url)`, `merge request !3 (url)`)."""


class GitSource:
    """`RegisterSource` of a register in a git repository (see the module docstring)."""

    def __init__(
        self,
        name: str,
        config: GitSourceConfig,
        repository: Repository,
        *,
        propose: Propose | None = None,
        before_push: Pause | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.repository = repository
        self.propose = propose
        self.before_push = before_push or (lambda step: None)
        self.where = f"{config.path} in {display_url(config.repository)} ({config.branch})"

    def read(self) -> RegisterText:
        self.repository.ensure()
        head = self.repository.fetch(self.config.branch)
        blob = self._blob(head)
        text = decode_register(blob.data, self.where)
        modified = self.repository.changed_at(head, self.config.path)
        return RegisterText(text, fingerprint(text), modified, revision=head)

    def fingerprint(self) -> None:
        """Only a fetch can tell what the branch holds now: never idle without a full read."""
        return

    def write(self, text: str, read: RegisterText, message: str) -> None:
        if self.propose is not None:
            self._propose(text, read, message)
            return
        head = read.revision
        for _ in range(PUSH_TRIES):
            commit = self._commit((head,), text, message)
            self.before_push("pushing")
            if self.repository.push(commit, self.config.branch) is Pushed.DONE:
                return
            head = self._moved_on(read)
        raise GitError(
            f"{self.where}: the branch kept moving; gave up after {PUSH_TRIES} pushes (the "
            "next cycle tries again)"
        )

    def _moved_on(self, read: RegisterText) -> str:
        """The branch's new head, when the register there is still the text read; else
        `RegisterChanged`: a person's version to re-plan on."""
        head = self.repository.fetch(self.config.branch)
        found = self.repository.blob(head, self.config.path)
        if found is None or found.data != read.text.encode("utf-8"):
            raise RegisterChanged(
                f"{self.where}: someone pushed a change to the register meanwhile; syncer "
                "re-plans on their version"
            )
        return head

    def _commit(self, parents: tuple[str, ...], text: str, message: str) -> str:
        """A commit of `text` at the register's path on the first parent's tree, its file
        mode kept."""
        blob = Blob(text.encode("utf-8"), self._blob(parents[0]).mode)
        author = Author(self.config.author_name, self.config.author_email)
        return self.repository.commit_file(parents, self.config.path, blob, message, author)

    def _blob(self, commit: str) -> Blob:
        found = self.repository.blob(commit, self.config.path)
        if found is None:
            raise GitError(f"{self.where}: no such file on the branch")
        return found

    def _propose(self, text: str, read: RegisterText, message: str) -> None:
        """Protected branch: the commit goes to `syncer/<register>`, one pull request shows it,
        and the register counts as not written until a person merges it (`RegisterInReview`).

        The branch's new commit is built on the base branch's head, with the branch's previous
        commit as a second parent while that is not merged: always a fast-forward, no force,
        and the pull request's diff is this cycle's edits alone. A branch that already holds
        exactly this is not pushed again.
        """
        assert self.propose is not None
        branch = f"syncer/{self.name}"
        previous = self.repository.fetch_if_present(branch)
        parents: tuple[str, ...] = (read.revision,)
        if previous is not None and not self.repository.is_ancestor(previous, read.revision):
            parents += (previous,)
        commit = self._commit(parents, text, message)
        tree = self.repository.tree(commit)
        same = previous is not None and self.repository.tree(previous) == tree
        if not same and self.repository.push(commit, branch) is not Pushed.DONE:
            raise GitError(f"{self.where}: the branch {branch} moved while syncer pushed to it")
        subject, _, rest = message.partition("\n")
        found = self.propose(
            Proposal(self.name, branch, self.config.branch, subject, _REVIEW_NOTE + rest.strip())
        )
        raise RegisterInReview(f"{self.where}: syncer's edits wait in {found}")


_REVIEW_NOTE = (
    "syncer keeps this request up to date with what the register must take from the "
    "trackers; merge it to take it in. Until then syncer re-plans the same edits each cycle.\n\n"
)


class RegisterInReview(RegisterReadOnly):
    """The register's edits went to a pull request: the branch still holds the old text, so
    the cycle treats the write like a read-only file's (nothing moves until it is merged)."""

    count = "register_in_review"
