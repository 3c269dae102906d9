"""A register read as plain entries that gains one structured item: its entries stop being
items (docs/register.md, "the file is the register"), and that must not close their issues."""

from __future__ import annotations

from pathlib import Path

from syncer.model import IssueState
from syncer.register import parse
from syncer.state.store import Store
from syncer.sync.cycle import run_cycle
from syncer.sync.job import RegisterJob, TargetSpec
from syncer.trackers.memory import KIND, MemoryProject, MemoryTracker

ENTRIES = (
    "# Things to fix\n\n"
    "- Retire the legacy importer\n"
    "- Split the billing module\n"
    "- Cache the exchange rates\n"
    "- Drop the Python 3.9 shims\n"
)


def test_entries_that_stop_being_items_keep_their_issues(tmp_path: Path) -> None:
    path = tmp_path / "TODO.md"
    path.write_text(ENTRIES, "utf-8")
    project = MemoryProject("memory/alpha")
    job = RegisterJob(
        "todo", path, [TargetSpec("alpha", KIND, project.repo, MemoryTracker(project))]
    )
    with Store(tmp_path / "state.sqlite") as store:
        assert run_cycle(job, store).counts["created"] == 4
        text = path.read_text("utf-8").replace(
            "# Things to fix\n\n", "# Things to fix\n\n- [ ] Rotate the keys\n\n", 1
        )
        path.write_text(text, "utf-8")
        assert [item.title for item in parse(text).items] == ["Rotate the keys"]
        report = run_cycle(job, store)
    assert report.plan is not None, report
    assert "refusing to close their issues" in report.plan.refused, report
    assert path.read_text("utf-8") == text, "nothing written"
    states = [issue.state for issue in MemoryTracker(project).list_changed(None).issues]
    assert states == [IssueState.OPEN] * 4
