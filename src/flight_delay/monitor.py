"""`make monitor`: has what the model sees moved away from what it learned from?

Reference: the model's training features (default data/features/train.parquet) and
the model's probabilities on them. Current: the prediction log (.sqlite), the labelled
feedback (`make feedback`) or any features parquet. It computes, with drift.py:
- per feature: PSI, and KS (numeric) or chi-squared (categorical); a feature drifts
  when PSI >= monitor.psi_threshold and the test's p-value < monitor.p_value;
- prediction drift: PSI and KS of the predicted probabilities;
- performance, when the current rows carry labels: monitor.metric on them against the
  model's score on its validation months (default data/features/valid.parquet).
The verdict says retrain when the share of drifted features reaches drift_share, the
predictions drift, or the metric drops by more than performance_drop. Writes
reports/monitoring/drift.json and drift.html; exits 0 whatever the verdict.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flight_delay.config import HIGHER_IS_BETTER, MonitorConfig
from flight_delay.prepare import LABEL

if TYPE_CHECKING:
    import pandas as pd

    from flight_delay.served_model import ServedModel

MONITORING_DIR = Path("reports/monitoring")
PROBABILITY = "probability"


class MonitorError(ValueError):
    """The current or reference data cannot be compared."""


def read_window(path: Path) -> pd.DataFrame:
    """Rows to judge: a prediction log (.sqlite) or a parquet file."""
    import pandas as pd

    from flight_delay.prediction_log import read_log

    if not path.exists():
        raise MonitorError(f"{path}: not found")
    return read_log(path) if path.suffix in (".sqlite", ".db") else pd.read_parquet(path)


def model_inputs(frame: pd.DataFrame, served: ServedModel, what: str) -> pd.DataFrame:
    """The model's input columns of `frame`, checked against the feature rules."""
    from flight_delay.feature_schema import frame_problems

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
    if LABEL in frame.columns and frame[LABEL].notna().any():
        extra[LABEL] = frame[LABEL].to_numpy()
    return inputs.assign(**extra)


@dataclass(frozen=True)
class Reference:
    """What a model learned from, as monitoring compares with it."""

    rows: pd.DataFrame  # its training rows, scored by it
    score: float | None  # its metric on its validation rows
    held_out: pd.Series | None  # its probabilities on its validation rows


def load_reference(
    served: ServedModel, train: Path, valid: Path | None, monitor: MonitorConfig
) -> Reference:
    rows = scores(read_window(train), served, str(train))
    if valid is None:
        return Reference(rows, None, None)
    scored = scores(read_window(valid), served, str(valid))
    score = metric_value(monitor.metric, scored[LABEL], scored[PROBABILITY])
    return Reference(rows, score, scored[PROBABILITY])


def metric_value(metric: str, labels: Any, probability: Any) -> float | None:
    from flight_delay.metrics import classification_metrics

    if len(set(labels.tolist())) < 2:
        return None  # one class only: AUCs are undefined
    return classification_metrics(labels, probability, 0.5)[metric]


def performance(
    current: pd.DataFrame, reference_score: float | None, monitor: MonitorConfig
) -> dict | None:
    if LABEL not in current.columns:
        return None
    labelled = current[current[LABEL].notna()]
    value = metric_value(monitor.metric, labelled[LABEL].astype(int), labelled[PROBABILITY])
    if value is None or reference_score is None:
        return {"metric": monitor.metric, "current": value, "reference": reference_score,
                "labelled_rows": len(labelled), "drop": None, "degraded": False}  # fmt: skip
    sign = 1 if HIGHER_IS_BETTER[monitor.metric] else -1
    drop = round(sign * (reference_score - value), 6)
    return {"metric": monitor.metric, "current": value, "reference": reference_score,
            "labelled_rows": len(labelled), "drop": drop,
            "degraded": drop > monitor.performance_drop}  # fmt: skip


def _r(value: float) -> float:
    return round(float(value), 6)


