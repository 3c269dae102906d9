"""Sync state: links, bases, cursors, the outbox, conflicts, runs, webhook deliveries."""
