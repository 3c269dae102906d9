"""`syncer demo`: the whole two-way loop on a laptop, against the bundled fake GitHub.

Copies the example register to a folder and writes a real `syncer.toml` beside it (pointing at a
fake GitHub served on 127.0.0.1), then plays it through the same `App` the CLI uses: a first
reconcile, a person on each side, a second reconcile, a quiet third. Last, the live loop: it
starts `syncer daemon`'s service on a free port, a person closes an issue in the fake GitHub, the
fake delivers a signed webhook, and the register's diff is shown as it lands. No token, no
network.
"""

from __future__ import annotations

import difflib
import secrets
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from syncer.app import App
from syncer.config import Settings, load_config
from syncer.daemon.service import Daemon
from syncer.fakes.github import FakeGitHub
from syncer.model import Status
from syncer.register import Item, parse, set_status
from syncer.sync.operations import describe
from syncer.sync.progress import CycleReport

Say = Callable[[str], None]
TOKEN_ENV = "SYNCER_DEMO_GITHUB_TOKEN"
SECRET_ENV = "SYNCER_DEMO_WEBHOOK_SECRET"
LIVE_WAIT_SECONDS = 30.0


def example_register() -> str:
    return resources.files("syncer").joinpath("examples/TECH_DEBT.md").read_text("utf-8")


def run_demo(folder: Path, say: Say) -> list[CycleReport]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "TECH_DEBT.md"
    path.write_text(example_register(), "utf-8")
    with FakeGitHub() as fake:
        env = {TOKEN_ENV: fake.token, SECRET_ENV: secrets.token_hex(16)}
        settings = load_config(_write_config(folder, fake), env)
        say(f"fake GitHub (in memory) at {fake.server.base_url}, repository {fake.repo}")
        say(f"register: {path}\nconfig:   {folder / 'syncer.toml'}\n")
        reports = _one_shot(settings, env, fake, path, say)
        _live(settings, env, fake, path, say)
    return reports


def _write_config(folder: Path, fake: FakeGitHub) -> Path:
    config = folder / "syncer.toml"
    config.write_text(
        f"""# Written by `syncer demo`: a fake GitHub on this machine, gone when the demo ends.
state = "syncer.sqlite"
http_port = 0
webhook_debounce_seconds = 0.5
github_webhook_secret_env = "{SECRET_ENV}"

[[registers]]
name = "demo"
path = "TECH_DEBT.md"

[[registers.targets]]
kind = "github"
name = "github"
repo = "{fake.repo}"
base_url = "{fake.server.base_url}"
token_env = "{TOKEN_ENV}"
# GitHub asks for a second between writes; this fake does not, and a demo need not wait
seconds_between_writes = 0
""",
        "utf-8",
    )
    return config


def _one_shot(
    settings: Settings, env: dict[str, str], fake: FakeGitHub, path: Path, say: Say
) -> list[CycleReport]:
    reports = []
    with App.build(settings, env) as app:
        say("1. first reconcile: every item becomes an issue, links go into the file")
        reports.append(_cycle(app, say))

        register = parse(path.read_text("utf-8"))
        first, second, third = register.items[0], register.items[1], register.items[2]
        say("\n2. a person works in GitHub and another in the file:")
        fake.human_edit(_ref(first), closed=True)
        say(f"   GitHub: closes #{_ref(first)} {first.title!r}")
        fake.human_edit(_ref(second), title=f"{second.title} (renamed in GitHub)")
        say(f"   GitHub: retitles #{_ref(second)}")
        path.write_text(set_status(register, third.key, Status.DONE), "utf-8")
        say(f"   file:   marks {third.title!r} done")

        say("\n3. second reconcile: each change reaches the other side")
        reports.append(_cycle(app, say))

        say("\n4. third reconcile: nothing left to do")
        reports.append(_cycle(app, say))
    say("\nthe register now reads:")
    for item in parse(path.read_text("utf-8")).items:
        link = item.links[0].text if item.links else ""
        say(f"   {item.status.value:<11} {item.title}  {link}")
    return reports


def _live(settings: Settings, env: dict[str, str], fake: FakeGitHub, path: Path, say: Say) -> None:
    """The daemon on a free port; a person closes an issue; the webhook brings it home."""
    daemon = Daemon(settings, env)
    fake.send_webhooks_to(f"{daemon.base_url}/webhooks/github", env[SECRET_ENV])
    daemon.start()
    try:
        hook = f"{daemon.base_url}/webhooks/github"
        say(f"\n5. the daemon: `syncer daemon` serving webhooks at {hook}")
        _wait(daemon.runner.ready)
        item = next(i for i in parse(path.read_text("utf-8")).items if i.status is not Status.DONE)
        before = path.read_text("utf-8")
        started = time.monotonic()
        fake.human_edit(_ref(item), closed=True)
        say(f"   GitHub: a person closes #{_ref(item)} {item.title!r}; GitHub sends a webhook")
        landed = _wait(lambda: path.read_text("utf-8") != before)
        took = time.monotonic() - started
        if landed:
            say(f"   the register changed {took:.1f} s later:")
            for line in _diff(before, path.read_text("utf-8")):
                say(f"   {line}")
        else:
            say(f"   the register did not change within {LIVE_WAIT_SECONDS:.0f} s")
    finally:
        daemon.shutdown()


def _wait(check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + LIVE_WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _diff(before: str, after: str) -> list[str]:
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def _ref(item: Item) -> str:
    return item.links[0].text.split("#")[1] if item.links else ""


def _cycle(app: App, say: Say) -> CycleReport:
    report = app.run("demo")
    for op in report.plan.operations if report.plan else ():
        say(f"   {describe(op)}")
    if report.plan is not None and not report.plan.operations:
        say("   (no operations)")
    for error in report.errors:
        say(f"   error: {error}")
    return report
