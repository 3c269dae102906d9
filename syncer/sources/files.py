"""Read a register file exactly, and write it without ever losing a person's save.

Reading: the bytes decoded as UTF-8, nothing normalized. Line endings, a BOM and mojibake all
survive (`read` never translates newlines), so what the parser sees is what is on disk, and an
edit can be written back byte for byte. What cannot be read as text is a one-line error.

Writing (`write_register`) happens while people may save the same file. The protocol:
1. Symlinks are resolved: the file they point to is written, the link stays a link.
2. A register whose permission bits let nobody write (`chmod a-w`, 0444) is refused with
   `RegisterReadOnly`, even when syncer runs as root: the bits are the user's wish.
3. The file must still hash as read, else `RegisterChanged`.
4. The new text goes to a temp file in the register's folder: fsynced, with the register's
   mode, owner and group (a run as root must not take the file from its owner).
5. Temp file and register swap places in one step (renameat2 RENAME_EXCHANGE): the path always
   holds a whole file, old or new, and the old file now sits under the temp name.
6. The old file must be exactly the text that was read. If not, a person saved between steps 3
   and 5 (by replacing the file or by writing into it): the two swap back, the person's version
   is at the path again, syncer's is deleted, `RegisterChanged`.
7. Checked once more just before the old file is deleted, since a program holding it open may
   still write into it; then the folder is fsynced. If the path no longer holds syncer's text
   (a person saved after step 5), `RegisterChanged`: their save stays.
Where the system cannot swap (not Linux, file systems without it), step 5 renames the register
aside and puts the new file in place with an operation that fails if a file appeared at the
path meanwhile (a hard link, else RENAME_NOREPLACE); that file, a person's, then stays. Putting
the old file back is then a rename over syncer's file.

Whatever goes wrong before the end (an error, Ctrl-C), the old file is put back: nothing is
half-written and no temp file is left. Not covered: a program that writes into the old file in
the microseconds between the last check and its deletion (as with any editor that saves by
rename), and other hard links to the register, which keep the old text.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from syncer.sources.source import RegisterText


class RegisterFileError(Exception):
    """The register cannot be read or written as text; the message names the file and why."""


class RegisterReadOnly(RegisterFileError):
    """The user made the register read-only: syncer writes nothing to it."""

    count = "register_read_only"
    """The cycle's count this outcome adds to (a note, not a failure)."""


class RegisterChanged(Exception):
    """The file changed while syncer was working (a person saved it): their version stays."""


def read_register(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RegisterFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RegisterFileError(f"{path}: is a directory, not a register file") from None
    except PermissionError:
        raise RegisterFileError(f"{path}: permission denied") from None
    except OSError as exc:
        raise RegisterFileError(f"{path}: cannot read ({exc.strerror})") from None
    return decode_register(data, str(path))


def decode_register(data: bytes, where: str) -> str:
    """A register's bytes as text, exactly (no newline or BOM handling); what is not UTF-8
    text is a `RegisterFileError` naming `where` (a file, or a path in a git repository)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RegisterFileError(f"{where}: UTF-16 text, not UTF-8; save it as UTF-8")
    if b"\x00" in data:
        raise RegisterFileError(f"{where}: binary file (NUL bytes), not a Markdown register")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegisterFileError(
            f"{where}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start});"
            " save it as UTF-8"
        ) from None


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


Pause = Callable[[str], None]
"""Called between the steps of a write with the step just done (`checked`, `prepared`,
`swapped`, `verified`): tests save the file there, as a person would."""


def write_register(
    path: Path, text: str, read_fingerprint: str, *, between: Pause | None = None
) -> None:
    """Replace the register's text with `text`, only if it still holds what was read (its
    `fingerprint`); a person's save at any moment of the write wins (module docstring)."""
    target = _target(path)
    info = target.stat()
    if info.st_mode & 0o222 == 0:
        raise RegisterReadOnly(f"{path}: the file is read-only; nothing was written")
    if not os.access(target, os.W_OK):
        raise RegisterFileError(f"{path}: no permission to write it; nothing was written")
    if fingerprint(read_register(target)) != read_fingerprint:
        raise RegisterChanged(f"{path}: changed while syncer was working; it will re-plan")
    pause = between or (lambda step: None)
    pause("checked")
    _Write(path, target, text.encode("utf-8"), read_fingerprint, info).run(pause)


