"""Masking secrets in text and in structured values, and telling a token from a name.

Pure functions over one process-wide registry of secrets (tokens are registered by `remember`
when they are read). Masking does not rely on the registry alone: a token reaches text in forms
no registry holds (URL-encoded, inside an `Authorization` header, base64-encoded with a Jira
Cloud email, in a `private_token=` query parameter, or a token syncer never read), so each of
those shapes is masked too. Used by `syncer.log` for every log line, and by anything that shows
a tracker's error text to a person.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from urllib.parse import quote, quote_plus

MASK = "***"

_registered: set[str] = set()
_longest_first: tuple[str, ...] = ()

# Values of headers and parameters that carry credentials, in the forms they take in error texts
# and reprs: `Authorization: Bearer x`, `{'PRIVATE-TOKEN': 'x'}`, `"authorization": "Basic x"`.
_HEADER = re.compile(
    r"(?P<keep>\b(?:proxy-)?authorization|\bprivate-token|\bjob-token|\bx-gitlab-token"
    r"|\bx-api-key)(?P<sep>[\"']?\s*[:=]\s*[\"']?)(?P<scheme>(?:bearer|token|basic)\s+)?"
    r"[^\s\"',;}\]]+",
    re.IGNORECASE,
)
_QUERY = re.compile(
    r"(?P<keep>[?&;](?:private_token|access_token|job_token|refresh_token|token|api_key|apikey"
    r"|password|client_secret)=)[^&#\s\"']+",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"(?P<keep>\b[a-z][a-z0-9+.-]*://[^/\s:@\"']+:)[^@/\s\"']+(?=@)", re.I)
# Tokens of the trackers syncer talks to, by their published prefixes: GitHub (`ghp_`, `gho_`,
# `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab (`glpat-` and its other token kinds), Atlassian
# (`ATAT` API tokens, `ATCT` access tokens, `ATBB` app passwords).
TOKEN_SHAPE = re.compile(
    r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"
    r"|gl(?:pat|dt|rt|ptt|ft|imt|soat|cbt|oas)-[A-Za-z0-9_-]{20,}(?:\.[A-Za-z0-9_-]+)*"
    r"|AT(?:AT|CT|BB)[A-Za-z0-9_=+/-]{20,})"
)
_TOKEN_SHAPE_ANY_CASE = re.compile(TOKEN_SHAPE.pattern, re.IGNORECASE)
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_MAX_DEPTH = 16


def remember(value: str) -> str:
    """Register `value` as a secret, with its URL-encoded forms; returns it unchanged.

    Values shorter than 4 characters are not registered: masking them would mask ordinary words.
    """
    global _longest_first
    if len(value) >= 4:
        _registered.update({value, quote(value, safe=""), quote_plus(value)})
        _longest_first = tuple(sorted(_registered, key=len, reverse=True))
    return value


def scrub(text: str) -> str:
    """`text` with every registered secret and every credential-shaped value replaced by MASK."""
    for value in _longest_first:
        text = text.replace(value, MASK)
    text = _HEADER.sub(lambda m: f"{m['keep']}{m['sep']}{m['scheme'] or ''}{MASK}", text)
    text = _QUERY.sub(lambda m: f"{m['keep']}{MASK}", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m['keep']}{MASK}", text)
    text = TOKEN_SHAPE.sub(MASK, text)
    if _longest_first:
        text = _BASE64.sub(_mask_if_encodes_secret, text)
    return text


def _mask_if_encodes_secret(match: re.Match[str]) -> str:
    """Basic auth and the like carry a secret base64-encoded (`email:token` for Jira Cloud)."""
    blob = match.group(0)
    try:
        decoded = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
    except (binascii.Error, ValueError):
        return blob
    text = decoded.decode("utf-8", "replace")
    return MASK if any(value in text for value in _registered) else blob


def scrub_value(value: object, depth: int = 0) -> object:
    """`value` with secrets masked in every string inside it, keeping its structure: mappings
    stay mappings and sequences stay sequences (sets become lists), so a log line's JSON holds
    real objects. Anything else becomes its masked text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return scrub(value)
    if depth < _MAX_DEPTH:
        if isinstance(value, Mapping):
            return {_scrub_key(k): scrub_value(v, depth + 1) for k, v in value.items()}
        if isinstance(value, tuple):
            return tuple(scrub_value(v, depth + 1) for v in value)
        if isinstance(value, list | set | frozenset):
            return [scrub_value(v, depth + 1) for v in value]
    return scrub(str(value))


def _scrub_key(key: object) -> object:
    """Keys stay scalars (JSON allows no others); their text is masked like any value."""
    if key is None or isinstance(key, bool | int | float):
        return key
    return scrub(str(key))


def looks_like_token(text: str) -> bool:
    """Whether `text`, offered as the name of an environment variable, looks like a secret.

    Names are words joined by `_` (`GITHUB_TOKEN`, `JIRA_API_TOKEN_PROD`); tokens are long runs
    of mixed letters and digits, or carry a tracker's token prefix. A name wrongly taken for a
    token only loses being quoted in an error message, so the rule leans towards "token".
    """
    if _TOKEN_SHAPE_ANY_CASE.search(text):
        return True
    for run in re.split(r"[_\W]+", text):
        digits = sum(c.isdigit() for c in run)
        if len(run) >= 24 or (len(run) >= 12 and digits >= 2 and len(run) - digits >= 2):
            return True
    return False
