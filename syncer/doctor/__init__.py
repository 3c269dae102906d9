"""`syncer doctor`'s checks: is everything a reconcile needs in place, asked without writing
anything (to trackers, registers or the state database)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from syncer.config import Settings
from syncer.doctor.check import Check, Status, failed
from syncer.doctor.local import register_checks, state_check, webhook_checks
from syncer.doctor.remote import target_checks


def _utcnow() -> datetime:
    return datetime.now(UTC)


def run_checks(
    settings: Settings,
    env: Mapping[str, str] | None = None,
    now: Callable[[], datetime] = _utcnow,
) -> list[Check]:
    """Every check of a loaded configuration, in the order a user would fix things:
    registers, the state database, each target, webhook secrets."""
    checks = [register_checks(register) for register in settings.registers]
    checks.append(state_check(settings.state))
    for register in settings.registers:
        for target in register.targets:
            checks += target_checks(target, env, now)
    checks += webhook_checks(settings, env)
    return checks


__all__ = ["Check", "Status", "failed", "run_checks"]
