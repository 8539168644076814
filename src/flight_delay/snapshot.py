"""The pipeline's small, git-kept outputs, read from the workspace or from a git revision.

The PR report and the gate compare two snapshots. Any file may be missing or
unreadable (a first PR, a base whose pipeline differs): it is then left empty and
named in `missing`, never an exception.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import pandas as pd
import yaml

from flight_delay.config import PARAMS_FILE
from flight_delay.paths import (
    CURVE_FILES,
    DATASET_CARD,
    GROUP_IMPORTANCE_FILE,
    METRICS_FILE,
    SHAP_IMPORTANCE_FILE,
    SLICES_FILE,
    SPLITS_SUMMARY,
    VALIDATION_REPORT,
)

LOCK_FILE = Path("dvc.lock")
JSON_FILES = {
    "metrics": METRICS_FILE,
    "slices": SLICES_FILE,
    "splits": SPLITS_SUMMARY,
    "validation": VALIDATION_REPORT,
    "datacard": DATASET_CARD,
}
YAML_FILES = {"lock": LOCK_FILE, "params": PARAMS_FILE}
CURVE_COLUMNS = {
    "roc": ["fpr", "tpr"],
    "precision_recall": ["recall", "precision"],
    "calibration": ["mean_predicted", "fraction_delayed"],
    "feature_importance": ["feature", "importance_mean"],
    "group_importance": ["group", "importance_mean", "mean_abs_shap"],
    "shap_importance": ["feature", "mean_abs_shap"],
}
TABLE_FILES = {
    **CURVE_FILES,
    "group_importance": GROUP_IMPORTANCE_FILE,
    "shap_importance": SHAP_IMPORTANCE_FILE,
}

SPLITS = ("train", "valid", "test")  # in time order, as the report and the card show them
DEFAULT_BASE = "main"  # the ref `make report` and `make gate` compare with
Reader = Callable[[Path], bytes | None]


@dataclass(frozen=True)
class Snapshot:
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
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ValueError(f"no column {absent}")
    return frame


def read_snapshot(name: str, read: Reader) -> Snapshot:
    found: dict = {"curves": {}}
    missing: list[str] = []
    sources = [
        *((found, key, path, lambda d: _mapping(d, json.loads))
          for key, path in JSON_FILES.items()),
        *((found, key, path, lambda d: _mapping(d, yaml.safe_load))
          for key, path in YAML_FILES.items()),
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
    return Snapshot(name=name, **found, missing=tuple(missing))


def workspace_reader(root: Path) -> Reader:
    def read(path: Path) -> bytes | None:
        target = root / path
        return target.read_bytes() if target.is_file() else None

    return read


def revision_reader(commit: str, root: Path) -> Reader:
    def read(path: Path) -> bytes | None:
        shown = subprocess.run(
            ["git", "show", f"{commit}:{path.as_posix()}"], cwd=root, capture_output=True
        )
        return shown.stdout if shown.returncode == 0 else None

    return read


def read_pair(base_ref: str, root: Path) -> tuple[Snapshot | None, str | None, Snapshot]:
    """(base, its commit, workspace); base and commit are None when git lacks the ref."""
    commit = resolve_commit(base_ref, root)
    base = read_snapshot(base_ref, revision_reader(commit, root)) if commit else None
    return base, commit, read_snapshot("PR", workspace_reader(root))


def resolve_commit(ref: str, root: Path) -> str | None:
    """The commit `ref` names, or None when git does not know it."""
    shown = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    return shown.stdout.strip() if shown.returncode == 0 else None
