"""Settings every test shares.

Hypothesis's per-example deadline (200 ms) measures the machine, not the code: on a shared
CI runner a slow moment fails an example that is correct. Examples are bounded by their
count instead; speed is checked by the benchmarks in `bench/`, never by timed assertions.
"""

from hypothesis import settings

settings.register_profile("syncer", deadline=None)
settings.load_profile("syncer")
