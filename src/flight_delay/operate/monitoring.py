"""Monitoring: has what the model sees moved away from what it learned from?

Reference: the model's training features (default data/features/train.parquet) and
the model's probabilities on them. Current: the prediction log (.sqlite), the labelled
feedback (`make feedback`) or any features parquet. It computes, with core/drift.py:
- per feature: PSI, and KS (numeric) or chi-squared (categorical); a feature drifts
  when PSI >= monitor.psi_threshold and the test's p-value < monitor.p_value;
- prediction drift: PSI and KS of the predicted probabilities;
- performance, when the current rows carry labels: monitor.metric on them against the
  model's score on its validation months (default data/features/valid.parquet), with
  the interval of the change (core/intervals.py: each side resampled on its own).
The verdict says retrain when the share of drifted features reaches drift_share, the
predictions drift, or the metric drops by more than performance_drop, clearly: even
the interval's best bound is (a point drop inside a wide interval is noted as
inconclusive). Used by `make monitor`, `make retrain` and `make simulate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flight_delay.infra.config import HIGHER_IS_BETTER, MonitorConfig

if TYPE_CHECKING:
    import pandas as pd

    from flight_delay.operate.served_model import ServedModel

PROBABILITY = "probability"


class MonitorError(ValueError):
    """The current or reference data cannot be compared."""


def read_window(path: Path, exported: Path | None = None) -> pd.DataFrame:
    """Rows to judge: a prediction log (.sqlite: its partitions, with those exported to
    `exported`) or a parquet file."""
    import pandas as pd

    from flight_delay.operate.prediction_log import read_log

    if path.suffix in (".sqlite", ".db"):
        try:
            return read_log(path, exported)
        except FileNotFoundError as err:
            raise MonitorError(str(err)) from None
    if not path.exists():
        raise MonitorError(f"{path}: not found")
    return pd.read_parquet(path)


def model_inputs(frame: pd.DataFrame, served: ServedModel, what: str) -> pd.DataFrame:
    """The model's input columns of `frame`, checked against the feature rules."""
    from flight_delay.core.feature_rules import frame_problems

    columns = [*served.numeric, *served.categorical]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MonitorError(f"{what}: no column {missing}")
    inputs = frame[columns].astype(dict.fromkeys(served.numeric, "float64"))
    problems = frame_problems(inputs, served.rules)
    if problems:
        raise MonitorError(f"{what} breaks the feature rules:\n  " + "\n  ".join(problems))
    return inputs.reset_index(drop=True)


def scores(frame: pd.DataFrame, served: ServedModel, what: str) -> pd.DataFrame:
    """Model inputs, the probability and the label, if any. Logged probabilities are
    used only when this model made them all; otherwise this model scores the rows."""
    if frame.empty:
        raise MonitorError(f"{what}: no rows")
    inputs = model_inputs(frame, served, what)
    md5s = set(frame["model_md5"]) if "model_md5" in frame.columns else None
    logged = PROBABILITY in frame.columns and md5s in (None, {served.metadata.get("model_md5")})
    probability = frame[PROBABILITY].to_numpy("float64") if logged else served.probabilities(inputs)
    extra = {PROBABILITY: probability}
    label = served.dataset.label
    if label in frame.columns and frame[label].notna().any():
        extra[label] = frame[label].to_numpy()
    return inputs.assign(**extra)


@dataclass(frozen=True)
class Reference:
    """What a model learned from, as monitoring compares with it."""

    rows: pd.DataFrame  # its training rows, scored by it
    score: float | None  # its metric on its validation rows
    held_out: pd.Series | None  # its probabilities on its validation rows
    held_out_labels: pd.Series | None = None  # their labels


def load_reference(
    served: ServedModel, train: Path, valid: Path | None, monitor: MonitorConfig
) -> Reference:
    rows = scores(read_window(train), served, str(train))
    if valid is None:
        return Reference(rows, None, None)
    scored = scores(read_window(valid), served, str(valid))
    label = served.dataset.label
    if label not in scored.columns:
        raise MonitorError(f"{valid}: no label column {label!r} to score the model on")
    scored = scored[scored[label].notna()].reset_index(drop=True)  # only labelled rows count
    score = metric_value(monitor.metric, scored[label], scored[PROBABILITY])
    return Reference(rows, score, scored[PROBABILITY], scored[label])


def metric_value(metric: str, labels: Any, probability: Any) -> float | None:
    from flight_delay.core.metrics import classification_metrics

    if len(set(labels.tolist())) < 2:
        return None  # one class only: AUCs are undefined
    return classification_metrics(labels, probability, 0.5)[metric]


