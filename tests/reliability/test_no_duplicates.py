"""Nothing duplicated: the "Duplicates" trials of the reliability issue, replayed on each tracker.

Each test runs whole `syncer reconcile` processes on GitHub, GitLab and Jira side by side (one
folder and one fake each) and looks at what a user would: exit codes, stderr, the register and
the issues in the tracker. Before the fixes: a create the tracker completed after syncer's
timeout became a duplicate (GitHub +1, GitLab +1, Jira +40: the whole bulk), a malformed 200 on
the issue list was read as "no issues" (every item created again), a garbled create answer was
a `JSONDecodeError` traceback, and after a lost state database done items got a second issue.
Runs where a process adds nothing (bringing a setup where the trial starts, letting it settle,
what the engine decides) run in this process.
"""

from __future__ import annotations

from functools import partial

import pytest

from syncer.register import parse

from .conftest import (
    CREATE_PATHS,
    LIST_PATHS,
    Setup,
    checkbox_register,
    once_on,
    open_markers,
    reconcile_all,
)

ITEMS = 4
TIMEOUT_S = 1
"""The client timeout in these configs (PyGithub takes whole seconds)."""
LATE_S = 2.0
"""How late the fake does a create's work: past the timeout, so syncer has given up."""
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def assert_one_issue_per_item(setup: Setup, items: int = ITEMS) -> None:
    """What a user checks: every item kept, none with two open issues, each linked once to an
    issue carrying its marker."""
    register = parse(setup.register.read_text("utf-8"))
    keys = sorted(item.key for item in register.items)
    assert len(keys) == items, f"{setup.kind}: items lost"
    markers = open_markers(setup)
    assert max(markers.values()) == 1, f"{setup.kind}: open duplicates {markers}"
    refs = [link.text.rsplit("#", 1)[-1] for item in register.items for link in item.links]
    assert len(refs) == items == len(set(refs)), f"{setup.kind}: each item linked once: {refs}"
    linked = {issue.ref: issue.marker for issue in setup.issues()}
    assert sorted(str(linked.get(ref)) for ref in refs) == keys, f"{setup.kind}: wrong links"


def assert_settled(setup: Setup) -> None:
    """The next run finds nothing to do, and each item has its one issue."""
    report = setup.sync_here()
    assert report.plan is not None and not report.plan.operations, (setup.kind, report)
    assert_one_issue_per_item(setup)


def write_requests(setup: Setup) -> int:
    return sum(setup.fake.server.count(method) for method in WRITES)


@pytest.mark.parametrize("next_run", ["after it lands", "before it lands"])
def test_a_create_the_tracker_does_late_is_never_a_duplicate(
    trio: list[Setup], next_run: str
) -> None:
    """The tracker takes the create (Jira: the whole bulk), stays silent past the timeout, then
    does it. The run that met it says so in one error line (exit 1: the register is not yet in
    sync) and never posts it again; the next runs link it. A run before the work lands makes
    the issue again, and the late one is then closed as a duplicate: either way no item has two
    open issues."""
    arrivals = []
    for setup in trio:
        setup.write(checkbox_register(ITEMS), timeout_seconds=TIMEOUT_S)
        late = partial(setup.fake.late_next, 1, LATE_S)
        arrivals.append(once_on(setup.fake, "POST", CREATE_PATHS[setup.kind], late))
    for setup, run in zip(trio, reconcile_all(trio), strict=True):
        [lost] = run.report["errors"]
        assert "create(s) unanswered" in lost, (setup.kind, lost)
        assert run.code == 1, (setup.kind, run.stderr)
        assert all(line.startswith("error: debt: ") for line in run.problems), run.stderr
    made_again = [0, 0, 0]
    if next_run == "before it lands":
        made_again = [setup.sync_here().counts["created"] for setup in trio]
    for setup, arrived, again in zip(trio, arrivals, made_again, strict=True):
        arrived.all_answered()
        settled = setup.sync_here()
        if again == ITEMS:  # the late work landed after the issues were made again
            duplicates = ITEMS if setup.kind == "jira" else 1
            assert settled.counts["duplicates_closed"] == duplicates, (setup.kind, settled)
        assert_settled(setup)


