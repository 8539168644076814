"""The gate for a stage assignment: the candidate version against the model in the stage.

Both sides' metrics are read from git (metrics/metrics.json of the commit each
version tags) after checking that the file is the one `evaluate` wrote for that
commit's model (its md5 in dvc.lock), so the gate needs no model file and no rebuild.
The thresholds are those of the checkout that runs the gate (conf/gate; in the
promote workflow, the default branch), never the candidate's own. When the two were
validated on different months, the version in the stage is scored on the candidate's
validation rows instead (same_window.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flight_delay.compare import GateResult, gate_verdict
from flight_delay.config import GateConfig
from flight_delay.paths import METRICS_FILE, MODEL_FILE
from flight_delay.registry import RegistryError, TagEvent, occupant_before, registry_events
from flight_delay.same_window import like_with_like
from flight_delay.snapshot import Snapshot, read_snapshot, revision_reader


def _md5s(entry: dict, key: str) -> dict[str, str]:
    return {item.get("path"): item.get("md5") for item in (entry or {}).get(key) or []}


def metrics_problem(lock: dict, metrics: bytes | None) -> str | None:
    """Why these metrics cannot be trusted for this lock's model, or None: the file must
    be the one `evaluate` recorded, and `evaluate` must have read `train`'s model."""
    stages = lock.get("stages") or {}
    recorded = _md5s(stages.get("evaluate"), "outs").get(METRICS_FILE.as_posix())
    if metrics is None or recorded is None:
        return f"no {METRICS_FILE} recorded by the evaluate stage"
    if hashlib.md5(metrics).hexdigest() != recorded:
        return f"{METRICS_FILE} differs from the one dvc.lock records (edited or stale)"
    model = MODEL_FILE.as_posix()
    if _md5s(stages.get("evaluate"), "deps").get(model) != _md5s(stages.get("train"), "outs").get(
        model
    ):
        return f"evaluate did not score the model train recorded ({model})"
    return None


def trusted_snapshot(name: str, commit: str, root: Path) -> Snapshot:
    read = revision_reader(commit, root)
    snapshot = read_snapshot(name, read)
    problem = metrics_problem(snapshot.lock, read(METRICS_FILE))
    if problem:
        raise RegistryError(f"{name} at {commit[:12]}: {problem}; run `dvc repro` and commit")
    return snapshot


def judge_assignment(
    event: TagEvent, candidate: Snapshot, root: Path, gate: GateConfig
) -> tuple[GateResult, list[str]]:
    """The verdict for assigning `event.stage` to `event.version` (whose trusted
    snapshot is `candidate`), and its notes."""
    holder = occupant_before(event, registry_events(event.artifact, root))
    if holder is None:
        notes = [f"no version is in {event.stage} yet; only the floor applies"]
        return gate_verdict(gate, None, candidate.metrics), notes
    name = f"{holder['version']} (in {event.stage} by {holder['ref']})"
    base = trusted_snapshot(name, holder["commit"], root)
    base_metrics, moved = like_with_like(
        gate, base.params, candidate.params, holder["commit"], event.commit, root,
        base.metrics, holder["version"],
    )  # fmt: skip
    notes = [f"{event.version} against {name}", *moved]
    return gate_verdict(gate, base_metrics, candidate.metrics), notes
