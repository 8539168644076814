"""The PR gate's verdict: the workspace's recorded outputs against the base's.

The thresholds live in conf/gate and the dataset spec's gate.floor (see
core/compare.gate_verdict) and are taken from the base, so a PR cannot loosen the gate
it is judged by; a PR's new thresholds apply once merged. Without a baseline (a first
PR, or a base without metrics) only the floor applies, with the workspace's thresholds.
When the PR moves the validation months (a retraining does), the base's model is scored
on the PR's validation rows, so that the two are compared on the same rows
(revisions/rescoring.py). Both models are scored on the PR's gate rows for the interval
of the change (core/intervals.py): a regression fails only when it is clear.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from flight_delay.core.compare import GateResult, gate_verdict
from flight_delay.core.intervals import DeltaInterval
from flight_delay.infra.config import GateConfig
from flight_delay.revisions.recorded_outputs import RecordedOutputs
from flight_delay.revisions.rescoring import judged_baseline


def _validated(side: RecordedOutputs | None) -> tuple[GateConfig | None, str]:
    """One side's gate thresholds, or None and what is wrong with them."""
    if side is None:
        return None, "no params.yaml"
    try:
        return GateConfig.model_validate(side.params.get("gate")), ""
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        key = ".".join(["gate", *map(str, first["loc"])])
        return None, f"{key}: {first['msg']}"


def thresholds(base: RecordedOutputs | None, new: RecordedOutputs) -> GateConfig | None:
    """The gate thresholds that judge the PR: the base's, else the workspace's."""
    return _validated(base)[0] or _validated(new)[0]


def judge_pull_request(
    base: RecordedOutputs | None, new: RecordedOutputs, base_ref: str, label: str,
    base_commit: str | None = None, root: Path = Path("."), known: DeltaInterval | None = None,
) -> tuple[GateResult, list[str]]:  # fmt: skip
    """The verdict and the notes that explain it (no baseline, whose thresholds, a
    validation window that moved: then the base's model is scored on the workspace's
    validation rows, when `base_commit` is given). `known`: the interval of the gate's
    metric already computed on the same rows (the PR report's)."""
    notes = []
    if base is None:
        notes.append(f"git does not know `{base_ref}`; no baseline, only the floor applies")
    elif not base.metrics:
        notes.append(f"`{base_ref}` has no metrics; no baseline, only the floor applies")
    base_gate, _ = _validated(base)
    new_gate, new_problem = _validated(new)
    if base_gate is not None and new_gate not in (None, base_gate):
        notes.append(f"thresholds from `{base_ref}`; this PR's new ones apply once merged")
    elif base is not None and base_gate is None and new_gate is not None:
        notes.append(f"`{base_ref}` has no valid gate thresholds; using the workspace's")
    gate = base_gate or new_gate
    if gate is None:
        failure = f"gate: FAIL invalid gate thresholds in params.yaml ({new_problem})"
        return GateResult(False, failure), notes
    metrics = base.metrics if base and base.metrics else None
    interval = None
    if base is not None and metrics and base_commit:
        metrics, interval, judged = judged_baseline(
            gate,
            base.params,
            new.params,
            base_commit,
            None,
            root,
            metrics,
            base_ref,
            label,
            known,
        )
        notes += judged
    return gate_verdict(gate, metrics, new.metrics, interval), notes
