"""The sync engine: merge and plan are pure; execute is the only code that does I/O."""
