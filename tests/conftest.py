"""Settings every test shares.

Hypothesis's per-example deadline (200 ms) measures the machine, not the code: on a shared
CI runner a slow moment fails an example that is correct. Examples are bounded by their
count instead; speed is checked by the benchmarks in `bench/`, never by timed assertions.
"""

import pytest
from hypothesis import settings

import syncer.fakes.github as fake_github_module
import syncer.fakes.gitlab.gate as fake_gitlab_gate
from syncer.fakes.clock import VirtualTime

settings.register_profile("syncer", deadline=None)
settings.load_profile("syncer")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> VirtualTime:
    """One virtual clock for the GitHub and GitLab fakes and an adapter given
    `clock.sleep`/`clock.time`: pacing waits and `retry-after` windows are recorded, never
    slept."""
    virtual = VirtualTime()
    monkeypatch.setattr(fake_github_module, "time", virtual)
    monkeypatch.setattr(fake_gitlab_gate, "time", virtual)
    return virtual
