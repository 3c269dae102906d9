"""Read a register file exactly: its bytes decoded as UTF-8, nothing normalized.

Line endings, a BOM and mojibake all survive (`read` never translates newlines), so what the
parser sees is what is on disk, and an edit can be written back byte for byte.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path


class RegisterFileError(Exception):
    """The register cannot be read as text; the message names the file and the problem."""


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
    if b"\x00" in data:
        raise RegisterFileError(f"{path}: binary file (NUL bytes), not a Markdown register")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegisterFileError(
            f"{path}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start});"
            " save it as UTF-8"
        ) from None


class RegisterChanged(Exception):
    """The file changed since it was read (a person saved it mid-cycle): nothing was written."""


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_register(path: Path, text: str, read_fingerprint: str) -> None:
    """Replace the file with `text` atomically, only if it still holds what was read.

    Temp file in the same folder, fsync, the original's permissions, rename over it, fsync the
    folder: a reader sees the old bytes or the new ones, never half of either.
    """
    current = read_register(path)
    if fingerprint(current) != read_fingerprint:
        raise RegisterChanged(f"{path}: changed while syncer was working; it will re-plan")
    mode = stat.S_IMODE(path.stat().st_mode)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".syncer-tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
