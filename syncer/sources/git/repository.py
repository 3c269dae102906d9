"""One register's repository: fetch a branch, read a file at a commit, commit one file, push.

Only plumbing commands, on a bare repository of syncer's own (in the state folder): a commit
is made from its parent's tree with exactly one entry replaced (`read-tree`, `update-index
--cacheinfo`, `write-tree`, `commit-tree` on a temporary index), so it can touch no other
file, and the blob is stored as given (`hash-object --no-filters`). A push is never forced.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from syncer.sources.git.commands import Git, GitError

MARKER = "syncer-register"
"""A file in each repository syncer makes, so cleaning up deletes nothing else."""


class Pushed(Enum):
    DONE = "done"
    REJECTED = "rejected"
    """The branch moved (someone pushed meanwhile): fetch and try again."""


@dataclass(frozen=True)
class Blob:
    data: bytes
    mode: str
    """`100644` or `100755`: kept as found."""


@dataclass(frozen=True)
class Author:
    name: str
    email: str


class Repository:
    """A bare repository at `git.folder` mirroring the branches syncer works on."""

    def __init__(self, git: Git, remote: str) -> None:
        self.git = git
        self.remote = remote

    def ensure(self) -> None:
        """Made on first use: `git init --bare` in the state folder."""
        if not (self.git.folder / "HEAD").exists():
            self.git.folder.mkdir(parents=True, exist_ok=True)
            self.git.run("init", "--quiet", "--bare", str(self.git.folder))
            (self.git.folder / MARKER).write_text(
                "A register's repository, kept by syncer; deleted when the register leaves "
                "the configuration.\n",
                "utf-8",
            )

    def fetch(self, branch: str) -> str:
        """The branch's head commit at the remote, fetched."""
        head = self.fetch_if_present(branch)
        if head is None:
            raise GitError(
                f"{self.git.where}: the branch {branch} does not exist in the repository"
            )
        return head

    def fetch_if_present(self, branch: str) -> str | None:
        """As `fetch`, None when the remote has no such branch (a pull request's, not made
        yet)."""
        ref = _tracking(branch)
        result = self.git.run(
            "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", self.remote,
            f"+refs/heads/{branch}:{ref}", check=False,
        )  # fmt: skip
        if result.code != 0:
            if "couldn't find remote ref" in result.err:
                self.git.run("update-ref", "-d", ref)
                return None
            raise GitError(self.git.explain("fetch", result.err))
        return self.git.text("rev-parse", "--verify", f"{ref}^{{commit}}")

    def blob(self, commit: str, path: str) -> Blob | None:
        """The file at `path` in `commit`, byte for byte; None when there is none."""
        listed = self.git.run("ls-tree", "-z", commit, "--", path).out.rstrip(b"\0")
        if not listed:
            return None
        meta, _, _ = listed.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        if kind == "tree":
            raise GitError(f"{self.git.where}: {path} is a folder, not a register file")
        if kind != "blob" or mode == "120000":
            raise GitError(f"{self.git.where}: {path} is a link or submodule, not a file")
        return Blob(self.git.run("cat-file", "blob", sha).out, mode)

    def changed_at(self, commit: str, path: str) -> datetime:
        """When the last commit that changed `path` was made (`newest-wins` compares it)."""
        stamp = self.git.text("log", "-1", "--format=%ct", commit, "--", path)
        return datetime.fromtimestamp(int(stamp or 0), UTC)

    def tree(self, commit: str) -> str:
        return self.git.text("rev-parse", "--verify", f"{commit}^{{tree}}")

    def is_ancestor(self, older: str, newer: str) -> bool:
        return self.git.run("merge-base", "--is-ancestor", older, newer, check=False).code == 0

    def commit_file(
        self,
        parents: tuple[str, ...],
        path: str,
        blob: Blob,
        message: str,
        author: Author,
    ) -> str:
        """A commit whose tree is the first parent's with `path` holding `blob`, nothing else
        changed."""
        sha = self.git.text("hash-object", "-w", "--no-filters", "--stdin", stdin=blob.data)
        with tempfile.TemporaryDirectory(prefix="index-", dir=self.git.folder) as folder:
            index = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
            self.git.run("read-tree", parents[0], env=index)
            self.git.run(
                "update-index", "--add", "--cacheinfo", f"{blob.mode},{sha},{path}", env=index
            )
            tree = self.git.text("write-tree", env=index)
        who = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": author.name,
            "GIT_COMMITTER_EMAIL": author.email,
        }
        linked = [arg for parent in parents for arg in ("-p", parent)]
        return self.git.text(
            "commit-tree", "--no-gpg-sign", tree, *linked, "-F", "-",
            stdin=message.encode("utf-8"), env=who,
        )  # fmt: skip

    def push(self, commit: str, branch: str) -> Pushed:
        """`commit` to the remote's `branch`, fast-forward only; the remote's refusal for any
        reason but a race (a protected branch, a hook) is a `GitError`. The user's own
        pre-push hooks (a global `core.hooksPath`) are for their pushes, not syncer's."""
        result = self.git.run(
            "push", "--porcelain", "--quiet", "--no-verify", self.remote,
            f"{commit}:refs/heads/{branch}", check=False,
        )  # fmt: skip
        status = result.out.decode("utf-8", "replace")
        if result.code == 0:
            self.git.run("update-ref", _tracking(branch), commit)
            return Pushed.DONE
        if "[rejected]" in status:
            return Pushed.REJECTED
        if "[remote rejected]" in status:
            why = status.partition("[remote rejected]")[2].strip().splitlines()[0]
            if any(words in why for words in _RACED):
                return Pushed.REJECTED
            raise GitError(
                f"{self.git.where}: the remote refused the push to {branch} {why}; for a "
                "protected branch set pull_request = true"
            )
        raise GitError(self.git.explain("push", result.err or status))


_RACED = ("failed to update ref", "cannot lock ref", "incorrect old value", "stale info")
"""How a remote says another push updated the branch in the same instant (not a refusal)."""


def _tracking(branch: str) -> str:
    return f"refs/remotes/syncer/{branch}"
