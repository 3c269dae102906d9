"""`python -m syncer.cli`: the same command line as the `syncer` script."""

from syncer.cli import app

app()
