"""The `syncer` command line."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="syncer",
    help="Keep a Markdown tech-debt register and GitHub / GitLab / Jira issues in sync.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """syncer: the register stays the source of truth; trackers follow, and speak back."""
