"""Reading and writing the register file: a person's save at any moment of a write survives,
the file is never half-written, and links, mode, owner and group stay as the user set them."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest

from syncer.sources import files
from syncer.sources.files import (
    RegisterChanged,
    RegisterFileError,
    RegisterReadOnly,
    fingerprint,
    read_register,
    write_register,
)

OLD = "# Tech Debt\n\n- [ ] Ship it\n"
NEW = "# Tech Debt\n\n- [ ] Ship it [org/repo#1](https://github.com/org/repo/issues/1)\n"
SAVED = "# Tech Debt\n\n- [x] Ship it\n- [ ] A person's new item\n"
STEPS = ("checked", "prepared", "swapped", "verified")


@pytest.fixture
def register(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    path = folder / "TECH_DEBT.md"
    path.write_text(OLD, encoding="utf-8")
    return path


@pytest.fixture(params=["exchange", "rename-and-link", "rename-noreplace", "check-and-rename"])
def moves(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The ways a write can move files: an atomic exchange, else (systems or file systems
    without it) a rename aside and a hard link, a no-replace rename, or a check and a rename."""
    way = str(request.param)
    if way != "exchange":
        monkeypatch.setattr(files, "_exchange", lambda first, second: False)
    if way in ("rename-noreplace", "check-and-rename"):

        def no_hard_links(source: Path, destination: Path) -> None:
            raise OSError(errno.EPERM, "hard links not supported here")

        monkeypatch.setattr(os, "link", no_hard_links)
    if way == "check-and-rename":
        monkeypatch.setattr(files, "_rename_with", lambda flags, source, destination: None)
    return way


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "TECH_DEBT.md")


class Person:
    """Saves the register the way editors do, at a chosen step of syncer's write."""

    def __init__(self, path: Path, how: str, step: str) -> None:
        self.path, self.how, self.step = path, how, step
        self.seen: list[str] = []
        self.held: IO[bytes] = path.open("r+b")  # a program that keeps the file open

    def __call__(self, step: str) -> None:
        self.seen.append(self.path.read_text("utf-8") if self.path.exists() else "")
        if step != self.step:
            return
        if self.how == "replace":  # write a copy, rename it over the file
            copy = self.path.with_name("TECH_DEBT.md~")
            copy.write_text(SAVED, encoding="utf-8")
            copy.replace(self.path)
        elif self.how == "rewrite":  # open the path, truncate, write
            self.path.write_text(SAVED, encoding="utf-8")
        else:  # write through the handle it kept open since before the write began
            self.held.seek(0)
            self.held.truncate()
            self.held.write(SAVED.encode("utf-8"))
            self.held.flush()


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("how", ["replace", "rewrite", "held"])
def test_a_save_at_any_step_of_the_write_is_kept_whole(
    register: Path, moves: str, how: str, step: str
) -> None:
    person = Person(register, how, step)
    with person.held, pytest.raises(RegisterChanged):
        write_register(register, NEW, fingerprint(OLD), between=person)
    assert register.read_text("utf-8") == SAVED
    assert leftovers(register.parent) == []
    assert set(person.seen) <= {OLD, NEW, SAVED}  # never half of anything, never missing


@pytest.mark.parametrize("step", STEPS)
def test_an_interrupted_write_leaves_the_old_text_and_no_temp_file(
    register: Path, moves: str, step: str
) -> None:
    def interrupt(at: str) -> None:
        if at == step:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_register(register, NEW, fingerprint(OLD), between=interrupt)
    assert register.read_text("utf-8") == OLD
    assert leftovers(register.parent) == []


def test_a_write_replaces_the_text_and_leaves_nothing_else(register: Path, moves: str) -> None:
    write_register(register, NEW, fingerprint(OLD))
    assert register.read_text("utf-8") == NEW
    assert leftovers(register.parent) == []


