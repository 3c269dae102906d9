"""Run one reconcile and `kill -9` ourselves right after the k-th HTTP request is answered.

Used by the crash sweep: `python -m tests.sync.crash_child REGISTER STATE BASE_URL REPO TOKEN K`.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import requests

from syncer.state.store import Store
from syncer.sync.cycle import run_cycle
from syncer.sync.job import RegisterJob, TargetSpec
from syncer.trackers.base import RetryPolicy
from syncer.trackers.gitlab import GitLabTracker


def main() -> None:
    register, state, base_url, repo, token, k = sys.argv[1:7]
    budget = int(k)
    original = requests.Session.send

    def send(self: requests.Session, request: Any, **kw: Any) -> Any:
        nonlocal budget
        answer = original(self, request, **kw)
        budget -= 1
        if budget == 0:
            os.kill(os.getpid(), signal.SIGKILL)
        return answer

    requests.Session.send = send  # type: ignore[method-assign]
    tracker = GitLabTracker(repo, token, url=base_url, retry=RetryPolicy(max_wait_seconds=2))
    job = RegisterJob("debt", Path(register), [TargetSpec("gitlab", "gitlab", repo, tracker)])
    with Store(state) as store:
        run_cycle(job, store)


if __name__ == "__main__":
    main()
