"""syncer: keep a Markdown tech-debt register and issue trackers telling the same story."""

__version__ = "0.1.0"
