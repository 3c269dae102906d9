"""The daemon's Prometheus series (syncer.daemon.metrics) and their text exposition."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families

from syncer.daemon.metrics import Metrics

NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_a_finished_cycle_moves_its_series() -> None:
    metrics = Metrics()
    counts = {"created": 3, "updated": 1, "closed": 0}
    metrics.cycle_finished("web", "ok", 1.5, counts, open_conflicts=2, finished_at=NOON)
    metrics.cycle_finished("web", "ok", 0.2, {"created": 1}, open_conflicts=0, finished_at=NOON)
    assert value(metrics, "syncer_cycles_total", register="web", outcome="ok") == 2
    assert value(metrics, "syncer_cycle_seconds_count", register="web") == 2
    assert value(metrics, "syncer_cycle_seconds_sum", register="web") == 1.7
    assert value(metrics, "syncer_operations_total", register="web", kind="created") == 4
    assert value(metrics, "syncer_operations_total", register="web", kind="updated") == 1
    assert value(metrics, "syncer_operations_total", register="web", kind="closed") is None
    assert value(metrics, "syncer_open_conflicts", register="web") == 0
    assert value(metrics, "syncer_last_success_timestamp_seconds", register="web") == (
        NOON.timestamp()
    )


def test_only_successful_cycles_set_the_last_success_time() -> None:
    metrics = Metrics()
    metrics.cycle_finished("web", "conflicts", 1.0, {}, open_conflicts=1, finished_at=NOON)
    later = NOON.replace(hour=13)
    for outcome in ("error", "refused", "busy"):
        metrics.cycle_finished("web", outcome, 1.0, {}, open_conflicts=None, finished_at=later)
    assert value(metrics, "syncer_last_success_timestamp_seconds", register="web") == (
        NOON.timestamp()
    )
    assert value(metrics, "syncer_open_conflicts", register="web") == 1  # None: left as it was
    assert value(metrics, "syncer_cycles_total", register="web", outcome="busy") == 1


def test_requests_skips_and_deliveries_are_counted() -> None:
    metrics = Metrics()
    metrics.tracker_request("github:octo/web", "get")
    metrics.tracker_request("github:octo/web", "GET")
    metrics.cycle_skipped("web", "locked")
    metrics.webhook("jira", "duplicate")
    requests = value(
        metrics, "syncer_tracker_requests_total", target="github:octo/web", method="GET"
    )
    assert requests == 2
    assert value(metrics, "syncer_cycles_skipped_total", register="web", reason="locked") == 1
    assert (
        value(metrics, "syncer_webhook_deliveries_total", tracker="jira", outcome="duplicate") == 1
    )


def test_known_series_start_at_zero() -> None:
    """A rate over a series is only defined once it exists: deliveries of every tracker and
    outcome, and the cycles of registers named up front, are there from the first scrape."""
    metrics = Metrics(registers=["web"])
    assert (
        value(metrics, "syncer_webhook_deliveries_total", tracker="gitlab", outcome="too_large")
        == 0
    )
    assert value(metrics, "syncer_cycles_total", register="web", outcome="error") == 0


def test_render_is_the_prometheus_text_format() -> None:
    metrics = Metrics()
    metrics.cycle_finished("web", "ok", 0.3, {"created": 2}, open_conflicts=0, finished_at=NOON)
    families = {
        family.name: family for family in text_string_to_metric_families(metrics.render().decode())
    }
    for name in (
        "syncer_cycles",
        "syncer_cycle_seconds",
        "syncer_cycles_skipped",
        "syncer_tracker_requests",
        "syncer_operations",
        "syncer_open_conflicts",
        "syncer_last_success_timestamp_seconds",
        "syncer_webhook_deliveries",
        "process_resident_memory_bytes",
    ):
        assert name in families, name
    assert families["syncer_cycle_seconds"].type == "histogram"
    assert families["syncer_cycles"].type == "counter"


def test_two_metrics_do_not_share_series() -> None:
    first, second = Metrics(), Metrics()
    first.webhook("github", "accepted")
    assert (
        value(second, "syncer_webhook_deliveries_total", tracker="github", outcome="accepted") == 0
    )
