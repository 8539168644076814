"""The events GTO's git tags record, and which version holds a stage at a given tag.

`flight-delay@v1.2.0` registers a version; `flight-delay#prod#3` assigns a stage.
Pure: `occupant_before` reads a list of events (registry_events, in gto_registry.py).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

_NUMBER = re.compile(r"#(\d+)$")


class RegistryError(RuntimeError):
    """A tag, stage or version the registry cannot act on; the message says why."""


@dataclass(frozen=True)
class TagEvent:
    """One GTO tag as `gto check-ref --json` describes it."""

    tag: str
    artifact: str
    event: str  # registration, assignment, unassignment, deregistration, deprecation
    version: str
    commit: str
    created_at: str
    stage: str | None = None

    @property
    def number(self) -> int | None:
        """N of `name#stage#N` (GTO numbers stage tags in order of creation)."""
        found = _NUMBER.search(self.tag)
        return int(found.group(1)) if found else None


def event_order(entry: dict) -> tuple[str, int]:
    """Creation time, then GTO's tag number (tags made within one second share a time)."""
    found = _NUMBER.search(entry["ref"])
    return entry["timestamp"], int(found.group(1)) if found else sys.maxsize


def occupant_before(event: TagEvent, events: list[dict]) -> dict | None:
    """The assignment that held `event.stage` just before `event`'s tag, as GTO counts:
    the latest assignment whose version was not unassigned from the stage, deregistered
    or deprecated with the whole artifact since. A tag not yet made comes after all."""
    limit = (event.created_at, event.number or sys.maxsize) if event.created_at else None
    holders: list[dict] = []  # assignments in effect, oldest first
    for entry in events:
        if entry["ref"] == event.tag or (limit and event_order(entry) >= limit):
            break
        if entry["event"] == "deprecation":
            holders = []
        elif entry["event"] == "deregistration" or entry["stage"] == event.stage:
            holders = [h for h in holders if h["version"] != entry["version"]]
            if entry["event"] == "assignment":
                holders.append(entry)
    return holders[-1] if holders else None
