"""Compare like with like when the validation rows moved (the PR gate and the stage gate).

Each side's metrics were measured on its own validation rows. When a change moves them
(a retraining adds months: the old test months become the validation months; or the
split itself changed, its kind, column, values or fractions), comparing the recorded
numbers judges the rows, not the models: a harder month looks like a regression. Then
the baseline's model is scored on the candidate's validation rows, and the gate
compares the two on the same rows. Both files come from DVC at the right revision
(`dvc.api`: the cache, else the remote). A side whose params name no split at all
leaves nothing to compare: the recorded metrics stand.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flight_delay.infra.config import GateConfig
from flight_delay.infra.paths import FEATURES_DIR, MODEL_FILE

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from flight_delay.core.intervals import DeltaInterval


def window(params: dict, split: str) -> object:
    """What decides the rows of one split: for an ordered split its column and values
    (`month [9, 10]`), for any other its whole config (a seeded draw: every setting
    moves every row). None when the params name no split."""
    config = (params or {}).get("split")
    if not isinstance(config, dict):
        return None
    if config.get("kind") == "ordered":
        return f"{config.get('column')} {config.get(split)}"
    return config


def decision_threshold(params: dict) -> float:
    """The candidate's threshold (for f1, precision, recall; AUCs do not use one)."""
    from pydantic import ValidationError

    from flight_delay.infra.config import EvaluateConfig

    try:
        return EvaluateConfig.model_validate((params or {}).get("evaluate")).decision_threshold
    except ValidationError:
        return 0.5


def moved(base_params: dict, new_params: dict, split: str) -> bool:
    old, new = window(base_params, split), window(new_params, split)
    return old is not None and new is not None and old != new


def read_at(path: Path, rev: str | None, root: Path) -> bytes:
    """A DVC-tracked file at a git revision (None: the workspace)."""
    if rev is None:
        return (root / path).read_bytes()
    import dvc.api

    return dvc.api.read(path.as_posix(), repo=str(root), rev=rev, mode="rb")


def read_table_at(path: Path, rev: str | None, root: Path) -> pd.DataFrame:
    """A DVC-tracked parquet table at a git revision (None: the workspace): a file, or a
    folder of parts (the `dask` engine's), its parts in order."""
    import pandas as pd

    if rev is None:
        return pd.read_parquet(root / path)
    from dvc.api import DVCFileSystem

    fs = DVCFileSystem(str(root), rev=rev)
    if not fs.isdir(path.as_posix()):
        return pd.read_parquet(io.BytesIO(fs.read_bytes(path.as_posix())))
    parts = sorted(p for p in fs.find(path.as_posix()) if p.endswith(".parquet"))
    return pd.concat([pd.read_parquet(io.BytesIO(fs.read_bytes(p))) for p in parts],
                     ignore_index=True)  # fmt: skip


def model_at(rev: str | None, root: Path) -> Any:
    """The model file at `rev` (None: the workspace), loaded (skops, trusted types)."""
    from flight_delay.infra.persistence import load_model

    with tempfile.TemporaryDirectory(prefix="gate-") as scratch:
        model_path = Path(scratch) / MODEL_FILE.name
        model_path.write_bytes(read_at(MODEL_FILE, rev, root))
        return load_model(model_path)


def scores_of(model: Any, rows: pd.DataFrame) -> np.ndarray:
    import numpy as np

    return np.asarray(model.predict_proba(rows[list(model.feature_names_in_)])[:, 1])


def model_scores(rows: pd.DataFrame, rev: str | None, root: Path) -> np.ndarray:
    """The probabilities of the model file at `rev` (None: the workspace) on `rows`."""
    return scores_of(model_at(rev, root), rows)


def rescore_baseline(
    gate: GateConfig, threshold: float, base_rev: str, new_rev: str | None, root: Path,
    label: str,
) -> tuple[dict | None, str]:  # fmt: skip
    """({split: {metric: value}} of the baseline's model on the candidate's validation
    rows (whose 0/1 truth is the column `label`), note); (None, why) when either file
    cannot be had or read."""
    from flight_delay.core.metrics import classification_metrics

    try:
        rows = read_table_at(FEATURES_DIR / f"{gate.split}.parquet", new_rev, root)
        scores = model_scores(rows, base_rev, root)
    except Exception as err:  # any failure: the gate falls back to the recorded metrics
        return None, f"could not rescore the baseline on the same rows ({type(err).__name__})"
    value = classification_metrics(rows[label].to_numpy(), scores, threshold)[gate.metric]
    return {gate.split: {gate.metric: value}}, f"{len(rows):,} rows"


def like_with_like(
    gate: GateConfig, base_params: dict, new_params: dict, base_rev: str, new_rev: str | None,
    root: Path, base_metrics: dict, who: str, label: str,
) -> tuple[dict, list[str]]:  # fmt: skip
    """The baseline metrics to judge by, and a note when the window moved."""
    if not moved(base_params, new_params, gate.split):
        return base_metrics, []
    threshold = decision_threshold(new_params)
    old, new = window(base_params, gate.split), window(new_params, gate.split)
    rescored, how = rescore_baseline(gate, threshold, base_rev, new_rev, root, label)
    if rescored is None:
        return base_metrics, [f"{gate.split} rows moved ({old} -> {new}); {how}: "
                              "comparing the recorded metrics"]  # fmt: skip
    return rescored, [moved_note(gate, base_params, new_params, who, how)]


