"""The gate for a stage assignment: the candidate version against the model in the stage.

Both sides' metrics are read from git (metrics/metrics.json of the commit each
version tags) after checking that the file is the one `evaluate` wrote for that
commit's model (its md5 in dvc.lock: revisions/recorded_outputs.trusted_outputs), so
the gate needs no model file and no rebuild. The thresholds are those of the checkout
that runs the gate (conf/gate and the dataset spec's floor; in the promote workflow,
the default branch), never the candidate's own. When the two were validated on
different months, the version in the stage is scored on the candidate's validation
rows instead (revisions/rescoring.py).
"""

from __future__ import annotations

from pathlib import Path

from flight_delay.core.compare import GateResult, gate_verdict
from flight_delay.infra.config import GateConfig
from flight_delay.registry.gto_registry import registry_events
from flight_delay.registry.tag_events import TagEvent, occupant_before
from flight_delay.revisions.recorded_outputs import RecordedOutputs, trusted_outputs
from flight_delay.revisions.rescoring import judged_baseline


def judge_assignment(
    event: TagEvent, candidate: RecordedOutputs, root: Path, gate: GateConfig, label: str
) -> tuple[GateResult, list[str]]:
    """The verdict for assigning `event.stage` to `event.version` (whose trusted recorded
    outputs are `candidate`), and its notes."""
    holder = occupant_before(event, registry_events(event.artifact, root))
    if holder is None:
        notes = [f"no version is in {event.stage} yet; only the floor applies"]
        return gate_verdict(gate, None, candidate.metrics), notes
    name = f"{holder['version']} (in {event.stage} by {holder['ref']})"
    base = trusted_outputs(name, holder["commit"], root)
    base_metrics, interval, judged = judged_baseline(
        gate, base.params, candidate.params, holder["commit"], event.commit, root,
        base.metrics, holder["version"], label,
    )  # fmt: skip
    notes = [f"{event.version} against {name}", *judged]
    return gate_verdict(gate, base_metrics, candidate.metrics, interval), notes
