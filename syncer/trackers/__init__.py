"""Thin adapters between trackers' client libraries and syncer's `RemoteIssue`."""
