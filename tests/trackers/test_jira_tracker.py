"""What a user of the Jira adapter notices beyond the shared contract: how many requests a sync
costs, that JQL's minute granularity loses nothing, that failures are retried without
duplicates or long sleeps, and that secrets stay out of errors and logs."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from syncer.fakes.jira import FakeJira, Flavour, JiraApiError, Screens
from syncer.fakes.server import RecordedRequest
from syncer.model import IssueChange, IssueDraft, Priority, Status
from syncer.trackers.base import (
    AnswerLost,
    AuthError,
    FieldMapping,
    NotFound,
    RateLimited,
    Refused,
    RetryPolicy,
    TrackerError,
)
from syncer.trackers.jira import JiraTracker
from syncer.trackers.jira.cursor import jql_minute, user_zone
from tests.trackers.helpers import SteppedTime, StoppedTime, create_all, create_one

NOON = datetime(2021, 5, 4, 12, 0, 0, tzinfo=UTC)
SYNC = FieldMapping().sync_label


class Sleeps(list[float]):
    """An injected `sleep` that records instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make(fake: FakeJira, **kw: object) -> JiraTracker:
    options: dict[str, object] = {
        "flavour": fake.flavour,
        "email": fake.email if fake.flavour == "cloud" else None,
        "retry": RetryPolicy(backoff_seconds=0.01, max_wait_seconds=5, timeout_seconds=5),
    }
    options.update(kw)
    return JiraTracker(fake.base_url, fake.repo, fake.token, **options)  # type: ignore[arg-type]


@pytest.fixture(params=["server", "cloud"])
def flavour(request: pytest.FixtureRequest) -> Flavour:
    chosen: Flavour = request.param
    return chosen


@pytest.fixture
def fake(flavour: Flavour) -> Iterator[FakeJira]:
    with FakeJira(flavour=flavour) as jira:
        yield jira


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    """For behaviour that does not depend on the flavour (it only changes search and users)."""
    with FakeJira() as fake:
        yield fake


# --- Request budgets ----------------------------------------------------------------------------


def test_idle_poll_costs_one_request(fake: FakeJira) -> None:
    tracker = make(fake)
    create_one(tracker, IssueDraft(item_key="a", title="Alpha"))
    with fake.server.counting() as sent:
        cursor = tracker.list_changed(None).cursor
    assert ("GET", "/rest/api/2/myself") in [(r.method, r.path) for r in sent], (
        "the user's time zone, for JQL dates: asked by the first poll, kept in the cursor"
    )
    for _ in range(2):
        with fake.server.counting() as sent:
            idle = tracker.list_changed(cursor)
        assert idle.issues == ()
        assert [(r.method, r.path) for r in sent] == [
            ("GET", "/rest/api/2/search/jql" if fake.flavour == "cloud" else "/rest/api/2/search")
        ]
        cursor = idle.cursor
    with fake.server.counting() as sent:
        make(fake).list_changed(cursor)  # a new run reads the zone from the cursor
    assert "/rest/api/2/myself" not in [r.path for r in sent]


def test_the_users_time_zone_is_read_again_after_a_day() -> None:
    days = iter(NOON + timedelta(days=n) for n in range(100))
    with FakeJira() as fake:
        tracker = make(fake, clock=lambda: next(days))
        cursor = tracker.list_changed(None).cursor
        with fake.server.counting() as sent:
            tracker.list_changed(cursor)
        assert fake.server.count("GET", "/rest/api/2/myself") == 2
        assert sent[0].path == "/rest/api/2/myself"


def test_idle_poll_after_a_bulk_create_costs_one_request(fake: FakeJira) -> None:
    """A bulk create fills the one-minute overlap window with 150 issues: newest first, the
    poll stops at the first page of issues already seen."""
    tracker = make(fake)
    create_all(tracker, [IssueDraft(item_key=f"k{n}", title=f"Bulk {n}") for n in range(150)])
    cursor = tracker.list_changed(None).cursor
    with fake.server.counting() as sent:
        assert tracker.list_changed(cursor).issues == ()
    assert len(sent) == 1
    fake.human_edit("DEBT-7", title="Bulk 6, retitled")
    with fake.server.counting() as sent:
        assert [i.title for i in tracker.list_changed(cursor).issues] == ["Bulk 6, retitled"]
    assert len(sent) == 1


