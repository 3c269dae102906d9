"""`GET /` shows the status page; `POST /` settles one conflict from its form.

A settle goes through `syncer.state.settle`, the code `syncer conflicts resolve` runs, then
wakes the register so the chosen value reaches the other side soon; the answer redirects to the
page (post/redirect/get), which says what was settled. Who may do either is
`syncer.daemon.status_access`'s to say. Every answer forbids scripts and framing.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from syncer import log
from syncer.daemon.http import read_capped
from syncer.daemon.status_access import FormSigner, Refusal, StatusAccess, cross_site
from syncer.daemon.status_html import render_page, render_problem
from syncer.daemon.status_page import StatusSource
from syncer.state.lock import RegisterBusy
from syncer.state.records import ConflictRecord
from syncer.state.settle import ConflictChanged, ConflictNotOpen, settle_conflict, values_digest
from syncer.state.store import Store

MAX_FORM_BYTES = 4096
"""A settle form is four short fields."""
SETTLE_WAIT_SECONDS = 5.0
"""How long a settle waits for a running cycle of its register before asking to retry."""
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" makes browsers send `Origin: null`
    "Cache-Control": "no-store",
}
_TAKES = {"register": "the register value goes to the tracker",
          "tracker": "the tracker value goes to the register"}  # fmt: skip

_log = log.get("syncer.daemon.status")


class StatusPage:
    """The page's one endpoint. `wake(register)` asks for a cycle soon and must not block."""

    def __init__(
        self,
        source: StatusSource,
        store: Store,
        access: StatusAccess,
        wake: Callable[[str], None],
        signer: FormSigner | None = None,
    ) -> None:
        self._source = source
        self._store = store
        self._access = access
        self._wake = wake
        self._signer = signer or FormSigner()

    async def handle(self, request: Request) -> Response:
        """The endpoint (a method, so Starlette calls it with a request, not as an ASGI app)."""
        refused = self._access.refusal(request.headers)
        if refused is not None:
            return _problem(refused)
        if request.method == "POST":
            return await self._settle(request)
        view = await run_in_threadpool(self._source.gather)
        return HTMLResponse(render_page(view, self._form_fields, _notice(request)), 200, _HEADERS)

    def _form_fields(self, conflict: ConflictRecord) -> dict[str, str]:
        shown = values_digest(conflict)
        return {
            "conflict": str(conflict.id),
            "shown": shown,
            "signature": self._signer.sign(conflict.id, shown),
        }

    async def _settle(self, request: Request) -> Response:
        if cross_site(request.headers):
            return _problem(Refusal(403, "the form was sent from another site"))
        try:
            body = await read_capped(request, MAX_FORM_BYTES)
        except ClientDisconnect:
            body = None
        form = _form(body)
        if form is None:
            return _problem(Refusal(400, "the settle form is incomplete or malformed"))
        conflict_id, take, shown, signature = form
        if not self._signer.valid(signature, conflict_id, shown):
            return _problem(
                Refusal(403, "the form was not issued by this daemon: load the page again")
            )
        try:
            settled = await run_in_threadpool(
                settle_conflict,
                self._store,
                conflict_id,
                take,
                wait_seconds=SETTLE_WAIT_SECONDS,
                shown=shown,
            )
        except (ConflictNotOpen, ConflictChanged) as exc:
            return _problem(Refusal(409, str(exc)))
        except RegisterBusy:
            reason = "a cycle of this register is running: settle again when it ends"
            return _problem(Refusal(503, reason), {"Retry-After": "30"})
        _log.info("conflict settled", conflict=conflict_id, take=take, register=settled.register)
        self._wake(settled.register)
        query = urlencode({"settled": conflict_id, "took": take})
        return RedirectResponse(f"?{query}", 303, _HEADERS)


def _form(body: bytes | None) -> tuple[int, str, str, str] | None:
    """(conflict id, take, values digest, signature) of a url-encoded settle form; None when
    it names no conflict or side."""
    if body is None:
        return None
    try:
        fields = parse_qs(body.decode("utf-8"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return None
    values = {name: found[0] for name, found in fields.items() if len(found) == 1}
    conflict, take = values.get("conflict", ""), values.get("take", "")
    shown, signature = values.get("shown", ""), values.get("signature", "")
    if not _is_id(conflict) or take not in _TAKES:
        return None
    return int(conflict), take, shown, signature  # no signature: refused as not issued here


def _is_id(text: str) -> bool:
    """A row id as SQLite holds them (at most 18 digits, so never too large for it)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def _notice(request: Request) -> str:
    """What the redirect after a settle says was done ("" for anything else)."""
    settled, took = request.query_params.get("settled", ""), request.query_params.get("took")
    if not _is_id(settled) or took not in _TAKES:
        return ""
    return f"Conflict {int(settled)} settled: {_TAKES[took]} at the register's next cycle."


def _problem(refusal: Refusal, extra: dict[str, str] | None = None) -> Response:
    titles = {400: "Bad request", 401: "Token needed", 403: "Refused", 409: "Nothing to settle",
              503: "Busy"}  # fmt: skip
    headers = _HEADERS | refusal.headers | (extra or {})
    page = render_problem(titles.get(refusal.status, "Refused"), refusal.reason)
    return HTMLResponse(page, refusal.status, headers)
