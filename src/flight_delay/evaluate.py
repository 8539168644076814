"""Stage `evaluate`: score the test split; write metrics, slice metrics, plots, and
which features the model relies on (permutation importance per feature and per
group, SHAP values). Logs the model's MLflow run: params, lineage, the model, metrics
and plots (one run per model; `train` logs nothing)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from sklearn.pipeline import Pipeline

from flight_delay import explain, plots
from flight_delay import metrics as m
from flight_delay.config import PipelineConfig, flatten, load_config
from flight_delay.importance import feature_importance, group_importance, importance_sample
from flight_delay.io import file_md5, write_json, write_with
from flight_delay.log import run_stage, say, step
from flight_delay.paths import (
    CURVE_FILES,
    FEATURES_DIR,
    GROUP_IMPORTANCE_FILE,
    IMAGES_DIR,
    METRICS_FILE,
    MODEL_FILE,
    SHAP_IMPORTANCE_FILE,
    SLICES_FILE,
)
from flight_delay.persistence import load_model
from flight_delay.prepare import LABEL

TRAIN_FILE = FEATURES_DIR / "train.parquet"  # only its row count and hash, for the run


def score(model: Pipeline, frame: pd.DataFrame, columns: list[str]):
    return model.predict_proba(frame[columns])[:, 1]


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
    results |= reliance(model, test, config)
    return results


def reliance(model: Pipeline, test: pd.DataFrame, config: PipelineConfig) -> dict:
    """Permutation importance per feature and per group; SHAP values on a sample."""
    columns, ev, seed = config.features.columns, config.evaluate, config.seed
    groups = config.features.resolved_groups()
    sample = importance_sample(test, ev.permutation_max_rows, seed)
    with step("evaluate", "permutation importance"):
        per_feature = feature_importance(
            model, sample, columns, LABEL, ev.permutation_repeats, seed
        )
        per_group = group_importance(
            model, sample, columns, groups, LABEL, ev.permutation_repeats, seed
        )
    per_group["mean_abs_shap"] = float("nan")  # filled below when SHAP values are computed
    found = {"importance": per_feature, "group_importance": per_group, "shap": None}
    if ev.shap_max_rows == 0:
        return found
    explained = importance_sample(test, ev.shap_max_rows, seed)
    try:
        with step("evaluate", f"SHAP values of {len(explained):,} rows"):
            values = explain.shap_by_feature(model, explained, columns)
    except explain.ExplainError as err:
        say("evaluate", f"no SHAP values: {err}")
        return found
    per_group["mean_abs_shap"] = per_group["group"].map(explain.group_shap(values, groups))
    return found | {"shap": (values, explained)}


def write_results(results: dict, threshold: float, numeric: list[str], seed: int) -> None:
    test = results["metrics"]["test"]
    write_json(results["metrics"], METRICS_FILE)
    write_json(results["slices"], SLICES_FILE)
    for name in ("roc", "precision_recall", "calibration"):
        write_csv(results[name], CURVE_FILES[name])
    write_csv(results["importance"], CURVE_FILES["feature_importance"])
    write_csv(results["group_importance"], GROUP_IMPORTANCE_FILE)
    if results["shap"] is not None:
        values, explained = results["shap"]
        write_csv(explain.shap_importance(values), SHAP_IMPORTANCE_FILE)
        explain.shap_summary_png(values, explained, numeric, IMAGES_DIR / "shap_summary.png", seed)
    else:  # the declared output exists, with no rows
        write_csv(pd.DataFrame(columns=["feature", "mean_abs_shap"]), SHAP_IMPORTANCE_FILE)
        (IMAGES_DIR / "shap_summary.png").unlink(missing_ok=True)
    plots.roc_png(results["roc"], test["roc_auc"], IMAGES_DIR / "roc.png")
    plots.precision_recall_png(
        results["precision_recall"], test["base_rate"], IMAGES_DIR / "precision_recall.png"
    )
    plots.calibration_png(results["calibration"], IMAGES_DIR / "calibration.png")
    plots.confusion_png(test, threshold, IMAGES_DIR / "confusion_matrix.png")
    plots.importance_png(results["importance"], IMAGES_DIR / "feature_importance.png")
    plots.group_importance_png(results["group_importance"], IMAGES_DIR / "group_importance.png")


def trained_on(config: PipelineConfig) -> dict:
    """The params that shaped the model and its evaluation (not gate, registry, serving
    or monitoring settings)."""
    return config.model_dump(
        mode="json",
        exclude={"gate": True, "registry": True, "serve": True, "monitor": True,
                 "features": {"groups"}},
    )  # fmt: skip


def log_run(model: Pipeline, example: pd.DataFrame, metrics: dict, config: PipelineConfig) -> str:
    """The model's run: created with its params and the model the first time this model
    is evaluated; metrics, lineage tags and plots each time."""
    import mlflow
    from mlflow.models import infer_signature

    from flight_delay.persistence import TRUSTED_TYPES
    from flight_delay.tracking import git_lineage, input_hashes, pip_requirements, tracking_run

    inputs = [TRAIN_FILE, MODEL_FILE, FEATURES_DIR / "test.parquet"]
    with tracking_run(config.tracking, file_md5(MODEL_FILE), run_name="train") as (run, created):
        if created:
            mlflow.log_params(flatten(trained_on(config)))
            mlflow.sklearn.log_model(
                model,
                name="model",
                serialization_format="skops",
                skops_trusted_types=TRUSTED_TYPES,
                pyfunc_predict_fn="predict_proba",
                signature=infer_signature(example, model.predict_proba(example)),
                input_example=example,
                pip_requirements=pip_requirements(),
            )
        mlflow.log_metric("train_rows", pq.ParquetFile(TRAIN_FILE).metadata.num_rows)
        mlflow.log_metrics({k.replace(".", "_"): v for k, v in flatten(metrics).items()})
        mlflow.set_tags({**git_lineage(), **input_hashes(inputs), "stage": "evaluate"})
        mlflow.log_artifacts(str(IMAGES_DIR), artifact_path="plots")
        mlflow.log_artifact(str(SLICES_FILE))
        return run.info.run_id


def main() -> None:
    config = load_config()
    model = load_model(MODEL_FILE)
    splits = {name: pd.read_parquet(FEATURES_DIR / f"{name}.parquet") for name in ("valid", "test")}
    results = evaluate(model, splits, config)
    write_results(results, config.evaluate.decision_threshold, config.features.numeric, config.seed)
    test = results["metrics"]["test"]
    say("evaluate", "test " + ", ".join(f"{k} {test[k]}" for k in ("roc_auc", "pr_auc", "f1")))
    if config.tracking.enabled:
        with step("evaluate", "logging the run to MLflow"):
            example = splits["test"][config.features.columns].head(5)
            run_id = log_run(model, example, results["metrics"], config)
        say("evaluate", f"MLflow run {run_id}")


if __name__ == "__main__":
    run_stage("evaluate", main)
