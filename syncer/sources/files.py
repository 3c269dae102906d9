"""Read a register file exactly: its bytes decoded as UTF-8, nothing normalized.

Line endings, a BOM and mojibake all survive (`read` never translates newlines), so what the
parser sees is what is on disk, and an edit can be written back byte for byte.
"""

from __future__ import annotations

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