def test_a_file_changed_since_it_was_read_is_not_written(register: Path) -> None:
    register.write_text(SAVED, encoding="utf-8")
    with pytest.raises(RegisterChanged, match="changed while syncer was working"):
        write_register(register, NEW, fingerprint(OLD))
    assert register.read_text("utf-8") == SAVED


def test_a_symlinked_register_stays_a_link_and_its_target_is_written(
    register: Path, moves: str
) -> None:
    link = register.parent.parent / "TODO.md"
    link.symlink_to(Path("docs") / register.name)
    write_register(link, NEW, fingerprint(OLD))
    assert link.is_symlink() and link.read_text("utf-8") == NEW
    assert register.read_text("utf-8") == NEW and not register.is_symlink()
    assert leftovers(register.parent) == []


def test_mode_owner_and_group_are_kept(register: Path, moves: str) -> None:
    register.chmod(0o640)
    os.chown(register, 1234, 5678)  # as someone else's file: syncer runs as root here
    write_register(register, NEW, fingerprint(OLD))
    after = register.stat()
    assert (stat.S_IMODE(after.st_mode), after.st_uid, after.st_gid) == (0o640, 1234, 5678)
    assert register.read_text("utf-8") == NEW


def test_a_read_only_register_is_refused_even_for_root(register: Path) -> None:
    register.chmod(0o444)
    with pytest.raises(RegisterReadOnly, match="read-only; nothing was written"):
        write_register(register, NEW, fingerprint(OLD))
    assert register.read_text("utf-8") == OLD
    assert stat.S_IMODE(register.stat().st_mode) == 0o444
    assert leftovers(register.parent) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_a_register_the_user_may_not_write_is_refused() -> None:
    with tempfile.TemporaryDirectory() as folder:  # a folder another user can reach
        Path(folder).chmod(0o777)  # and in which anyone could replace the file
        register = Path(folder) / "TECH_DEBT.md"
        register.write_text(OLD, encoding="utf-8")
        assert as_nobody(lambda: write_register(register, NEW, fingerprint(OLD))) == (
            f"{register}: no permission to write it; nothing was written"
        )
        assert register.read_text("utf-8") == OLD
        assert leftovers(register.parent) == []


def as_nobody(action: Callable[[], None]) -> str:
    """What `action` raises as a `RegisterFileError` when user `nobody` does it."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.setgid(65534)
        os.setuid(65534)
        try:
            action()
            message = "done"
        except RegisterFileError as exc:
            message = str(exc)
        os.write(write, message.encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read) as answer:
        return answer.read()


def broken(tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    yield "missing", tmp_path / "nope.md", "no such file"
    (tmp_path / "dir.md").mkdir()
    yield "directory", tmp_path / "dir.md", "is a directory"
    (tmp_path / "bin.md").write_bytes(b"# x\x00\x01")
    yield "binary", tmp_path / "bin.md", "binary file"
    (tmp_path / "u16.md").write_bytes("# Tech Debt\n".encode("utf-16"))
    yield "UTF-16", tmp_path / "u16.md", "UTF-16 text, not UTF-8"
    (tmp_path / "latin.md").write_bytes("# Café\n".encode("latin-1"))
    yield "Latin-1", tmp_path / "latin.md", "not valid UTF-8 (byte 0xe9 at offset 5)"
    (tmp_path / "dangling.md").symlink_to(tmp_path / "gone.md")
    yield "dangling link", tmp_path / "dangling.md", "no such file"


@pytest.mark.parametrize("case", range(6))
@pytest.mark.parametrize("action", ["read", "write"])
def test_an_unusable_register_is_a_one_line_error_naming_it(
    tmp_path: Path, case: int, action: str
) -> None:
    _, path, problem = list(broken(tmp_path))[case]
    act: Callable[[], object] = (
        (lambda: read_register(path))
        if action == "read"
        else (lambda: write_register(path, NEW, fingerprint(OLD)))
    )
    with pytest.raises(RegisterFileError) as caught:
        act()
    message = str(caught.value)
    assert problem in message and message.startswith(str(path)) and "\n" not in message
