"""The daemon's status page (`GET /`) and its settle form (`POST /`), on a real state store.

What a visitor sees (registers, conflicts, runs, pending writes; untrusted text as text), and
who may settle: a form this process issued, from this site, on loopback or with the token.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

import syncer.daemon.status_routes as status_routes
from syncer.config import RegisterConfig
from syncer.daemon.http import build_app
from syncer.daemon.metrics import Metrics
from syncer.daemon.status_access import FormSigner, StatusAccess
from syncer.daemon.status_page import StatusSource
from syncer.daemon.status_routes import StatusPage
from syncer.state.location import is_database_url
from syncer.state.records import ConflictState, LinkRecord
from syncer.state.store import Store
from tests.daemon.support import TestClient, target

SCRIPT = "<script>alert('owned')</script>"
REGISTER_TEXT = "# Debt\n\n## Work\n\n- [ ] Rotate keys\n- [ ] Faster CI\n"
GH = "github:acme/api"
NEXT_RUN = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
TOKEN = "status-token-5f2a9c"


@dataclass
class Page:
    """A store holding one run, one pending write and one open title conflict, and the app."""

    store: Store
    register: RegisterConfig
    conflict_id: int
    woken: list[str] = field(default_factory=list)
    signer: FormSigner = field(default_factory=FormSigner)

    def client(self, *, token: str | None = None, loopback: bool = True) -> TestClient:
        source = StatusSource(self.store, [self.register], lambda _: NEXT_RUN)
        page = StatusPage(
            source, self.store, StatusAccess(token, loopback), self.woken.append, self.signer
        )
        app = build_app(
            secrets={},
            allow_unsigned=(),
            remember_delivery=lambda _source, _id: True,
            route=lambda _delivery: [],
            wake=self.woken.append,
            alive=lambda: True,
            ready=lambda: True,
            metrics=Metrics(),
            status_page=page.handle,
        )
        return TestClient(app, base_url="http://localhost:8080", follow_redirects=False)

    def form(self, client: TestClient, **headers: str) -> dict[str, str]:
        """The settle form's hidden fields as the page renders them."""
        html = client.get("/", headers=headers).text
        return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))

    @property
    def open_ids(self) -> list[int]:
        return [c.id for c in self.store.conflicts()]


@pytest.fixture
def page(tmp_path: Path, fresh_state: Callable[[], str]) -> Iterator[Page]:
    path = tmp_path / "TECH_DEBT.md"
    path.write_text(REGISTER_TEXT, "utf-8")
    register = RegisterConfig(name="backend", path=path, targets=[target("github", "acme/api")])
    state = fresh_state()
    with Store(state if is_database_url(state) else tmp_path / state) as store:
        run = store.start_run("backend")
        sent = store.add_intent("backend", GH, "create", "TD-1", "tok-1", "{}")
        store.complete(sent.id, "7")
        store.finish_run(run.id, {"created": 1}, notes=[f"note {SCRIPT}"])
        store.add_intent("backend", GH, "update", f"TD-{SCRIPT}", "tok-2", "{}")
        store.save_link(
            LinkRecord("backend", GH, "12", "https://example.test/12", "TD-2",
                       base_register={"title": "Slow CI"}, base_tracker={"title": "Slow CI"})
        )  # fmt: skip
        conflict = store.open_conflict(
            "backend", GH, "12", "TD-2", "title", "Slow CI", "Faster CI", f"Flaky {SCRIPT}"
        )
        yield Page(store, register, conflict.id)


def test_the_page_shows_registers_conflicts_runs_and_pending_writes(page: Page) -> None:
    answer = page.client().get("/")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert "Register backend" in html
    assert re.search(r"<dt>Items in the file</dt><dd>2</dd>", html)
    assert '<dt>Next run</dt><dd><time datetime="2030-01-02T03:04:05+00:00">' in html
    assert f"<td>{GH}</td><td>1</td><td>1</td><td>1</td>" in html, "links, pending, conflicts"
    assert "Open conflicts (1)" in html
    assert "<pre>Faster CI</pre>" in html and "<pre>Slow CI</pre>" in html
    assert "created 1" in html, "the run's operations"
    assert "create TD-1 on github:acme/api: done" in html, "the run's tracker writes"
    assert "Take the register value" in html and "Take the tracker value" in html


def test_untrusted_text_is_shown_as_text_and_scripts_are_forbidden(page: Page) -> None:
    answer = page.client().get("/")

    html = answer.text
    assert "<script" not in html
    escaped = "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;"
    assert f"<pre>Flaky {escaped}</pre>" in html, "the tracker's title"
    assert f"TD-{escaped}" in html, "an item key in the pending writes"
    assert f"note {escaped}" in html, "a run's note"
    assert "default-src 'none'" in answer.headers["content-security-policy"]


def test_settling_takes_the_value_wakes_the_register_and_says_so(page: Page) -> None:
    client = page.client()
    form = page.form(client)

    answer = client.post("/", data={**form, "take": "tracker"})

    assert answer.status_code == 303
    assert answer.headers["location"] == f"?settled={page.conflict_id}&took=tracker"
    settled = page.store.conflict(page.conflict_id)
    assert settled is not None
    assert (settled.state, settled.resolution) == (ConflictState.RESOLVED, "tracker")
    link = page.store.link_for_ref("backend", GH, "12")
    assert link is not None and link.base_register == {"title": "Faster CI"}
    assert page.woken == ["backend"]
    html = client.get(f"/{answer.headers['location']}").text
    assert f"Conflict {page.conflict_id} settled: the tracker value goes to the register" in html
    assert "No open conflicts." in html