def test_poll_after_ten_changes_costs_the_same_on_a_thousand_issues(flavour: Flavour) -> None:
    costs = {}
    for size in (40, 1000):
        with FakeJira(flavour=flavour, issues=size) as fake:
            tracker = make(fake)
            first = tracker.list_changed(None)
            assert len(first.issues) == size
            edited = [f"DEBT-{n}" for n in range(3, 33, 3)]
            for ref in edited:
                fake.human_edit(ref, title=f"{ref} retitled")
            with fake.server.counting() as sent:
                changed = tracker.list_changed(first.cursor)
            assert sorted(i.ref for i in changed.issues) == sorted(edited)
            costs[size] = len(sent)
    assert costs == {40: 1, 1000: 1}


def test_creating_two_hundred_issues_takes_four_bulk_requests(fake: FakeJira) -> None:
    tracker = make(fake)
    drafts = [IssueDraft(item_key=f"item-{n}", title=f"Item {n}") for n in range(200)]
    with fake.server.counting() as sent:
        made = create_all(tracker, drafts)
    creates = [r for r in sent if r.method == "POST" and r.path.startswith("/rest/api/2/issue")]
    assert [r.path for r in creates] == ["/rest/api/2/issue/bulk"] * 4
    assert [m.title for m in made] == [d.title for d in drafts]
    assert [m.marker for m in made] == [d.item_key for d in drafts]
    assert fake.issue_count() == 200
    assert len(sent) <= 4 + 2 + 1, "read back in two searches (plus the one-off field list)"


def test_bulk_created_drafts_get_their_status(jira: FakeJira) -> None:
    drafts = [
        IssueDraft(item_key="t", title="Todo"),
        IssueDraft(item_key="p", title="Doing", status=Status.IN_PROGRESS),
        IssueDraft(item_key="d", title="Done", status=Status.DONE),
    ]
    made = create_all(make(jira), drafts)
    assert [m.status for m in made] == [Status.TODO, Status.IN_PROGRESS, Status.DONE]


# --- Screens: what a transition requires ---------------------------------------------------------


def test_closing_on_server_sends_the_resolution_its_screen_requires(jira: FakeJira) -> None:
    """Server/Data Center resolves through a screen requiring a resolution: without one Jira
    answers 400 "Field Resolution is required." and the issue never closes."""
    tracker = make(jira)
    made = create_one(tracker, IssueDraft(item_key="r", title="Resolve me"))
    assert tracker.update(made.ref, IssueChange(status=Status.DONE)).status is Status.DONE
    assert jira.issue_json(made.ref)["fields"]["resolution"]["name"] == "Done"
    created = create_one(tracker, IssueDraft(item_key="n", title="Born done", status=Status.DONE))
    assert created.status is Status.DONE


def test_the_configured_resolution_is_sent(jira: FakeJira) -> None:
    tracker = make(jira, mapping=FieldMapping(jira_resolution="fixed"))
    made = create_one(tracker, IssueDraft(item_key="r", title="Resolve me"))
    tracker.update(made.ref, IssueChange(status=Status.DONE))
    assert jira.issue_json(made.ref)["fields"]["resolution"]["name"] == "Fixed"


def test_a_resolution_the_site_lacks_is_refused_naming_the_setting(jira: FakeJira) -> None:
    tracker = make(jira, mapping=FieldMapping(jira_resolution="Shipped"))
    made = create_one(tracker, IssueDraft(item_key="r", title="Resolve me"))
    with pytest.raises(Refused, match=r"no 'Shipped' \(it has Fixed, .*\): set jira_resolution"):
        tracker.update(made.ref, IssueChange(status=Status.DONE))


def test_a_required_field_syncer_cannot_fill_is_named_and_nothing_is_posted() -> None:
    screens = Screens(transitions={"Done": {"resolution": True, "customfield_10050": True}})
    with FakeJira(screens=screens) as jira:
        tracker = make(jira)
        made = create_one(tracker, IssueDraft(item_key="r", title="Resolve me"))
        with jira.server.counting() as sent, pytest.raises(Refused) as refused:
            tracker.update(made.ref, IssueChange(status=Status.DONE))
    assert str(refused.value) == (
        "DEBT-1: the transition 'Done' requires the field 'Root cause' (customfield_10050), "
        "which syncer cannot fill: make it optional on that transition's screen, or name "
        "another transition in jira_transitions"
    )
    assert [m for m, _ in transitions(sent)] == ["GET"]


