"""Stage `evaluate`: score the test split; write metrics, slice metrics, plots, and
which features the model relies on (permutation importance per feature and per
group, SHAP values). Logs the model's MLflow run: params, lineage, the model, metrics
and plots (one run per model; `train` logs nothing). The computing is core/evaluation.py.
"""

from __future__ import annotations

import pandas as pd

from flight_delay.core import evaluation_plots as plots
from flight_delay.core import explanations
from flight_delay.core.evaluation import evaluate, trained_on
from flight_delay.datasets import dataset_for
from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import PipelineConfig, flatten, load_config
from flight_delay.infra.io import write_csv, write_json
from flight_delay.infra.paths import (
    CURVE_FILES,
    FEATURES_DIR,
    GROUP_IMPORTANCE_FILE,
    IMAGES_DIR,
    METRICS_FILE,
    MODEL_FILE,
    SHAP_IMPORTANCE_FILE,
    SLICES_FILE,
)
from flight_delay.infra.persistence import load_model
from flight_delay.infra.progress import run_stage, say, step


def write_results(results: dict, config: PipelineConfig, dataset: DatasetSpec) -> None:
    test = results["metrics"]["test"]
    write_json(results["metrics"], METRICS_FILE)
    write_json(results["slices"], SLICES_FILE)
    for name in ("roc", "precision_recall", "calibration"):
        write_csv(results[name], CURVE_FILES[name])
    write_csv(results["importance"], CURVE_FILES["feature_importance"])
    write_csv(results["group_importance"], GROUP_IMPORTANCE_FILE)
    shap_png = IMAGES_DIR / "shap_summary.png"
    if results["shap"] is not None:
        values, explained = results["shap"]
        write_csv(explanations.shap_importance(values), SHAP_IMPORTANCE_FILE)
        explanations.shap_summary_png(values, explained, config.features.numeric, shap_png,
                                      config.seed, dataset.positive_event)  # fmt: skip
    else:  # the declared output exists, with no rows
        write_csv(pd.DataFrame(columns=["feature", "mean_abs_shap"]), SHAP_IMPORTANCE_FILE)
        shap_png.unlink(missing_ok=True)
    plots.roc_png(results["roc"], test["roc_auc"], IMAGES_DIR / "roc.png")
    plots.precision_recall_png(
        results["precision_recall"], test["base_rate"], IMAGES_DIR / "precision_recall.png"
    )
    plots.calibration_png(results["calibration"], dataset.class_names[1],
                          IMAGES_DIR / "calibration.png")  # fmt: skip
    plots.confusion_png(test, config.evaluate.decision_threshold, dataset.class_names,
                        IMAGES_DIR / "confusion_matrix.png")  # fmt: skip
    plots.importance_png(results["importance"], IMAGES_DIR / "feature_importance.png")
    plots.group_importance_png(results["group_importance"], IMAGES_DIR / "group_importance.png")


def main() -> None:
    config = load_config()
    dataset = dataset_for(config)
    model = load_model(MODEL_FILE)
    splits = {name: pd.read_parquet(FEATURES_DIR / f"{name}.parquet") for name in ("valid", "test")}
    results = evaluate(model, splits, config, dataset.label)
    write_results(results, config, dataset)
    test = results["metrics"]["test"]
    say("evaluate", "test " + ", ".join(f"{k} {test[k]}" for k in ("roc_auc", "pr_auc", "f1")))
    if config.tracking.enabled:
        from flight_delay.infra.tracking import log_model_run

        with step("evaluate", "logging the run to MLflow"):
            example = splits["test"][config.features.columns].head(5)
            params = flatten(trained_on(config))
            run_id = log_model_run(model, example, results["metrics"], params, config.tracking)
        say("evaluate", f"MLflow run {run_id}")


if __name__ == "__main__":
    run_stage("evaluate", main)
