"""The gate for a stage assignment: the candidate version against the model in the stage.

Both sides are read from git (metrics/metrics.json and params.yaml of the commit
each version tags), so the gate needs no model file and no rebuild. The thresholds
come from the stage's current model, as `make gate` takes them from the base: a
candidate cannot loosen the gate it is judged by.
"""

from __future__ import annotations

from pathlib import Path

from flight_delay.compare import GateResult
from flight_delay.gate import judge
from flight_delay.registry import TagEvent, occupant_before, stage_tags
from flight_delay.snapshot import read_snapshot, revision_reader


def judge_assignment(event: TagEvent, root: Path) -> tuple[GateResult, list[str]]:
    """The verdict for assigning `event.stage` to `event.version`, and its notes."""
    holder = occupant_before(event, stage_tags(event.artifact, root))
    candidate = read_snapshot(event.version, revision_reader(event.commit, root))
    if holder is None:
        base, name = None, event.stage or ""
        no_base = f"no version is in {event.stage} yet"
    else:
        name = f"{holder['version']} (in {event.stage} by {holder['ref']})"
        base = read_snapshot(name, revision_reader(holder["commit"], root))
        no_base = None
    result, notes = judge(base, candidate, name, no_base)
    if holder is not None:
        notes.insert(0, f"{event.version} against {name}")
    if not candidate.metrics:
        missing = f"{event.version} has no metrics/metrics.json at {event.commit[:12]}"
        return GateResult(False, f"gate: FAIL {missing}"), notes
    return result, notes