def performance(
    current: pd.DataFrame, reference: Reference | None, monitor: MonitorConfig, label: str
) -> dict | None:
    """monitor.metric on the labelled current rows against the reference's score; with
    the reference's held-out rows and labels, the change's interval, and a drop counts
    (`degraded`) only when it is clear."""
    if label not in current.columns:
        return None
    labelled = current[current[label].notna()]
    reference_score = reference.score if reference else None
    value = metric_value(monitor.metric, labelled[label].astype(int), labelled[PROBABILITY])
    found: dict[str, Any] = {"metric": monitor.metric, "current": value,
                             "reference": reference_score, "labelled_rows": len(labelled),
                             "drop": None, "degraded": False}  # fmt: skip
    if value is None or reference_score is None:
        return found
    sign = 1 if HIGHER_IS_BETTER[monitor.metric] else -1
    found["drop"] = drop = round(sign * (reference_score - value), 6)
    beyond = drop > monitor.performance_drop
    if (reference is None or reference.held_out is None or reference.held_out_labels is None
            or monitor.resamples == 0):  # fmt: skip
        return found | {"degraded": beyond}
    from flight_delay.core.intervals import unpaired_delta

    interval = unpaired_delta(
        monitor.metric, reference.held_out_labels.to_numpy(), reference.held_out.to_numpy(),
        labelled[label].to_numpy(), labelled[PROBABILITY].to_numpy(),
        resamples=monitor.resamples, confidence=monitor.confidence,
    )  # fmt: skip
    if not interval.finite:
        return found | {"degraded": False, "note": (
            f"{monitor.metric}: no interval (the metric was undefined in every draw); "
            "no retraining on it")}  # fmt: skip
    clear = beyond and interval.worse_beyond(monitor.performance_drop)
    found |= {"interval": [_r(interval.low), _r(interval.high)],
              "confidence": monitor.confidence, "degraded": clear}  # fmt: skip
    if beyond and not clear:
        found["note"] = (f"{monitor.metric} fell by {drop:.4f} by the point estimate, more than "
                         f"{monitor.performance_drop}, but not clearly ({_said(interval)}): "
                         "no retraining on it")  # fmt: skip
    return found


def _said(interval: Any) -> str:
    return (f"{interval.confidence:.0%} interval of the change [{interval.low:+.4f}, "
            f"{interval.high:+.4f}] on {interval.rows:,} labelled rows")  # fmt: skip


def _r(value: float) -> float:
    return round(float(value), 6)


def compare(
    reference: pd.DataFrame, current: pd.DataFrame, served: ServedModel,
    monitor: MonitorConfig, baseline: Reference | None = None,
) -> dict:  # fmt: skip
    """The drift report (JSON-ready, deterministic) of `current` against `reference`,
    both as returned by `scores`. `baseline` is the model's Reference (load_reference):
    prediction drift is judged against its held-out probabilities (on its own training
    rows they are sharper), else against the reference's; performance against its score,
    with an interval from its held-out rows and labels when it has them."""
    from flight_delay.core.drift import column_drift

    features = {}
    for column in sorted([*served.numeric, *served.categorical]):
        found = column_drift(reference[column], current[column], column in served.numeric,
                             monitor.bins)  # fmt: skip
        features[column] = {
            "kind": found.kind, "test": found.test, "psi": _r(found.psi),
            "statistic": _r(found.statistic), "p_value": _r(found.p_value),
            "missing_reference": _r(found.missing_reference),
            "missing_current": _r(found.missing_current),
            "drifted": found.drifted(monitor.psi_threshold, monitor.p_value),
        }  # fmt: skip
    drifted = sorted(c for c, f in features.items() if f["drifted"])
    held_out = baseline.held_out if baseline and baseline.held_out is not None else None
    held_out = reference[PROBABILITY] if held_out is None else held_out
    prediction = column_drift(held_out, current[PROBABILITY], True, monitor.bins)
    predictions = {
        "psi": _r(prediction.psi), "ks_statistic": _r(prediction.statistic),
        "p_value": _r(prediction.p_value),
        "mean_reference": _r(held_out.mean()),
        "mean_current": _r(current[PROBABILITY].mean()),
        "drifted": prediction.drifted(monitor.prediction_psi, monitor.p_value),
    }  # fmt: skip
    share = _r(len(drifted) / len(features))
    perf = performance(current, baseline, monitor, served.dataset.label)
    enough = len(current) >= monitor.min_rows
    reasons = []
    if share >= monitor.drift_share:
        reasons.append(f"{len(drifted)} of {len(features)} features drifted ({share:.0%})")
    if predictions["drifted"]:
        reasons.append(f"the predictions drifted (PSI {predictions['psi']:.3f})")
    if perf and perf["degraded"]:
        low, high = perf.get("interval") or (None, None)
        how = "" if low is None else (f" ({perf['confidence']:.0%} interval of the change "
                                      f"[{low:+.4f}, {high:+.4f}])")  # fmt: skip
        reasons.append(f"{perf['metric']} fell by {perf['drop']:.4f} to "
                       f"{perf['current']:.4f}{how}")  # fmt: skip
    return {
        "rows": {"reference": len(reference), "current": len(current)},
        "thresholds": monitor.model_dump(),
        "features": features,
        "drifted_features": drifted,
        "drift_share": share,
        "predictions": predictions,
        "performance": perf,
        "enough_data": enough,
        "retrain": enough and bool(reasons),
        "reasons": reasons if enough else [f"only {len(current)} rows; need {monitor.min_rows}"],
    }


def verdict_line(report: dict) -> str:
    """The report's verdict in words: no verdict (too few rows: the spec's monitor.min_rows),
    RETRAIN with its reasons, or no retraining."""
    if not report["enough_data"]:
        return "no verdict: " + "; ".join(report["reasons"])
    if report["retrain"]:
        return "RETRAIN: " + "; ".join(report["reasons"])
    note = (report.get("performance") or {}).get("note")
    return f"no retraining ({note})" if note else "no retraining"