@pytest.mark.parametrize(
    ("missing", "status"), [("signature", 403), ("shown", 403), ("conflict", 400), ("take", 400)]
)
def test_a_settle_without_the_form_fields_is_refused(page: Page, missing: str, status: int) -> None:
    client = page.client()
    form = {**page.form(client), "take": "register"}
    del form[missing]

    answer = client.post("/", data=form)

    assert answer.status_code == status
    assert page.open_ids == [page.conflict_id] and page.woken == []


def test_a_malformed_form_is_refused(page: Page) -> None:
    client = page.client()
    form = page.form(client)
    bodies = [b"\xff\xfe", b"conflict=1&conflict=2&take=register", b"x" * 5000,
              f"conflict={'9' * 40}&take=register".encode()]  # fmt: skip

    for body in bodies:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        assert client.post("/", content=body, headers=headers).status_code == 400
    assert client.post("/", data={**form, "take": "mine"}).status_code == 400
    assert page.open_ids == [page.conflict_id]


def test_a_settle_form_not_signed_by_this_process_is_refused(page: Page) -> None:
    client = page.client()
    form = page.form(client)
    forged = FormSigner().sign(page.conflict_id, form["shown"])

    for signature in (forged, "0" * 64, "not-hex"):
        answer = client.post("/", data={**form, "signature": signature, "take": "register"})
        assert answer.status_code == 403
        assert "not issued by this daemon" in answer.text
    assert page.open_ids == [page.conflict_id]


def test_a_settle_sent_from_another_site_is_refused(page: Page) -> None:
    client = page.client()
    data = {**page.form(client), "take": "register"}

    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        answer = client.post("/", data=data, headers=headers)
        assert answer.status_code == 403
        assert "another site" in answer.text
    assert page.open_ids == [page.conflict_id]
    same_site = client.post("/", data=data, headers={"Origin": "http://localhost:8080"})
    assert same_site.status_code == 303


def test_off_loopback_without_a_token_neither_page_nor_settle_is_served(page: Page) -> None:
    form = page.form(page.client())
    client = page.client(loopback=False)

    assert client.get("/").status_code == 403
    answer = client.post("/", data={**form, "take": "register"})

    assert answer.status_code == 403
    assert "status_token_env" in answer.text
    assert page.open_ids == [page.conflict_id]


def test_with_a_token_every_request_must_carry_it(page: Page) -> None:
    client = page.client(token=TOKEN, loopback=False)
    basic = base64.b64encode(f"anyone:{TOKEN}".encode()).decode()
    wrong = base64.b64encode(b"anyone:guess").decode()

    refused = client.get("/")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith('Basic realm="syncer status"')
    assert TOKEN not in refused.text
    assert client.get("/", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer guess"}).status_code == 401
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    form = page.form(client, Authorization=f"Basic {basic}")
    assert client.post("/", data={**form, "take": "register"}).status_code == 401
    assert page.open_ids == [page.conflict_id]
    answer = client.post(
        "/", data={**form, "take": "register"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert answer.status_code == 303 and page.open_ids == []


def test_on_loopback_a_foreign_host_name_or_a_proxy_is_refused(page: Page) -> None:
    client = page.client()

    rebound = client.get("/", headers={"Host": "attacker.example:8080"})
    proxied = client.get("/", headers={"X-Forwarded-For": "203.0.113.9"})

    assert rebound.status_code == 403 and "Host header" in rebound.text
    assert proxied.status_code == 403 and "proxy" in proxied.text
    assert client.get("/", headers={"Host": "127.0.0.1:8080"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8080"}).status_code == 200


def test_a_conflict_whose_values_changed_since_the_page_is_not_settled(page: Page) -> None:
    client = page.client()
    form = page.form(client)
    page.store.open_conflict(
        "backend", GH, "12", "TD-2", "title", "Slow CI", "Faster CI", "Flaky, now worse"
    )

    answer = client.post("/", data={**form, "take": "tracker"})

    assert answer.status_code == 409 and "new values" in answer.text
    assert page.open_ids == [page.conflict_id] and page.woken == []


def test_a_conflict_settled_already_is_said_so(page: Page) -> None:
    client = page.client()
    form = page.form(client)
    assert client.post("/", data={**form, "take": "tracker"}).status_code == 303

    again = client.post("/", data={**form, "take": "register"})

    assert again.status_code == 409 and "no open conflict" in again.text
    settled = page.store.conflict(page.conflict_id)
    assert settled is not None and settled.resolution == "tracker"


def test_a_settle_while_a_cycle_holds_the_register_asks_to_retry(
    page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(status_routes, "SETTLE_WAIT_SECONDS", 0.0)
    client = page.client()
    form = page.form(client)

    with page.store.lock("backend", 0):
        answer = client.post("/", data={**form, "take": "tracker"})

    assert answer.status_code == 503 and answer.headers["retry-after"] == "30"
    assert page.open_ids == [page.conflict_id]
