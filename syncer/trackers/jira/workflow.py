"""Moving Jira issues through their workflow, with the transitions cached per workflow step.

Jira offers the same transitions to every issue of one type in one status (its workflow's
step), so the list is asked for once per (status, issue type) and reused: moving 80 new issues
out of To Do costs one GET and 80 POSTs, not 160 requests. A cached transition is only a
guess: when Jira refuses it (the workflow changed, a condition fails for this issue) or none
fits, the issue's own list is asked for and replaces the entry, so the cache can cost a
request but never fail a move.

Transitions are listed with their screens' fields (`expand=transitions.fields`): Server/Data
Center's classic workflow resolves and closes issues through a screen that requires a
resolution, sent as `FieldMapping.jira_resolution` ("Done" unless configured) whenever a
screen has the field. Any other field a screen requires is one syncer has no value for: the
move is refused, naming the transition and the field, before anything is sent.
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
        offered = self._calls.call(
            f"transitions of {ref}",
            lambda: client.transitions(ref, expand="transitions.fields"),
        )
        self._transitions[place] = list(offered)
        return self._transitions[place]

    def _accepted(self, ref: str, transition: Mapping[str, Any]) -> bool:
        """Whether Jira took a cached transition; False when it refused it for this issue."""
        fields = screen_fields(ref, transition, self._mapping.jira_resolution)
        try:
            self._post(ref, transition, fields)
        except (Refused, NotFound):
            return False
        return True

    def _transition(self, ref: str, transition: Mapping[str, Any]) -> None:
        self._post(ref, transition, screen_fields(ref, transition, self._mapping.jira_resolution))

    def _post(self, ref: str, transition: Mapping[str, Any], fields: Json) -> None:
        transition_id = str(transition["id"])
        client = self._calls.client
        self._calls.call(
            f"transition {ref}",
            lambda: client.transition_issue(ref, transition_id, fields=fields or None),
        )


def screen_fields(ref: str, transition: Mapping[str, Any], resolution: str) -> Json:
    """The fields to send with `transition`: the resolution when its screen has that field
    (required or not: a done issue without one still counts as unresolved in Jira's reports).
    Any other required field without a default is refused here, named, before a request."""
    name = str(transition.get("name") or transition.get("id"))
    fields: Json = {}
    for field_id, meta in dict(transition.get("fields") or {}).items():
        if field_id == "resolution":
            fields["resolution"] = {"name": _resolution(ref, name, meta, resolution)}
        elif meta.get("required") and not meta.get("hasDefaultValue"):
            label = str(meta.get("name") or field_id)
            raise Refused(
                f"{ref}: the transition {name!r} requires the field {label!r} ({field_id}), "
                "which syncer cannot fill: make it optional on that transition's screen, or "
                "name another transition in jira_transitions"
            )
    return fields


def _resolution(ref: str, transition: str, meta: Mapping[str, Any], wanted: str) -> str:
    """`wanted` as the site spells it, when the screen offers it."""
    offered = [str(v.get("name")) for v in meta.get("allowedValues") or () if v.get("name")]
    match = next((v for v in offered if v.casefold() == wanted.casefold()), None)
    if match is None and offered:
        raise Refused(
            f"{ref}: the transition {transition!r} needs a resolution and this Jira has no "
            f"{wanted!r} (it has {', '.join(offered)}): set jira_resolution to one of them"
        )
    return match or wanted
