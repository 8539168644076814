"""The pipeline's small, git-kept outputs, read from the workspace or from a git revision.

The PR report and the gate compare the recorded outputs of two sides; the registry
reads those of a tagged commit. Any file may be missing or unreadable (a first PR, a
base whose pipeline differs): it is then left empty and named in `missing`, never an
exception. `trusted_outputs` also checks that the metrics are the ones `evaluate`
recorded for that commit's model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import pandas as pd
import yaml

from flight_delay.infra.dvc_lock import parse_lock, recorded_md5s
from flight_delay.infra.git import file_at, resolve_commit
from flight_delay.infra.paths import (
    CALIBRATION_COLUMNS,
    CURVE_FILES,
    DATASET_CARD,
    GROUP_IMPORTANCE_FILE,
    LOCK_FILE,
    METRICS_FILE,
    MODEL_FILE,
    PARAMS_FILE,
    SHAP_IMPORTANCE_FILE,
    SLICES_FILE,
    SPLITS_SUMMARY,
    VALIDATION_REPORT,
)

JSON_FILES = {
    "metrics": METRICS_FILE,
    "slices": SLICES_FILE,
    "splits": SPLITS_SUMMARY,
    "validation": VALIDATION_REPORT,
    "datacard": DATASET_CARD,
}
YAML_FILES = {"params": PARAMS_FILE}
# The columns each table must have. The calibration curve's observed rate was named after
# the label before (`fraction_delayed`): a base from then is read with today's name.
CURVE_COLUMNS = {
    "roc": ["fpr", "tpr"],
    "precision_recall": ["recall", "precision"],
    "calibration": list(CALIBRATION_COLUMNS),
    "feature_importance": ["feature", "importance_mean"],
    "group_importance": ["group", "importance_mean", "mean_abs_shap"],
    "shap_importance": ["feature", "mean_abs_shap"],
}
TABLE_FILES = {
    **CURVE_FILES,
    "group_importance": GROUP_IMPORTANCE_FILE,
    "shap_importance": SHAP_IMPORTANCE_FILE,
}

DEFAULT_BASE = "main"  # the ref `make report` and `make gate` compare with
Reader = Callable[[Path], bytes | None]


class RevisionError(RuntimeError):
    """A revision's recorded outputs cannot be trusted or had; the message says why."""


@dataclass(frozen=True)
class RecordedOutputs:
    name: str
    metrics: dict = field(default_factory=dict)
    slices: dict = field(default_factory=dict)
    splits: dict = field(default_factory=dict)
    validation: dict = field(default_factory=dict)
    datacard: dict = field(default_factory=dict)
    lock: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    curves: dict[str, pd.DataFrame] = field(default_factory=dict)
    missing: tuple[str, ...] = ()


def _mapping(data: bytes, parse: Callable[[bytes], object]) -> dict:
    parsed = parse(data)
    if not isinstance(parsed, dict):
        raise ValueError(f"expected a mapping, found {type(parsed).__name__}")
    return parsed


def _curve(data: bytes, columns: list[str]) -> pd.DataFrame:
    frame = pd.read_csv(BytesIO(data))
    if columns == list(CALIBRATION_COLUMNS) and columns[1] not in frame.columns:
        older = [c for c in frame.columns if c.startswith("fraction_")]
        frame = frame.rename(columns=dict.fromkeys(older[:1], columns[1]))
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ValueError(f"no column {absent}")
    return frame


def read_outputs(name: str, read: Reader) -> RecordedOutputs:
    found: dict = {"curves": {}}
    missing: list[str] = []
    sources = [
        *((found, key, path, lambda d: _mapping(d, json.loads))
          for key, path in JSON_FILES.items()),
        *((found, key, path, lambda d: _mapping(d, yaml.safe_load))
          for key, path in YAML_FILES.items()),
        (found, "lock", LOCK_FILE, parse_lock),
        *((found["curves"], key, path, lambda d, key=key: _curve(d, CURVE_COLUMNS[key]))
          for key, path in TABLE_FILES.items()),
    ]  # fmt: skip
    for into, key, path, parse in sources:
        data = read(path)
        if data is None:
            missing.append(f"{path.as_posix()} (not found)")
            continue
        try:
            into[key] = parse(data)
        except ValueError as err:  # json, yaml and csv parse errors all derive from it
            missing.append(f"{path.as_posix()} (unreadable: {str(err).splitlines()[0]})")
    return RecordedOutputs(name=name, **found, missing=tuple(missing))


def workspace_reader(root: Path) -> Reader:
    def read(path: Path) -> bytes | None:
        target = root / path
        return target.read_bytes() if target.is_file() else None

    return read


def revision_reader(commit: str, root: Path) -> Reader:
    def read(path: Path) -> bytes | None:
        return file_at(commit, path, root)

    return read


def read_pair(
    base_ref: str, root: Path
) -> tuple[RecordedOutputs | None, str | None, RecordedOutputs]:
    """(base, its commit, workspace); base and commit are None when git lacks the ref."""
    commit = resolve_commit(base_ref, root)
    base = read_outputs(base_ref, revision_reader(commit, root)) if commit else None
    return base, commit, read_outputs("PR", workspace_reader(root))


def metrics_problem(lock: dict, metrics: bytes | None) -> str | None:
    """Why these metrics cannot be trusted for this lock's model, or None: the file must
    be the one `evaluate` recorded, and `evaluate` must have read `train`'s model."""
    recorded = recorded_md5s(lock, "evaluate").get(METRICS_FILE.as_posix())
    if metrics is None or not recorded:
        return f"no {METRICS_FILE} recorded by the evaluate stage"
    if hashlib.md5(metrics).hexdigest() != recorded:
        return f"{METRICS_FILE} differs from the one dvc.lock records (edited or stale)"
    model = MODEL_FILE.as_posix()
    if recorded_md5s(lock, "evaluate", "deps").get(model) != recorded_md5s(lock, "train").get(
        model
    ):
        return f"evaluate did not score the model train recorded ({model})"
    return None


def trusted_outputs(name: str, commit: str, root: Path) -> RecordedOutputs:
    """The recorded outputs of `commit`, whose metrics must be the ones its dvc.lock
    records for its model (RevisionError otherwise)."""
    read = revision_reader(commit, root)
    outputs = read_outputs(name, read)
    problem = metrics_problem(outputs.lock, read(METRICS_FILE))
    if problem:
        raise RevisionError(f"{name} at {commit[:12]}: {problem}; run `dvc repro` and commit")
    return outputs
