"""The in-memory tracker: a tracker kind of its own whose issues live in the process.

Like vdirsyncer's `MemoryStorage`, it is a real implementation of the `Tracker` protocol, not
a fake of a service: it keeps the adapter contract (`tests/trackers/test_memory_contract.py`)
as the GitHub, GitLab and Jira adapters do, with no HTTP, client library or wait in between.
Engine tests and a fast profile of the sync state machine run on it; the HTTP fakes remain
the place where the adapters themselves are tested.

Two halves, as with a hosted tracker: `MemoryProject` holds the issues and is what a person
(or a test) edits, deletes and makes misbehave (`syncer.fakes.control.TrackerControl`);
`MemoryTracker` is what syncer talks to. Issues are gone when the process ends.
"""

from syncer.trackers.memory.project import MemoryProject, StoredIssue
from syncer.trackers.memory.tracker import KIND, MemoryTracker

__all__ = ["KIND", "MemoryProject", "MemoryTracker", "StoredIssue"]
