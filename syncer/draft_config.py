"""The first `syncer.toml` for a register, drafted by `syncer init` for the user to complete.

Pure: what the register holds and the target guessed from the git remote in, TOML text out.
The draft is a valid configuration once the token's environment variable is set: everything
the user still has to decide is a comment beside a working default, never a placeholder that
fails to load. Strings are written as JSON strings, which TOML reads as basic strings.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePath

from syncer.register.survey import Survey
from syncer.remote_guess import GuessedTarget


def register_name(path: PurePath) -> str:
    """A register name (letters, digits, `.`, `_`, `-`) from the file's name: `tech_debt`."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip("-._").lower()
    return name or "register"


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def draft_toml(
    name: str, register_path: str, found: Survey, target: GuessedTarget | None, remote: str = ""
) -> str:
    """The draft: the register, the rules its reading needed, and its target."""
    lines = [
        "# Drafted by `syncer init`: complete it, then check with `syncer parse --config`",
        "# and `syncer reconcile --dry-run`. config/syncer.example.toml documents every key.",
        "",
        "[[registers]]",
        f"name = {_text(name)}",
        f"path = {_text(register_path)}",
        "",
        *_rules(found),
        "",
        *_target(target, remote),
    ]
    return "\n".join(lines) + "\n"


def _rules(found: Survey) -> list[str]:
    """The rules the register needs: a meaning for each status text no built-in word knows.
    Each is drafted as todo (what it reads as now) for the user to correct."""
    lines = ["[registers.rules]"]
    if not found.unknown_statuses:
        return [*lines, "# every status text was understood: no status_words needed"]
    lines += [
        "# Status texts syncer does not know, read as todo. Say what each means:",
        "# todo | in_progress | done.",
        "[registers.rules.status_words]",
    ]
    words: dict[str, str] = {}
    for raw in found.unknown_statuses:
        words.setdefault(_word(raw).lower(), _word(raw))
    return lines + [f'{_text(word)} = "todo"' for word in words.values()]


def _word(raw: str) -> str:
    """A status text as a status word: without emoji and punctuation around it. Words are
    matched case-insensitively, so `⬜ Pendiente` and `pendiente` are drafted once."""
    return re.sub(r"^[\W_]+|[\W_]+$", "", raw) or raw


def _target(target: GuessedTarget | None, remote: str) -> list[str]:
    if target is None:
        why = f"the git remote {remote} is not" if remote else "no git remote names"
        return [
            f"# No target: {why} a GitHub or GitLab project. Add one:",
            "# [[registers.targets]]",
            '# kind = "github"            # github | gitlab | jira',
            '# repo = "owner/name"',
            '# token_env = "GITHUB_TOKEN"  # the variable holding the token, never the token',
        ]
    lines = [
        f"# Guessed from the git remote {remote}." if remote else "# Guessed from the git remote.",
        "[[registers.targets]]",
        f"kind = {_text(target.kind)}",
        f"repo = {_text(target.repo)}",
    ]
    if target.base_url:
        lines.append(f"base_url = {_text(target.base_url)}")
    lines.append(
        f"token_env = {_text(target.token_env)}  # set it to a token that can write issues"
    )
    return lines
