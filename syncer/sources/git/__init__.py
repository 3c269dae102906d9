"""Registers kept in a git repository (`source = "git"`): see `source` and docs/git.md."""