# --- Screens: fields a project's create and edit screens lack ------------------------------------

OFF_SCREEN = Screens.default("server").without("priority", "duedate")


def test_fields_off_the_create_screen_are_left_out_and_noted_once(
    flavour: Flavour, caplog: pytest.LogCaptureFixture
) -> None:
    """A project whose create screen has no priority nor due date answers every create that
    sets them with 400 "Field 'priority' cannot be set": without the fields, they are made."""
    screens = Screens.default(flavour).without("priority", "duedate")
    with FakeJira(flavour=flavour, screens=screens) as jira:
        tracker = make(jira)
        drafts = [
            IssueDraft("p", "Prioritised", priority=Priority.HIGH, due_date=date(2027, 3, 1)),
            IssueDraft("q", "Plain"),
            IssueDraft("g", "Ghost's", priority=Priority.LOW, assignees=("ghost",)),
        ]
        with jira.server.counting() as sent, caplog.at_level(logging.WARNING):
            first, plain, ghost = tracker.create_many(drafts)
        assert first.issue is not None and plain.issue is not None
        assert (first.issue.title, first.issue.due_date) == ("Prioritised", None)
        assert isinstance(ghost.error, Refused) and "ghost" in str(ghost.error)
        assert jira.issue_count() == 2
        posts = [r for r in sent if r.path.endswith("/issue/bulk")]
        meta = [r for r in sent if "/createmeta/" in r.path]
        assert (len(posts), len(meta)) == (2, 2), "one refusal, the screen read once, resent"
        with jira.server.counting() as sent:
            assert create_one(tracker, IssueDraft("r", "Again", priority=Priority.LOW))
        assert [r.path for r in sent if r.method == "POST"] == ["/rest/api/2/issue/bulk"]
        assert not [r for r in sent if "/createmeta/" in r.path], "read once per run"
    noted = [r.getMessage() for r in caplog.records if "create screen" in r.getMessage()]
    assert noted == [
        "Jira project DEBT: 'priority' is not on the create screen of Task, so syncer does not "
        "set it there (add the field to that screen to sync it)",
        "Jira project DEBT: 'duedate' is not on the create screen of Task, so syncer does not "
        "set it there (add the field to that screen to sync it)",
    ]


def test_fields_off_the_edit_screen_are_left_out_and_the_rest_applied() -> None:
    with FakeJira(screens=OFF_SCREEN) as jira:
        tracker = make(jira)
        made = create_all(tracker, [IssueDraft("a", "A"), IssueDraft("b", "B")])
        change = IssueChange(title="A, renamed", priority=Priority.HIGH)
        with jira.server.counting() as sent:
            updated = tracker.update(made[0].ref, change)
        assert updated.title == "A, renamed"
        assert [(r.method, r.status, r.path.rsplit("/", 1)[-1]) for r in sent] == [
            ("GET", 200, "DEBT-1"),
            ("PUT", 400, "10001"),  # "Field 'priority' cannot be set": nothing applied
            ("GET", 200, "editmeta"),
            ("PUT", 204, "10001"),
            ("GET", 200, "10001"),
        ]
        assert jira.server.count("GET", "/rest/api/2/issue/DEBT-1/editmeta") == 1
        with jira.server.counting() as sent:
            tracker.update(made[1].ref, IssueChange(title="B, renamed", priority=Priority.LOW))
        assert [r.method for r in sent if r.method == "PUT"] == ["PUT"], "the screen is known"
        assert jira.issue_json(made[1].ref)["fields"]["summary"] == "B, renamed"
        assert not [r for r in sent if r.path.endswith("/editmeta")]


# --- Cloud's account ids ------------------------------------------------------------------------


