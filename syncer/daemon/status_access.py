"""Who may see the status page and settle a conflict from it (the decisions: docs/daemon.md).

The page shows register text and tracker issues, which may be private, and its settle button
changes what syncer writes. So:

- With a status token configured, every request must carry it: `Authorization: Bearer TOKEN`,
  or HTTP Basic with the token as password (what a browser asks for by itself, no JavaScript).
- Without one, the page is served only when the daemon listens on a loopback address, only to
  requests naming this machine in `Host` (a DNS-rebinding page cannot pose as it) and not
  relayed by a proxy (a `Forwarded` / `X-Forwarded-For` header): a proxy could bring anyone.
- A settle form carries an HMAC of the conflict and of the values shown, keyed by a secret
  made at process start, and a POST whose `Origin` (or `Sec-Fetch-Site`) says it came from
  another site is refused: another page cannot make a visitor's browser settle anything, even
  one holding the token or on loopback. No cookie is set, so there is no session to ride.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from hashlib import sha256
from urllib.parse import urlsplit

from starlette.datastructures import Headers

from syncer import log

REALM = 'Basic realm="syncer status", charset="UTF-8"'
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused, as the page says it, and with which status."""

    status: int
    reason: str

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": REALM} if self.status == 401 else {}


def is_loopback(host: str) -> bool:
    """True for a loopback address or name (`127.0.0.1`, `::1`, `localhost`)."""
    host = host.strip("[]")
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_name(host_header: str) -> str:
    """The name in a `Host` header, without its port (`[::1]:8080` → `::1`)."""
    return urlsplit(f"//{host_header}").hostname or ""


@dataclass(frozen=True)
class StatusAccess:
    """`token`: the configured status token (None: none); `loopback`: the daemon listens on a
    loopback address only."""

    token: str | None
    loopback: bool

    def __post_init__(self) -> None:
        if self.token:
            log.secret(self.token)

    def refusal(self, headers: Headers) -> Refusal | None:
        """None when the request may see the page (and, with a valid form, settle)."""
        if self.token:
            if hmac.compare_digest(_presented(headers).encode(), self.token.encode()):
                return None
            return Refusal(401, "the status page needs the status token")
        if not self.loopback:
            return Refusal(
                403,
                "the status page is served on a loopback address only, unless a status token "
                "is configured (status_token_env)",
            )
        if "forwarded" in headers or "x-forwarded-for" in headers:
            return Refusal(
                403,
                "the request came through a proxy: configure a status token (status_token_env) "
                "to serve the status page through one",
            )
        if not is_loopback(_host_name(headers.get("host", ""))):
            return Refusal(403, "the Host header does not name this machine")
        return None


def _presented(headers: Headers) -> str:
    """The token in `Authorization` (Bearer, or Basic's password), "" when none is there."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() != "basic":
        return ""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


def cross_site(headers: Headers) -> bool:
    """True when the browser says the request comes from another site's page: `Sec-Fetch-Site`
    is `cross-site` or `same-site`, or `Origin` names another host than `Host`."""
    if headers.get("sec-fetch-site", "") in ("cross-site", "same-site"):
        return True
    origin = headers.get("origin")
    if origin is None:
        return False  # not sent by older browsers for same-origin forms; the HMAC still holds
    return urlsplit(origin).netloc.lower() != headers.get("host", "").lower()


@dataclass(frozen=True)
class FormSigner:
    """Signs and checks settle forms with a secret that lives as long as the process: a form
    from a page served before a restart must be loaded again."""

    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def sign(self, conflict_id: int, shown: str) -> str:
        message = f"settle\0{conflict_id}\0{shown}".encode()
        return hmac.new(self.key, message, sha256).hexdigest()

    def valid(self, signature: str, conflict_id: int, shown: str) -> bool:
        return hmac.compare_digest(signature.encode(), self.sign(conflict_id, shown).encode())
