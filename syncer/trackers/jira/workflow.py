"""Moving Jira issues through their workflow, with the transitions cached per workflow step.

Jira offers the same transitions to every issue of one type in one status (its workflow's
step), so the list is asked for once per (status, issue type) and reused: moving 80 new issues
out of To Do costs one GET and 80 POSTs, not 160 requests. A cached transition is only a
guess: when Jira refuses it (the workflow changed, a condition fails for this issue) or none
fits, the issue's own list is asked for and replaces the entry, so the cache can cost a
request but never fail a move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from syncer.model import Status
from syncer.trackers.base import FieldMapping, NotFound, Refused
from syncer.trackers.jira.calls import JiraCalls
from syncer.trackers.jira.mapping import Json, Place, pick_step, place_after


class Workflow:
    """Transitions of one Jira site, cached per `Place`."""

    def __init__(self, calls: JiraCalls, mapping: FieldMapping) -> None:
        self._calls = calls
        self._mapping = mapping
        self._transitions: dict[Place, list[Json]] = {}

    def move(self, ref: str, place: Place, target: Status) -> None:
        """Move `ref`, standing at `place`, to `target`: by one transition, or by two through in
        progress where the workflow offers no direct way (To Do → In Progress → Done)."""
        via = () if target is Status.IN_PROGRESS else (Status.IN_PROGRESS,)
        taken, heading = self._step(ref, place, (target, *via))
        if heading is not target:
            self._step(ref, place_after(taken, place), (target,))

    def _step(
        self, ref: str, place: Place, wanted: Sequence[Status]
    ) -> tuple[Mapping[str, Any], Status]:
        """Take the transition towards the first of `wanted` offered at `place`.

        A cached list is tried first. Should Jira refuse its transition, or none fit, it is not
        trusted further: the issue's own list is asked for and replaces it.
        """
        cached = self._transitions.get(place)
        if cached is not None:
            step = pick_step(cached, wanted, self._mapping)
            if step is not None and self._accepted(ref, step[0]):
                return step
        offered = self._offered(ref, place)
        step = pick_step(offered, wanted, self._mapping)
        if step is None:
            names = ", ".join(str(t.get("name")) for t in offered)
            raise Refused(f"{ref}: no transition leads to {wanted[0].value} (offered: {names})")
        self._transition(ref, step[0])
        return step

    def _offered(self, ref: str, place: Place) -> list[Json]:
        """The transitions Jira offers `ref` now, remembered for every issue at `place`."""
        client = self._calls.client
        offered = self._calls.call(f"transitions of {ref}", lambda: client.transitions(ref))
        self._transitions[place] = list(offered)
        return self._transitions[place]

    def _accepted(self, ref: str, transition: Mapping[str, Any]) -> bool:
        """Whether Jira took a cached transition; False when it refused it for this issue."""
        try:
            self._transition(ref, transition)
        except (Refused, NotFound):
            return False
        return True

    def _transition(self, ref: str, transition: Mapping[str, Any]) -> None:
        transition_id = str(transition["id"])
        client = self._calls.client
        self._calls.call(f"transition {ref}", lambda: client.transition_issue(ref, transition_id))