def test_cloud_assignees_named_as_people_name_them_are_looked_up_once() -> None:
    """Cloud refuses `{"name": …}` and takes account ids only: a `user_map` that names people
    (`Alice Example`, `bob@example.com`) is looked up by user search, once per run, and the
    issues read back name their assignee the way `user_map` does."""
    with FakeJira(flavour="cloud") as jira:
        tracker = make(jira, users=("Alice Example", "bob@example.com"))
        with jira.server.counting() as sent:
            first, second = create_all(
                tracker,
                [
                    IssueDraft("a", "Alice's", assignees=("Alice Example",)),
                    IssueDraft("b", "Alice's too", assignees=("Alice Example",)),
                ],
            )
        assert (first.assignees, second.assignees) == (("Alice Example",), ("Alice Example",))
        assignee = jira.issue_json(first.ref)["fields"]["assignee"]
        assert assignee["accountId"] == jira.user_id("alice")
        assert len([r for r in sent if r.path.endswith("/user/search")]) == 1
        jira.human_edit(second.ref, assignees=(jira.user_id("bob"),))
        assert tracker.get(second.ref).assignees == ("bob@example.com",)


def test_a_cloud_user_map_name_no_user_matches_is_refused_naming_the_fix() -> None:
    with FakeJira(flavour="cloud") as jira:
        tracker = make(jira, users=("Nobody Here",))
        stray, fine = tracker.create_many(
            [IssueDraft("s", "Stray", assignees=("Nobody Here",)), IssueDraft("f", "Fine")]
        )
        assert isinstance(stray.error, Refused)
        assert str(stray.error) == (
            "Jira Cloud: 'Nobody Here' from user_map matches no user: put the person's account "
            "id in user_map (the end of their Jira profile's address)"
        )
        assert fine.issue is not None and jira.issue_count() == 1


# --- Which Jira, and where people browse it -----------------------------------------------------


@pytest.mark.parametrize("flavour", ["server", "cloud"])
def test_the_flavour_is_what_the_site_says_not_its_address(flavour: Flavour) -> None:
    """Jira Cloud on a custom domain (here 127.0.0.1, not `*.atlassian.net`): `serverInfo`
    says Cloud, so the adapter searches with Cloud's `search/jql` (the old search answers 410
    there), and browse links start at the site's address."""
    with FakeJira(flavour=flavour, site_url="https://jira.acme.example") as fake:
        email = fake.email if flavour == "cloud" else None
        tracker = JiraTracker(fake.base_url, fake.repo, fake.token, email=email)
        made = create_one(tracker, IssueDraft(item_key="c", title="Custom domain"))
        assert [i.title for i in tracker.list_changed(None).issues] == ["Custom domain"]
        assert tracker.flavour == flavour
        assert made.url == "https://jira.acme.example/browse/DEBT-1"
        info = [r for r in fake.server.requests if r.path.endswith("/serverInfo")]
        assert len(info) == 1, "asked once per run"


def test_through_atlassians_gateway_browse_links_point_at_the_site() -> None:
    """Scoped tokens reach Cloud through `api.atlassian.com/ex/jira/{cloudId}`, whose `self`
    links are the gateway's: a browse link must be the site's (`serverInfo` → `baseUrl`)."""
    site = "https://acme.atlassian.net"
    with FakeJira(flavour="cloud", cloud_id="a1b2c3", site_url=site) as fake:
        assert fake.base_url.endswith("/ex/jira/a1b2c3")
        tracker = make(fake)
        made = create_one(tracker, IssueDraft(item_key="g", title="Through the gateway"))
        assert made.url == f"{site}/browse/DEBT-1"
        assert tracker.get(made.ref).url == f"{site}/browse/DEBT-1"


# --- JQL's minute granularity -------------------------------------------------------------------


