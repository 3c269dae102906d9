"""What a `syncer` process does as it exits."""

from __future__ import annotations

import subprocess
import sys


def test_the_collector_skips_syncers_objects_at_exit() -> None:
    """Python's teardown would run the cyclic collector several times over every object the
    imports left (a sixth of an idle reconcile's CPU, issue 13): the command line freezes
    them first. The check is registered before syncer's exit handler, so it runs after it."""
    script = (
        "import atexit, gc\n"
        "atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0, flush=True))\n"
        "from syncer.cli import app\n"
        "app(['--version'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    version, frozen = done.stdout.splitlines()
    assert version.startswith("syncer ")
    assert frozen == "frozen: True"
