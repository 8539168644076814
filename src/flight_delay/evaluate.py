"""Stage `evaluate`: score the test split; write metrics, slice metrics and plots."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.pipeline import Pipeline

from flight_delay import metrics as m
from flight_delay import plots
from flight_delay.config import EvaluateConfig, PipelineConfig, flatten, load_config
from flight_delay.io import file_md5, write_json, write_with
from flight_delay.log import run_stage, say, step
from flight_delay.paths import (
    CURVE_FILES,
    FEATURES_DIR,
    IMAGES_DIR,
    METRICS_FILE,
    MODEL_FILE,
    SLICES_FILE,
)
from flight_delay.persistence import load_model
from flight_delay.prepare import LABEL


def score(model: Pipeline, frame: pd.DataFrame, columns: list[str]):
    return model.predict_proba(frame[columns])[:, 1]


def feature_importance(
    model: Pipeline, test: pd.DataFrame, columns: list[str], evaluate: EvaluateConfig, seed: int
) -> pd.DataFrame:
    """Drop in ROC AUC when each raw feature column is shuffled (on a fixed sample)."""
    sample = test.sample(n=min(evaluate.permutation_max_rows, len(test)), random_state=seed)
    result = permutation_importance(
        model,
        sample[columns],
        sample[LABEL],
        scoring="roc_auc",
        n_repeats=evaluate.permutation_repeats,
        random_state=seed,
        n_jobs=1,
    )
    table = pd.DataFrame(
        {
            "feature": columns,
            "importance_mean": result.importances_mean,
            "importance_std": result.importances_std,
        }
    )
    return table.sort_values(["importance_mean", "feature"], ascending=[False, True]).round(6)


def write_csv(frame: pd.DataFrame, target: Path) -> None:
    write_with(target, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def evaluate(model: Pipeline, splits: dict[str, pd.DataFrame], config: PipelineConfig) -> dict:
    columns, ev = config.features.columns, config.evaluate
    scores = {name: score(model, frame, columns) for name, frame in splits.items()}
    test, test_score = splits["test"], scores["test"]
    results = {
        "metrics": {
            name: m.classification_metrics(
                frame[LABEL].to_numpy(), scores[name], ev.decision_threshold
            )
            for name, frame in splits.items()
        },
        "slices": m.slice_metrics(
            test, test_score, LABEL, [c for c in ev.slice_columns if c in test.columns]
        ),
        "roc": m.roc_points(test[LABEL].to_numpy(), test_score, ev.curve_points),
        "precision_recall": m.precision_recall_points(
            test[LABEL].to_numpy(), test_score, ev.curve_points
        ),
        "calibration": m.calibration_points(
            test[LABEL].to_numpy(), test_score, ev.calibration_bins
        ),
    }
    with step("evaluate", "permutation importance"):
        results["importance"] = feature_importance(model, test, columns, ev, config.seed)
    return results


def write_results(results: dict, threshold: float) -> None:
    test = results["metrics"]["test"]
    write_json(results["metrics"], METRICS_FILE)
    write_json(results["slices"], SLICES_FILE)
    for name in ("roc", "precision_recall", "calibration"):
        write_csv(results[name], CURVE_FILES[name])
    write_csv(results["importance"], CURVE_FILES["feature_importance"])
    plots.roc_png(results["roc"], test["roc_auc"], IMAGES_DIR / "roc.png")
    plots.precision_recall_png(
        results["precision_recall"], test["base_rate"], IMAGES_DIR / "precision_recall.png"
    )
    plots.calibration_png(results["calibration"], IMAGES_DIR / "calibration.png")
    plots.confusion_png(test, threshold, IMAGES_DIR / "confusion_matrix.png")
    plots.importance_png(results["importance"], IMAGES_DIR / "feature_importance.png")


def log_evaluation(metrics: dict, config: PipelineConfig) -> str:
    import mlflow

    from flight_delay.tracking import git_lineage, input_hashes, tracking_run

    inputs = [MODEL_FILE, FEATURES_DIR / "test.parquet"]
    with tracking_run(config.tracking, file_md5(MODEL_FILE), "evaluate", reuse=True) as run:
        mlflow.log_metrics({k.replace(".", "_"): v for k, v in flatten(metrics).items()})
        mlflow.set_tags({**git_lineage(), **input_hashes(inputs)})
        mlflow.log_artifacts(str(IMAGES_DIR), artifact_path="plots")
        mlflow.log_artifact(str(SLICES_FILE))
        return run.info.run_id


def main() -> None:
    config = load_config()
    model = load_model(MODEL_FILE)
    splits = {name: pd.read_parquet(FEATURES_DIR / f"{name}.parquet") for name in ("valid", "test")}
    results = evaluate(model, splits, config)
    write_results(results, config.evaluate.decision_threshold)
    test = results["metrics"]["test"]
    say("evaluate", "test " + ", ".join(f"{k} {test[k]}" for k in ("roc_auc", "pr_auc", "f1")))
    if config.tracking.enabled:
        with step("evaluate", "logging metrics to MLflow"):
            run_id = log_evaluation(results["metrics"], config)
        say("evaluate", f"MLflow run {run_id}")


if __name__ == "__main__":
    run_stage("evaluate", main)