def test_changes_within_the_cursors_minute_are_not_missed(flavour: Flavour) -> None:
    """JQL compares `updated` to the minute. Writes a second apart within one minute must each
    be seen exactly once, however the polls fall between them."""
    with FakeJira(flavour=flavour, clock=StoppedTime(NOON)) as frozen:
        tracker = make(frozen)
        alpha = create_one(tracker, IssueDraft(item_key="a", title="Alpha"))
        beta = create_one(tracker, IssueDraft(item_key="b", title="Beta"))
        first = tracker.list_changed(None)
        assert {i.title for i in first.issues} == {"Alpha", "Beta"}
        frozen.human_edit(beta.ref, title="Beta 2")
        second = tracker.list_changed(first.cursor)
        assert [i.title for i in second.issues] == ["Beta 2"]
        jql = parse_qs(frozen.server.requests[-1].query)["jql"][0]
        # the cursor's minute less the overlap, in the user's zone (New York, UTC-4 in May)
        assert 'updated >= "2021/05/04 07:59"' in jql
        frozen.human_edit(alpha.ref, title="Alpha 2")
        frozen.human_edit(beta.ref, title="Beta 3")
        third = tracker.list_changed(second.cursor)
        assert sorted(i.title for i in third.issues) == ["Alpha 2", "Beta 3"]
        assert tracker.list_changed(third.cursor).issues == ()


@pytest.mark.parametrize("zone", ["America/New_York", "Australia/Sydney", "Asia/Kathmandu"])
def test_a_change_just_after_the_cursor_is_seen_in_any_user_time_zone(zone: str) -> None:
    """JQL reads `updated >= "…"` in the syncer user's own time zone, while the timestamps the
    cursor holds are in UTC: written as UTC, a New York user's window would start hours late."""
    with FakeJira(clock=SteppedTime(NOON, 20), user_time_zone=zone) as fake:
        tracker = make(fake)
        made = create_one(tracker, IssueDraft(item_key="z", title="Zoned"))
        cursor = tracker.list_changed(None).cursor
        fake.human_edit(made.ref, title="Zoned, edited")
        assert [i.title for i in tracker.list_changed(cursor).issues] == ["Zoned, edited"]


def test_an_unknown_user_time_zone_reads_a_wider_window_and_misses_nothing() -> None:
    """A zone name Python does not know: the UTC minute less 14 hours, which no zone reads as
    later than the cursor."""
    assert jql_minute(NOON, user_zone("Mars/Olympus_Mons")) == "2021/05/03 22:00"
    assert jql_minute(NOON, user_zone("Asia/Kathmandu")) == "2021/05/04 17:45"


def test_cursor_moves_on_across_minutes(flavour: Flavour) -> None:
    with FakeJira(flavour=flavour, clock=SteppedTime(NOON, 50)) as clocked:
        tracker = make(clocked)
        made = [create_one(tracker, IssueDraft(item_key=f"k{n}", title=f"T{n}")) for n in range(4)]
        cursor = tracker.list_changed(None).cursor
        clocked.human_edit(made[0].ref, title="T0 again")
        assert [i.title for i in tracker.list_changed(cursor).issues] == ["T0 again"]


# --- Retries, rate limits and errors ------------------------------------------------------------


def test_rate_limit_waits_what_retry_after_says(jira: FakeJira) -> None:
    sleeps = Sleeps()
    tracker = make(jira, sleep=sleeps, retry=RetryPolicy(max_wait_seconds=10))
    ref = create_one(tracker, IssueDraft(item_key="r", title="Patient")).ref
    jira.throttle_next(2, retry_after=3)
    assert tracker.get(ref).title == "Patient"
    assert sleeps == [3.0, 3.0]


def test_rate_limit_longer_than_allowed_stops_with_the_time_to_resume(jira: FakeJira) -> None:
    sleeps = Sleeps()
    retry = RetryPolicy(max_wait_seconds=60)
    tracker = make(jira, sleep=sleeps, retry=retry, clock=lambda: NOON)
    jira.throttle_next(1, retry_after=600)
    with pytest.raises(RateLimited) as caught:
        tracker.list_changed(None)
    assert caught.value.retry_at == NOON + timedelta(seconds=600)
    assert sleeps == [], "never sleeps ten minutes on its own"


def test_server_errors_are_retried_with_backoff_then_reported(jira: FakeJira) -> None:
    sleeps = Sleeps()
    retry = RetryPolicy(attempts=3, backoff_seconds=0.5, max_wait_seconds=60)
    tracker = make(jira, sleep=sleeps, retry=retry)
    jira.fail_next(5, status=503)
    with jira.server.counting() as sent, pytest.raises(TrackerError, match="HTTP 503"):
        tracker.list_changed(None)
    assert len(sent) == 3
    assert sleeps == [0.5, 1.0]


