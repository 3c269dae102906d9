"""What one doctor check found: a value the command prints and tests compare."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail", "skip"]
"""`fail` makes `syncer doctor` exit non-zero; `warn` is worth a look but syncer still runs;
`skip` is a check that could not be made here (a git register, a target whose token failed)."""


@dataclass(frozen=True)
class Check:
    """One check: what was checked (`name`) of what (`subject`: a register, a target, the
    state database), how it went, what was found, and what to do about a failure."""

    name: str
    subject: str
    status: Status
    detail: str
    fix: str = ""


def ok(name: str, subject: str, detail: str) -> Check:
    return Check(name, subject, "ok", detail)


def warn(name: str, subject: str, detail: str, fix: str) -> Check:
    return Check(name, subject, "warn", detail, fix)


def fail(name: str, subject: str, detail: str, fix: str) -> Check:
    return Check(name, subject, "fail", detail, fix)


def failed(checks: Sequence[Check]) -> bool:
    """Whether any check failed (warnings do not count)."""
    return any(check.status == "fail" for check in checks)
