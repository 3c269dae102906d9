"""`syncer daemon`: the long-running service.

The HTTP side is a library the daemon mounts, each part testable alone: `webhooks` checks and
reads deliveries (pure), `routing` decides which registers a delivery wakes, `metrics` holds the
Prometheus series, and `http` serves them all as one Starlette app.
"""