def test_a_create_whose_answer_was_lost_is_not_duplicated(fake: FakeJira) -> None:
    """Jira created the issue but the answer never came (502 from a proxy): it is not posted
    again (a lookup right then may not see it yet); its marker finds it later."""
    tracker = make(fake, sleep=Sleeps())
    fake.fail_next(1, status=502, acted=True)
    [lost] = tracker.create_many([IssueDraft(item_key="once", title="Only once")])
    assert isinstance(lost.error, AnswerLost) and "502" in str(lost.error)
    assert fake.issue_count() == 1
    assert fake.server.count("POST", "/rest/api/2/issue") == 1
    assert [i.title for i in tracker.find_markers(["once"])["once"]] == ["Only once"]


def test_a_bulk_create_whose_answer_was_lost_is_not_duplicated(fake: FakeJira) -> None:
    """The trial that made 40 duplicates: the whole bulk request is one lost answer."""
    tracker = make(fake, sleep=Sleeps())
    fake.fail_next(1, status=504, acted=True)
    drafts = [IssueDraft(item_key=f"b{n}", title=f"B{n}") for n in range(7)]
    made = tracker.create_many(drafts)
    assert all(isinstance(m.error, AnswerLost) for m in made)
    assert fake.issue_count() == 7
    assert fake.server.count("POST", "/rest/api/2/issue/bulk") == 1
    found = tracker.find_markers([d.item_key for d in drafts])
    assert sorted(found) == sorted(d.item_key for d in drafts)


def test_a_refused_element_of_a_bulk_create_fails_alone(jira: FakeJira) -> None:
    tracker = make(jira)
    drafts = [
        IssueDraft(item_key="a", title="A", status=Status.DONE),
        IssueDraft(item_key="b", title="B", assignees=("ghost",)),
        IssueDraft(item_key="c", title="C", status=Status.IN_PROGRESS),
    ]
    a, b, c = tracker.create_many(drafts)
    assert isinstance(b.error, Refused) and "'b' assigning 'ghost'" in str(b.error)
    assert a.issue is not None and c.issue is not None
    assert (a.issue.status, c.issue.status) == (Status.DONE, Status.IN_PROGRESS)
    assert jira.issue_count() == 2


def test_a_move_the_workflow_refuses_leaves_the_issue_to_be_settled_by_marker() -> None:
    """The issue exists but is not where its draft wants it: not made again, not recorded as
    done; the other drafts go on."""
    with StepByStepJira() as jira:
        jira.allowed["To Do"] = set()  # no way out of To Do for new issues
        tracker = make(jira)
        stuck, fine = tracker.create_many(
            [IssueDraft("stuck", "Stuck", status=Status.DONE), IssueDraft("fine", "Fine")]
        )
        assert isinstance(stuck.error, AnswerLost) and "no transition" in str(stuck.error)
        assert fine.issue is not None and fine.issue.title == "Fine"
        assert jira.issue_count() == 2


def test_a_comment_whose_answer_was_lost_is_reported_not_repeated(jira: FakeJira) -> None:
    tracker = make(jira, sleep=Sleeps())
    ref = create_one(tracker, IssueDraft(item_key="c", title="Commented")).ref
    jira.fail_next(1, status=502, acted=True)
    with pytest.raises(TrackerError, match="502"):
        tracker.comment(ref, "Removed from the register.")
    assert len(jira.issue_json(ref)["fields"]["comment"]["comments"]) == 1


def test_a_jira_that_never_answers_fails_within_the_timeout() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    retry = RetryPolicy(attempts=2, backoff_seconds=0.01, timeout_seconds=0.3)
    tracker = JiraTracker(url, "DEBT", "token", retry=retry)
    started = datetime.now(UTC)
    with pytest.raises(TrackerError, match="no answer from Jira"):
        tracker.get("DEBT-1")
    assert datetime.now(UTC) - started < timedelta(seconds=3)
    silent.close()


def test_jira_refusals_come_with_jiras_reason(jira: FakeJira) -> None:
    tracker = make(jira, mapping=FieldMapping(jira_priorities={Priority.CRITICAL: "Urgent"}))
    with pytest.raises(Refused, match="Priority name 'Urgent' is not valid"):
        create_one(tracker, IssueDraft(item_key="u", title="Urgent", priority=Priority.CRITICAL))