def _target(path: Path) -> Path:
    """The file the register's path leads to, through any symlinks."""
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        raise RegisterFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise RegisterFileError(f"{path}: cannot write ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise RegisterFileError(f"{path}: is a directory, not a register file")
    if not stat.S_ISREG(mode):
        raise RegisterFileError(f"{path}: not a regular file, not a register file")
    return target


class _Write:
    """One write of one register: the new file, and where the old one went."""

    def __init__(
        self, path: Path, target: Path, data: bytes, read_fingerprint: str, info: os.stat_result
    ) -> None:
        self.path, self.target, self.data = path, target, data
        self.read_fingerprint, self.info = read_fingerprint, info
        self.new = target  # the temp file, once made
        self.ours = (0, 0)
        self.old: Path | None = None  # where the old file sits once the new one is in place

    def run(self, pause: Pause) -> None:
        try:
            self._prepare()
            pause("prepared")
            if not self._swap():
                raise RegisterChanged(f"{self.path}: saved while syncer was writing; kept as is")
            pause("swapped")
            self._keep_if_changed()
            pause("verified")
            self._keep_if_changed()
            self._drop(self.old)
            self.old = None
        except BaseException:
            if self.old is not None:
                self._put_back()
            raise
        finally:
            self._drop(self.new, only_ours=True)
        _fsync_dir(self.target.parent)
        if _sha256_of(self.target) != hashlib.sha256(self.data).hexdigest():
            raise RegisterChanged(f"{self.path}: saved again just after syncer's write; kept")

    def _prepare(self) -> None:
        """The new text in a temp file beside the register, with its mode, owner and group."""
        folder, name = self.target.parent, self.target.name
        try:
            fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".syncer-new", dir=folder)
        except OSError as exc:
            message = f"{self.path}: cannot write in its folder ({exc.strerror})"
            raise RegisterFileError(message) from None
        self.new = Path(temp)
        with os.fdopen(fd, "wb") as out:
            mine = os.fstat(out.fileno())
            self.ours = (mine.st_dev, mine.st_ino)
            out.write(self.data)
            out.flush()
            if (mine.st_uid, mine.st_gid) != (self.info.st_uid, self.info.st_gid):
                try:
                    os.fchown(out.fileno(), self.info.st_uid, self.info.st_gid)
                except PermissionError:
                    raise RegisterFileError(
                        f"{self.path}: cannot keep its owner and group as this user;"
                        " nothing was written"
                    ) from None
            os.fchmod(out.fileno(), stat.S_IMODE(self.info.st_mode))
            os.fsync(out.fileno())

    def _swap(self) -> bool:
        """Put the new file at the path and keep the old one aside (`self.old`); False when
        a person's file appeared at the path while the old one was aside (theirs stays)."""
        try:
            if _exchange(self.new, self.target):
                self.old, self.new = self.new, self.target
                return True
            aside = self.new.with_suffix(".syncer-old")
            self.target.rename(aside)
        except FileNotFoundError:
            raise RegisterChanged(f"{self.path}: removed while syncer was writing") from None
        self.old = aside
        if _place(self.new, self.target):
            self.new = self.target
            return True
        self._drop(self.old)  # superseded by the person's newer save, as without syncer
        self.old = None
        return False

    def _keep_if_changed(self) -> None:
        """The old file must hold exactly what was read; else it is a person's save: put back."""
        assert self.old is not None
        if _sha256_of(self.old) != self.read_fingerprint:
            self._put_back()
            raise RegisterChanged(f"{self.path}: saved while syncer was writing; kept as is")

    def _put_back(self) -> None:
        """The old file at the path again; syncer's new one, out of it, deleted."""
        assert self.old is not None
        if _exchange(self.old, self.target):
            if self.old.exists() and not self._is_ours(self.old):
                # a person saved at the path meanwhile: their newest save stays, as it would
                _exchange(self.old, self.target)  # without syncer
            self._drop(self.old)
        elif self._is_ours(self.target):
            self.old.rename(self.target)
        elif not _place(self.old, self.target):  # a person's newer save is there: it stays
            self._drop(self.old)
        self.old = None
        _fsync_dir(self.target.parent)

    def _is_ours(self, path: Path) -> bool:
        try:
            found = path.stat()
        except FileNotFoundError:
            return False
        return (found.st_dev, found.st_ino) == self.ours

    def _drop(self, path: Path | None, only_ours: bool = False) -> None:
        if path is not None and path != self.target and (not only_ours or self._is_ours(path)):
            path.unlink(missing_ok=True)


def _sha256_of(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2
_AT_FDCWD = -100
_UNSUPPORTED = (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM, errno.EXDEV)


@cache
def _renameat2() -> Callable[[int, bytes, int, bytes, int], int] | None:
    """Linux's renameat2 (glibc 2.28+), or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    function = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if function is None:
        return None
    path, at = ctypes.c_char_p, ctypes.c_int
    function.argtypes = (at, path, at, path, ctypes.c_uint)
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


def _rename_with(flags: int, source: Path, destination: Path) -> bool | None:
    """renameat2 with `flags`: True done, False the destination exists (NOREPLACE), None when
    the system or file system cannot."""
    call = _renameat2()
    if call is None:
        return None
    if call(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(destination), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code == errno.EEXIST:
        return False
    if code in _UNSUPPORTED:
        return None
    raise OSError(code, os.strerror(code), str(destination))


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where this system or file system cannot."""
    return bool(_rename_with(_RENAME_EXCHANGE, first, second))


def _place(source: Path, destination: Path) -> bool:
    """Move `source` to `destination` unless a file is there (False: it stays)."""
    try:
        os.link(source, destination)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (*_UNSUPPORTED, errno.EMLINK):
            raise
        placed = _rename_with(_RENAME_NOREPLACE, source, destination)
        if placed is not None:
            return placed
        if destination.exists():  # last resort: a check, then a rename
            return False
        source.rename(destination)
        return True
    source.unlink()
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileSource:
    """A register that is a file on this machine: the default source."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> RegisterText:
        text = read_register(self.path)
        modified = datetime.fromtimestamp(self.path.stat().st_mtime, UTC)
        return RegisterText(text, fingerprint(text), modified)

    def fingerprint(self) -> str:
        """The bytes hashed: the same as `read`'s fingerprint of them, as the text is their
        exact UTF-8 decoding (a file that is not UTF-8 never ends a cycle settled)."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def write(self, text: str, read: RegisterText, message: str) -> None:
        """`message` says what changed; a file has nowhere to keep it."""
        write_register(self.path, text, read.fingerprint)
