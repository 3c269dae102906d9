"""The status page in a real headless Chromium (Debian's `chromium`, driven by Playwright): a
conflict made the way people make them (the register and the issue retitled differently under
the `manual` policy) shows on the page, and its settle button settles it, in the store and then
in the register.

Locally the test skips, saying why, when /usr/bin/chromium or the playwright package is missing;
under CI (`CI` set, as `.ci/run` does) it fails instead, so it can never silently not run.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncer.config import load_config
from syncer.daemon.service import Daemon
from syncer.fakes.github import FakeGitHub
from syncer.register import parse, set_title
from syncer.state.records import ConflictState
from tests.daemon.test_service import SECRET, eventually, write_config

CHROMIUM = Path("/usr/bin/chromium")


def browser_or_skip() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright package (pip install -e '.[test]')")
    if not missing:
        return
    reason = "the browser test needs " + " and ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; under CI it must run")
    pytest.skip(reason)


@pytest.fixture
def chromium() -> Iterator[Any]:
    browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # As root (containers, CI) Chromium's sandbox cannot start.
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def daemon_with_a_conflict(tmp_path: Path) -> Iterator[tuple[Daemon, Path, str]]:
    with FakeGitHub() as fake:
        config = write_config(tmp_path, fake, port=0)
        text = config.read_text("utf-8")
        config.write_text(
            text.replace("[[registers]]", 'conflict_policy = "manual"\n\n[[registers]]')
        )
        env = {"GH_TOKEN": fake.token, "HOOK_SECRET": SECRET}
        daemon = Daemon(load_config(config, env), env)
        fake.send_webhooks_to(f"{daemon.base_url}/webhooks/github", SECRET)
        daemon.start()
        try:
            eventually(lambda: httpx.get(f"{daemon.base_url}/readyz").status_code == 200)
            path = tmp_path / "TECH_DEBT.md"
            register = parse(path.read_text("utf-8"))
            item = register.items[1]
            path.write_text(set_title(register, item.key, "Item one, per the register"), "utf-8")
            tracker_title = "Item one <script>alert('ran')</script>"
            fake.human_edit(item.links[0].text.split("#")[1], title=tracker_title)
            eventually(lambda: bool(daemon.app.store.conflicts()))
            yield daemon, path, tracker_title
        finally:
            daemon.shutdown()


def test_a_conflict_is_settled_from_the_page_in_a_real_browser(
    chromium: Any, daemon_with_a_conflict: tuple[Daemon, Path, str], tmp_path: Path
) -> None:
    daemon, path, tracker_title = daemon_with_a_conflict
    (conflict,) = daemon.app.store.conflicts()
    page = chromium.new_page()
    alerts: list[str] = []

    def keep_and_dismiss(dialog: Any) -> None:
        alerts.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", keep_and_dismiss)

    page.goto(daemon.base_url)

    assert page.get_by_role("heading", level=1).inner_text() == "syncer status"
    assert page.get_by_role("heading", name="Open conflicts (1)").is_visible()
    article = page.locator("article.conflict")
    assert tracker_title in article.inner_text(), "the tracker's title, shown as text"
    assert "Item one, per the register" in article.inner_text()
    page.screenshot(path=tmp_path / "status-page.png", full_page=True)

    page.get_by_role("button", name="Take the tracker value").click()
    page.wait_for_load_state()

    assert page.get_by_role("status").inner_text().startswith(f"Conflict {conflict.id} settled")
    assert page.get_by_text("No open conflicts.").is_visible()
    page.screenshot(path=tmp_path / "status-page-settled.png", full_page=True)
    settled = daemon.app.store.conflict(conflict.id)
    assert settled is not None
    assert (settled.state, settled.resolution) == (ConflictState.RESOLVED, "tracker")
    eventually(lambda: tracker_title in [i.title for i in parse(path.read_text("utf-8")).items])
    assert daemon.app.store.conflicts() == [], "the woken cycle carried the value, no new one"
    assert alerts == [], "the title's script stayed text"
    assert (tmp_path / "status-page.png").stat().st_size > 0


def test_a_missing_browser_skips_locally_and_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="under CI it must run"):
        browser_or_skip()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"needs .*no-chromium"):
        browser_or_skip()