def test_unknown_issue_and_project(fake: FakeJira) -> None:
    tracker = make(fake)
    with pytest.raises(NotFound):
        tracker.update("DEBT-404", IssueChange(title="x"))
    elsewhere = JiraTracker(fake.base_url, "NOPE", fake.token, flavour=fake.flavour,
                            email=fake.email if fake.flavour == "cloud" else None)  # fmt: skip
    with pytest.raises(TrackerError, match="does not exist for the field 'project'"):
        elsewhere.list_changed(None)


def test_secrets_stay_out_of_errors_and_logs(
    fake: FakeJira, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "wrong-secret-token-123"
    tracker = JiraTracker(
        fake.base_url, fake.repo, secret, flavour=fake.flavour,
        email=fake.email if fake.flavour == "cloud" else None,
    )  # fmt: skip
    with pytest.raises(AuthError) as caught:
        tracker.get("DEBT-1")
    error = caught.value
    assert secret not in str(error) and secret not in caplog.text
    assert error.__cause__ is None and error.__context__ is None, (
        "the library's JIRAError (which prints request headers) is not chained"
    )


# --- Fields ------------------------------------------------------------------------------------


def test_labels_with_spaces_reach_jira_and_come_back(jira: FakeJira) -> None:
    tracker = make(jira)
    made = create_one(tracker, IssueDraft(item_key="l", title="Labelled", labels=("area: api",)))
    assert set(jira.issue_json(made.ref)["fields"]["labels"]) == {"area:_api", SYNC}
    assert set(made.labels) == {"area: api", SYNC}


def test_editing_the_body_keeps_the_footer_people_see(jira: FakeJira) -> None:
    tracker = make(jira)
    draft = IssueDraft(item_key="f", title="F", body="old", register_url="https://r.example/TD.md")
    ref = create_one(tracker, draft).ref
    tracker.update(ref, IssueChange(body="new **text**"))
    description = jira.issue_json(ref)["fields"]["description"]
    assert description.startswith("new *text*\n\n----\n_Tracked by syncer from ")
    assert "[the tech-debt register|https://r.example/TD.md]" in description


def test_assignee_is_sent_the_way_each_flavour_names_users(fake: FakeJira) -> None:
    """Server identifies users by name, Cloud by account id: the fake refuses the other form."""
    tracker = make(fake)
    made = create_one(tracker, IssueDraft(item_key="a", title="Assigned"))
    user = fake.user_id("alice")
    updated = tracker.update(made.ref, IssueChange(assignees=(user, "bob")))
    assert updated.assignees == (user,), "a Jira issue has one assignee"
    assert fake.issue_json(made.ref)["fields"]["assignee"]["displayName"] == "Alice Example"
    assert tracker.update(made.ref, IssueChange(assignees=())).assignees == ()


def test_a_status_change_that_is_already_true_sends_no_transition(jira: FakeJira) -> None:
    tracker = make(jira)
    ref = create_one(tracker, IssueDraft(item_key="s", title="S")).ref
    with jira.server.counting() as sent:
        tracker.update(ref, IssueChange(status=Status.TODO))
    assert not [r for r in sent if r.path.endswith("/transitions")]


def test_an_issue_deleted_in_jira_is_not_found(fake: FakeJira) -> None:
    tracker = make(fake)
    ref = create_one(tracker, IssueDraft(item_key="gone", title="Gone soon")).ref
    fake.delete_issue(ref)
    with pytest.raises(NotFound):
        tracker.get(ref)
    assert tracker.find_markers(["gone"]) == {}


# --- Transitions: asked for once per workflow step, not once per issue; a cached transition
# Jira no longer takes never fails a move ----------------------------------------------------


def transitions(sent: Sequence[RecordedRequest]) -> list[tuple[str, int]]:
    return [(r.method, r.status) for r in sent if r.path.endswith("/transitions")]


def test_new_issues_leaving_to_do_ask_for_the_transitions_once(jira: FakeJira) -> None:
    tracker = make(jira)
    wanted = [Status.IN_PROGRESS, Status.DONE] * 10
    drafts = [IssueDraft(f"k{n}", f"Item {n}", status=s) for n, s in enumerate(wanted)]
    with jira.server.counting() as sent:
        made = create_all(tracker, drafts)
    assert [m.status for m in made] == wanted
    assert transitions(sent) == [("GET", 200)] + [("POST", 204)] * 20


def test_updates_from_one_status_share_its_transitions(jira: FakeJira) -> None:
    tracker = make(jira)
    refs = [r.ref for r in create_all(tracker, [IssueDraft(f"u{n}", "U") for n in range(5)])]
    with jira.server.counting() as sent:
        done = [tracker.update(ref, IssueChange(status=Status.DONE)) for ref in refs]
        reopened = [tracker.update(ref, IssueChange(status=Status.TODO)) for ref in refs]
    assert {d.status for d in done} == {Status.DONE}
    assert {r.status for r in reopened} == {Status.TODO}
    gets = [m for m, _ in transitions(sent) if m == "GET"]
    assert len(gets) == 2, "one list from To Do, one from Done"


def test_a_transition_the_workflow_no_longer_has_is_recovered_from(jira: FakeJira) -> None:
    tracker = make(jira)
    first, second, third = create_all(tracker, [IssueDraft(f"s{n}", "S") for n in range(3)])
    tracker.update(first.ref, IssueChange(status=Status.DONE))
    # an admin edited the workflow:
    jira.transitions = tuple((str(int(t) + 100), n) for t, n in jira.transitions)
    with jira.server.counting() as sent:
        assert tracker.update(second.ref, IssueChange(status=Status.DONE)).status is Status.DONE
    assert transitions(sent) == [("POST", 400), ("GET", 200), ("POST", 204)]
    with jira.server.counting() as sent:
        assert tracker.update(third.ref, IssueChange(status=Status.DONE)).status is Status.DONE
    assert transitions(sent) == [("POST", 204)], "the fresh list replaced the stale one"


class StepByStepJira(FakeJira):
    """A workflow that is not global: Done is reached only from In Progress."""

    def __init__(self) -> None:
        super().__init__()
        self.allowed = {"To Do": {"21"}, "In Progress": {"11", "31"}, "Done": {"11"}}

    async def _transitions(self, request: Request) -> Response:
        with self._lock:
            allowed = self.allowed[self._find(request.path_params["key"]).status]
        if request.method == "GET":
            offered = [
                self._transition_json(t, name, "expand" in request.query_params)
                for t, name in self.transitions
                if t in allowed
            ]
            return JSONResponse({"expand": "transitions", "transitions": offered})
        wanted = str(((await self._body(request)).get("transition") or {}).get("id"))
        if wanted not in allowed:
            raise JiraApiError(400, [f"Transition id '{wanted}' is not valid for this issue."])
        return await super()._transitions(request)


def test_a_two_step_move_goes_through_in_progress_and_uses_the_cache_at_each_step() -> None:
    with StepByStepJira() as jira:
        tracker = make(jira)
        drafts = [IssueDraft(f"d{n}", f"Done {n}", status=Status.DONE) for n in range(3)]
        with jira.server.counting() as sent:
            made = create_all(tracker, drafts)
        assert [m.status for m in made] == [Status.DONE] * 3
        assert transitions(sent) == [
            *[("GET", 200), ("POST", 204), ("GET", 200), ("POST", 204)],
            *[("POST", 204), ("POST", 204)] * 2,
        ]


def test_a_cached_list_without_a_way_there_is_asked_for_again() -> None:
    """Transitions with conditions are offered to some issues of a status and not others."""
    with StepByStepJira() as jira:
        tracker = make(jira)
        jira.allowed["To Do"] = {"31"}
        first, second = create_all(tracker, [IssueDraft(f"c{n}", "C") for n in range(2)])
        tracker.update(first.ref, IssueChange(status=Status.DONE))
        jira.allowed["To Do"] = {"21", "31"}
        with jira.server.counting() as sent:
            moved = tracker.update(second.ref, IssueChange(status=Status.IN_PROGRESS))
        assert moved.status is Status.IN_PROGRESS
        assert transitions(sent) == [("GET", 200), ("POST", 204)]