def compare(
    reference: pd.DataFrame, current: pd.DataFrame, served: ServedModel,
    monitor: MonitorConfig, reference_score: float | None = None,
    reference_predictions: pd.Series | None = None,
) -> dict:  # fmt: skip
    """The drift report (JSON-ready, deterministic) of `current` against `reference`,
    both as returned by `scores`. Prediction drift is judged against
    `reference_predictions` (the model on held-out rows: on its own training rows its
    probabilities are sharper), else against the reference's."""
    from flight_delay.drift import column_drift

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
    held_out = reference[PROBABILITY] if reference_predictions is None else reference_predictions
    prediction = column_drift(held_out, current[PROBABILITY], True, monitor.bins)
    predictions = {
        "psi": _r(prediction.psi), "ks_statistic": _r(prediction.statistic),
        "p_value": _r(prediction.p_value),
        "mean_reference": _r(held_out.mean()),
        "mean_current": _r(current[PROBABILITY].mean()),
        "drifted": prediction.drifted(monitor.prediction_psi, monitor.p_value),
    }  # fmt: skip
    share = _r(len(drifted) / len(features))
    perf = performance(current, reference_score, monitor)
    enough = len(current) >= monitor.min_rows
    reasons = []
    if share >= monitor.drift_share:
        reasons.append(f"{len(drifted)} of {len(features)} features drifted ({share:.0%})")
    if predictions["drifted"]:
        reasons.append(f"the predictions drifted (PSI {predictions['psi']:.3f})")
    if perf and perf["degraded"]:
        reasons.append(f"{perf['metric']} fell by {perf['drop']:.4f} to {perf['current']:.4f}")
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--current", default=os.environ.get("CURRENT"),
                        help="a prediction log (.sqlite) or a parquet file")  # fmt: skip
    parser.add_argument("--reference", default=os.environ.get("REFERENCE")
                        or "data/features/train.parquet")  # fmt: skip
    parser.add_argument("--validation", default=os.environ.get("VALIDATION")
                        or "data/features/valid.parquet",
                        help="labelled rows for the reference score ('' for none)")  # fmt: skip
    parser.add_argument("--model", default=os.environ.get("MODEL") or None)
    parser.add_argument("--stage", default=os.environ.get("STAGE") or None,
                        help="this stage's model (default: the workspace's)")  # fmt: skip
    parser.add_argument("--source", default=os.environ.get("SOURCE") or "mlflow")
    parser.add_argument("--out", default=os.environ.get("OUT") or str(MONITORING_DIR))
    args = parser.parse_args(argv)

    from flight_delay.config import load_config
    from flight_delay.io import write_json, write_text
    from flight_delay.log import say
    from flight_delay.monitor_report import drift_html
    from flight_delay.paths import MODEL_FILE
    from flight_delay.served_model import ModelSourceError, load_served_model

    config = load_config()
    model_file = args.model or (None if args.stage else str(MODEL_FILE))
    current_path = Path(args.current or config.serve.prediction_log)
    try:
        served = load_served_model(config, args.stage or "prod", args.source, model_file)
        valid = Path(args.validation) if args.validation else None
        reference = load_reference(served, Path(args.reference), valid, config.monitor)
        current = scores(read_window(current_path), served, str(current_path))
    except (ModelSourceError, MonitorError) as err:
        raise SystemExit(f"monitor: {err}") from None
    report = compare(reference.rows, current, served, config.monitor, reference.score,
                     reference.held_out)  # fmt: skip
    report["model"] = served.metadata
    report["sources"] = {"reference": args.reference, "current": str(current_path)}
    out = Path(args.out)
    write_json(report, out / "drift.json")
    write_text(drift_html(report, reference.rows, current), out / "drift.html")
    verdict = "RETRAIN: " + "; ".join(report["reasons"]) if report["retrain"] else "no retraining"
    say("monitor", f"{len(report['drifted_features'])} drifted features "
        f"{report['drifted_features']}; prediction PSI {report['predictions']['psi']:.3f}; "
        f"{verdict}")  # fmt: skip
    say("monitor", f"wrote {out / 'drift.json'} and {out / 'drift.html'}")


if __name__ == "__main__":
    main()