def test_a_garbled_issue_list_writes_nothing_and_recreates_nothing(trio: list[Setup]) -> None:
    """A 200 whose body is not JSON (here a proxy's HTML page) on the list every cycle starts
    with, and no stored links (a lost state database): read as "no issues", every item would be
    created again. That target writes nothing, one error line; the next run syncs normally."""
    for setup in trio:
        setup.write(checkbox_register(ITEMS))
        setup.sync_here()
        setup.forget_state()
        setup.fake.server.clear_requests()
        garble = partial(setup.fake.garble_next, 1, "html")
        once_on(setup.fake, "GET", LIST_PATHS[setup.kind], garble)
    synced = {setup.kind: setup.register.read_bytes() for setup in trio}
    for setup, run in zip(trio, reconcile_all(trio), strict=True):
        assert run.code == 1, (setup.kind, run.stderr)
        [line] = [line for line in run.problems if line.startswith("error:")]
        assert "JSON" in line, line
        assert write_requests(setup) == 0, f"{setup.kind}: wrote after a garbled list"
        assert setup.register.read_bytes() == synced[setup.kind]
        assert setup.fake.issue_count() == ITEMS
    for setup in trio:
        assert setup.sync_here().counts["created"] == 0, setup.kind
        assert setup.register.read_bytes() == synced[setup.kind]
        assert_settled(setup)


def test_a_garbled_jira_answer_is_one_line_on_stderr(trio: list[Setup]) -> None:
    jira = trio[2]
    jira.write(checkbox_register(ITEMS))
    once_on(jira.fake, "GET", LIST_PATHS["jira"], partial(jira.fake.garble_next, 1, "html"))
    [run] = reconcile_all([jira])
    assert run.code == 1
    assert run.problems == [
        "error: debt: jira:DEBT: reading issues: search: Jira's answer is not the JSON its"
        " API promises"
    ], run.stderr


def test_a_garbled_create_answer_is_no_traceback_and_no_duplicate(trio: list[Setup]) -> None:
    """The tracker makes the issue (Jira: the whole bulk), then its answer is cut short: it
    may exist, so it is not posted again; the next run finds it by its marker."""
    for setup in trio:
        setup.write(checkbox_register(ITEMS))
        garble = partial(setup.fake.garble_next, 1, "cut")
        once_on(setup.fake, "POST", CREATE_PATHS[setup.kind], garble)
    for setup, run in zip(trio, reconcile_all(trio), strict=True):
        [error] = run.report["errors"]
        assert "unanswered" in error and "JSON" in error, (setup.kind, error)
        assert setup.fake.server.count("POST") == 1, f"{setup.kind}: posted again"
    for setup in trio:
        assert setup.sync_here().counts["recovered"] == (ITEMS if setup.kind == "jira" else 1)
        assert_settled(setup)


def test_a_lost_create_answer_is_one_line_and_exits_alike_on_every_tracker(
    trio: list[Setup],
) -> None:
    """One cause, one line: a 40-item register printed 39 error lines (one per report error)
    for one lost answer, counted items never sent as refused by the tracker, and exited 1
    (outcome `error`) where Jira exits 0."""
    for setup in trio:
        setup.write(checkbox_register(ITEMS))
        garble = partial(setup.fake.garble_next, 1, "cut")
        once_on(setup.fake, "POST", CREATE_PATHS[setup.kind], garble)
    reports = [setup.sync_here(clean=False) for setup in trio]
    assert all(len(report.errors) <= 1 for report in reports), [r.errors for r in reports]
    assert all("create_refused" not in report.counts for report in reports), reports
    assert len({report.outcome for report in reports}) == 1, [r.outcome for r in reports]


def test_after_a_lost_state_database_done_items_get_no_second_issue(trio: list[Setup]) -> None:
    """The register is put back as it was before the first sync (a restored backup: no links)
    and the state database is gone: every item, the done ones too (their issues are closed),
    adopts its own issue by its marker."""
    register = checkbox_register(ITEMS, done_every=2)
    for setup in trio:
        setup.write(register)
        setup.sync_here()
        setup.register.write_text(register, "utf-8")
        setup.forget_state()
    for setup in trio:
        report = setup.sync_here()
        assert (report.counts["created"], report.counts["adopted"]) == (0, ITEMS), report
        assert setup.fake.issue_count() == ITEMS, f"{setup.kind}: a second issue was made"
        assert_one_issue_per_item(setup)
