"""Checks of one target: its token is there and accepted, the account may write issues, the
names the configuration uses exist on the tracker, and the two clocks agree.

Only GET requests are sent (see `probe`): doctor reports what reconcile would need, and never
does any of it (a missing sync label is reported, not created).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import closing
from datetime import datetime
from email.utils import parsedate_to_datetime

from syncer.config import ConfigError, TargetConfig
from syncer.doctor import github_checks, gitlab_checks, jira_checks
from syncer.doctor.check import Check, fail, ok, warn
from syncer.doctor.probe import Answer, Probe, probe_for
from syncer.log import secret

SKEW_LIMIT_SECONDS = 60.0
"""Beyond this, "changed since" questions may miss or repeat changes (doctor warns)."""

IDENTITY = {"github": "/user", "gitlab": "/user", "jira": "/rest/api/2/myself"}
"""Who the token belongs to: the one authenticated request that says whether it is valid."""

KindChecks = Callable[[Probe, TargetConfig, Answer], list[Check]]
BY_KIND: Mapping[str, KindChecks] = {
    "github": github_checks.checks,
    "gitlab": gitlab_checks.checks,
    "jira": jira_checks.checks,
}


def target_checks(
    target: TargetConfig, env: Mapping[str, str] | None, now: Callable[[], datetime]
) -> list[Check]:
    """Every check of `target`, in order; after a failed token the rest cannot be made."""
    subject = f"target {target.name}"
    try:
        token = secret(target.token(env))
    except ConfigError as exc:
        return [fail("token readable", subject, str(exc), _token_fix(target))]
    checks = [ok("token readable", subject, f"from {_token_source(target)}")]
    with closing(probe_for(target, token)) as probe:
        me = probe.get(IDENTITY[target.kind])
        if not me.found:
            checks.append(_refused(subject, target, me))
            return checks
        checks.append(ok("token valid", subject, f"signed in as {_who(me)}"))
        checks += BY_KIND[target.kind](probe, target, me)
        checks.append(skew_check(subject, me, now()))
    return checks


def _refused(subject: str, target: TargetConfig, me: Answer) -> Check:
    if me.status == 0:
        return fail(
            "token valid",
            subject,
            f"no answer from {target.base_url}",
            "check base_url, and that this machine reaches it (proxy, VPN, firewall)",
        )
    if me.status == 401:
        return fail(
            "token valid",
            subject,
            f"{target.base_url} refused the token (401): wrong, expired or revoked",
            f"make a new token and put it in {_token_source(target)}",
        )
    return fail(
        "token valid",
        subject,
        f"{target.base_url}{IDENTITY[target.kind]} answered {me.status}",
        "check base_url: it should be the tracker's API address",
    )


def _who(me: Answer) -> str:
    body = me.body if isinstance(me.body, dict) else {}
    for key in ("login", "username", "name", "accountId", "displayName"):
        if body.get(key):
            return str(body[key])
    return "an unnamed account"


def _token_source(target: TargetConfig) -> str:
    if target.token_env is not None:
        return f"${target.token_env}"
    if target.token_file is not None:
        return str(target.token_file)
    if target.token_command is not None:
        return "token_command"
    return "the system keyring"


def _token_fix(target: TargetConfig) -> str:
    if target.token_env is not None:
        return f"export {target.token_env} in the environment syncer runs in"
    return f"make {_token_source(target)} give the token"


def skew_check(subject: str, answer: Answer, now: datetime) -> Check:
    """This machine's clock against the tracker's `Date` header."""
    try:
        theirs = parsedate_to_datetime(answer.headers["date"])
    except (KeyError, TypeError, ValueError):
        return Check("clock", subject, "skip", "the tracker sent no Date header")
    skew = (now - theirs).total_seconds()
    if abs(skew) <= SKEW_LIMIT_SECONDS:
        return ok("clock", subject, f"within {SKEW_LIMIT_SECONDS:.0f} s of the tracker's")
    side = "ahead of" if skew > 0 else "behind"
    return warn(
        "clock",
        subject,
        f"this machine's clock is {abs(skew):.0f} s {side} the tracker's",
        "sync the clock (NTP): syncer compares its times with the tracker's",
    )
