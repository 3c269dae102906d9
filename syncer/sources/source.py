"""What a cycle needs of the place a register lives: its text as read, and a guarded write.

A register is a file on this machine (`syncer.sources.files.FileSource`) or a file in a git
repository (`syncer.sources.git.GitSource`). Either way the cycle reads the text once, plans
on it, and writes the new text only if the register still holds what was read; when a person
changed it meanwhile the write raises `RegisterChanged` and the cycle re-plans on their text
(`syncer.sync.cycle.run_cycles`). Both sources share that one path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class RegisterText:
    """The register as one cycle read it."""

    text: str
    fingerprint: str
    """sha256 of the text: the write's guard."""
    modified: datetime
    """When the register last changed (the `newest-wins` policy compares it)."""
    revision: str = ""
    """Where it was read in the source's own terms: the commit, for a git register."""


class RegisterSource(Protocol):
    def read(self) -> RegisterText:
        """The register's text now; `RegisterFileError` when it cannot be read."""
        ...

    def fingerprint(self) -> str | None:
        """The `fingerprint` a `read` now would give, when it is had without fetching
        anything (a file's bytes hashed); None when only a full read can tell (a git register
        must pull first). The idle check (`syncer.sync.idle`) compares it; `OSError` when the
        file cannot be read."""
        ...

    def write(self, text: str, read: RegisterText, message: str) -> None:
        """Replace the text `read` with `text`; `message` says what changed (a commit's).

        Raises `RegisterChanged` when the register no longer holds what was read (nothing is
        written), `RegisterReadOnly` when the user keeps syncer from writing it, and
        `RegisterFileError` when it cannot be written.
        """
        ...