def moved_note(gate: GateConfig, base_params: dict, new_params: dict, who: str, how: str) -> str:
    old, new = window(base_params, gate.split), window(new_params, gate.split)
    return (f"{gate.split} rows moved ({old} -> {new}): {who}'s model scored on the "
            f"candidate's {gate.split} rows ({how})")  # fmt: skip


def paired_interval(
    gate: GateConfig, threshold: float, base_rev: str, new_rev: str | None, root: Path,
    label: str, known: DeltaInterval | None = None,
) -> tuple[DeltaInterval | None, str]:  # fmt: skip
    """The change in the gate's metric from the baseline's model to the candidate's, both
    scored on the candidate's `gate.split` rows, with its paired-bootstrap interval
    (core/intervals.py); (None, why) when `gate.resamples` is 0 or a file cannot be had."""
    from flight_delay.core.intervals import paired_delta

    if gate.resamples == 0:
        return None, "gate.resamples is 0: point estimates compared"
    if known is not None:  # the PR report's, from the same rows, draws and thresholds
        return known, _scored_note(gate, known.rows)
    try:
        rows = read_table_at(FEATURES_DIR / f"{gate.split}.parquet", new_rev, root)
        base, new = (model_scores(rows, rev, root) for rev in (base_rev, new_rev))
    except Exception as err:  # any failure: the gate compares the recorded metrics
        return None, (f"no interval: could not score both models on the same rows "
                      f"({type(err).__name__}); point estimates compared")  # fmt: skip
    interval = paired_delta(gate.metric, rows[label].to_numpy(), base, new,
                            threshold=threshold, resamples=gate.resamples,
                            confidence=gate.confidence, seed=0)  # fmt: skip
    return interval, _scored_note(gate, len(rows))


def _scored_note(gate: GateConfig, rows: int) -> str:
    return (f"both models scored on the candidate's {rows:,} {gate.split} rows; "
            f"{gate.resamples:,} paired bootstrap draws")  # fmt: skip


def judged_baseline(
    gate: GateConfig, base_params: dict, new_params: dict, base_rev: str, new_rev: str | None,
    root: Path, base_metrics: dict, who: str, label: str, known: DeltaInterval | None = None,
) -> tuple[dict, DeltaInterval | None, list[str]]:  # fmt: skip
    """What the PR gate and the stage gate judge the candidate by: the interval of the
    change with both models on the candidate's rows (then the window moving needs no
    rescoring of its own), else the baseline metrics like with like; and the notes."""
    threshold = decision_threshold(new_params)
    interval, how = paired_interval(gate, threshold, base_rev, new_rev, root, label, known)
    if interval is None:
        metrics, notes = like_with_like(gate, base_params, new_params, base_rev, new_rev, root,
                                        base_metrics, who, label)  # fmt: skip
        return metrics, None, [*notes, how]
    notes = [how]
    if moved(base_params, new_params, gate.split):
        notes.insert(0, moved_note(gate, base_params, new_params, who, f"{interval.rows:,} rows"))
    return base_metrics, interval, notes


def comparison_intervals(
    gate: GateConfig,
    threshold: float,
    base_rev: str,
    root: Path,
    label: str,
    splits: list[str],
    slice_columns: list[str],
) -> tuple[dict[str, dict[str, DeltaInterval]], dict[tuple[str, str], DeltaInterval] | None] | str:
    """The PR report's intervals: both models (the base's file from DVC at `base_rev`, the
    workspace's) scored on the workspace's rows of each split, every quality metric's
    change with its paired-bootstrap interval (the draws shared, as many as
    `gate.resamples`, at `gate.confidence`), and the test split's slices' ROC AUC (None
    without a test split); or why there are none."""
    from flight_delay.core.intervals import paired_deltas, slice_deltas
    from flight_delay.infra.config import HIGHER_IS_BETTER

    if gate.resamples == 0:
        return "gate.resamples is 0"
    how = {"resamples": gate.resamples, "confidence": gate.confidence, "seed": 0}
    try:
        base_model, new_model = model_at(base_rev, root), model_at(None, root)
        metrics, slices = {}, None
        for split in splits:
            rows = read_table_at(FEATURES_DIR / f"{split}.parquet", None, root)
            truth = rows[label].to_numpy()
            base, new = scores_of(base_model, rows), scores_of(new_model, rows)
            metrics[split] = paired_deltas(list(HIGHER_IS_BETTER), truth, base, new,
                                           threshold=threshold, **how)  # type: ignore[arg-type]  # fmt: skip
            if split == "test":
                present = [c for c in slice_columns if c in rows.columns]
                slices = slice_deltas(rows, truth, base, new, present,
                                      **how)  # type: ignore[arg-type]  # fmt: skip
    except Exception as err:  # any failure: the report shows the recorded values
        first = (str(err).strip().splitlines() or [""])[0][:200]
        return f"could not score both models on the same rows ({type(err).__name__}: {first})"
    return metrics, slices
