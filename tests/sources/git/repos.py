"""Real git repositories for the git source's tests: a bare "remote" in a temp folder and a
person's clone that edits and pushes. No network, no user's git configuration (the `isolated`
fixture points HOME at the temp folder and turns the system config off)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

REGISTER = (
    "# Debt\n\n## Platform chores\n\n"
    "- [ ] **Cache the parser** - it is slow\n"
    "- [ ] Vendor the codec\n"
    "- [ ] Retire the old importer\n\n"
    "## Notes\n\nReviewed every quarter.\n"
)
PATH = "docs/TECH_DEBT.md"


def git(folder: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def isolate(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """No system or user git configuration leaks in; people commit under a fixed name."""
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CONFIG_COUNT"):
        monkeypatch.delenv(var, raising=False)
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Dana Person\n\temail = dana@example.test\n"
        "[init]\n\tdefaultBranch = main\n",
        "utf-8",
    )


class Remote:
    """A bare repository holding a register and a README, with a person's clone beside it."""

    def __init__(self, root: Path, text: str = REGISTER) -> None:
        self.bare = root / "remote.git"
        subprocess.run(["git", "init", "--quiet", "--bare", str(self.bare)], check=True)
        self.person = Person(root / "person", self.bare)
        self.person.write(PATH, text)
        self.person.write("README.md", "# The project\n")
        self.person.commit_and_push("Start the register")

    def register(self) -> str:
        """The register at the branch's head on the remote."""
        return git(self.bare, "show", f"main:{PATH}") + "\n"

    def log(self) -> list[tuple[str, str]]:
        """(author, subject) of every commit on main, newest first."""
        lines = git(self.bare, "log", "--format=%an%x09%s", "main").splitlines()
        return [tuple(line.split("\t", 1)) for line in lines]  # type: ignore[misc]

    def files_changed(self, commit: str) -> list[str]:
        return git(self.bare, "show", "--format=", "--name-only", commit).splitlines()


class Person:
    """Someone with a clone who edits files and pushes, as people do."""

    def __init__(self, folder: Path, bare: Path) -> None:
        self.folder = folder
        subprocess.run(
            ["git", "clone", "--quiet", str(bare), str(folder)], check=True, capture_output=True
        )

    def write(self, path: str, text: str) -> None:
        target = self.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))

    def read(self, path: str = PATH) -> str:
        return (self.folder / path).read_bytes().decode("utf-8")

    def edit(self, change: Callable[[str], str], message: str, path: str = PATH) -> str:
        """Change the file on the remote's newest version, commit and push; when someone
        pushed first, start again from theirs (as a careful person does). The commit's sha."""
        while True:
            git(self.folder, "fetch", "--quiet", "origin")
            git(self.folder, "reset", "--quiet", "--hard", "origin/main")
            self.write(path, change(self.read(path)))
            git(self.folder, "commit", "--quiet", "-am", message)
            pushed = subprocess.run(
                ["git", "-C", str(self.folder), "push", "--quiet", "origin", "HEAD:main"],
                capture_output=True,
                check=False,
            )
            if pushed.returncode == 0:
                return git(self.folder, "rev-parse", "HEAD")

    def commit_and_push(self, message: str) -> None:
        git(self.folder, "add", "-A")
        git(self.folder, "commit", "--quiet", "-m", message)
        git(self.folder, "push", "--quiet", "origin", "HEAD:main")
