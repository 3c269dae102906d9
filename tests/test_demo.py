"""`syncer demo` shows the loop: creations, then a change from each side, then quiet."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from syncer.cli import app
from syncer.model import Status
from syncer.register import parse


def test_demo_runs_the_two_way_loop_and_settles(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--folder", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "create issue 'Session store in process memory'" in result.stdout
    assert "github: update 3 (add-rate-limiting): status='done'" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1] == f"files left in {tmp_path}"
    items = parse((tmp_path / "TECH_DEBT.md").read_text("utf-8")).items
    assert items[0].status is Status.DONE, "closed in GitHub, done in the file"
    assert items[1].title.endswith("(renamed in GitHub)")
    assert items[1].status is Status.DONE, "closed in GitHub while the daemon ran"
    assert all(item.links for item in items)
    quiet = result.stdout.split("4. third reconcile")[1].split("5. the daemon")[0]
    assert "(no operations)" in quiet
    live = result.stdout.split("5. the daemon")[1]
    assert "GitHub sends a webhook" in live and "the register changed" in live
    assert "+**Status**: ✅ Done" in live, "the webhook's change lands in the register"
    assert (tmp_path / "syncer.toml").is_file(), "a real config to start from"
