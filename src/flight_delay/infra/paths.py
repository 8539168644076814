"""Where things are: the files dvc.yaml declares, and where the commands write, in one place.

Relative to the repository root (DVC runs every stage there).
"""

from __future__ import annotations

import re
from pathlib import Path

CONF_DIR = Path("conf")
PARAMS_FILE = Path("params.yaml")
PARAMS_STAMP = Path("params.composed.json")  # hash of the last composition of conf/
PARAMS_READY = Path("params.ready")
LOCK_FILE = Path("dvc.lock")

RAW_DIR = Path("data/raw")
VALIDATION_REPORT = Path("reports/validation.json")
LABELS_DIR = Path("data/labels")  # committed: hand-set labels, a dependency of prepare
PREPARED_DIR = Path("data/prepared")
SPLITS_SUMMARY = Path("reports/splits.json")
DATASET_CARD = Path("reports/dataset-card.json")
DATASET_CARD_MD = Path("reports/dataset-card.md")
FEATURES_DIR = Path("data/features")
MODEL_FILE = Path("models/model.skops")
METRICS_FILE = Path("metrics/metrics.json")
SLICES_FILE = Path("metrics/slices.json")
PLOTS_DIR = Path("plots")
IMAGES_DIR = PLOTS_DIR / "images"
CURVE_FILES = {
    name: PLOTS_DIR / f"{name}.csv"
    for name in ("roc", "precision_recall", "calibration", "feature_importance")
}
# plots/calibration.csv's columns (dvc.yaml's plot names them): the mean predicted
# probability and the observed rate of the positive class, per bin, whatever the dataset.
CALIBRATION_COLUMNS = ("mean_predicted", "fraction_positive")
GROUP_IMPORTANCE_FILE = PLOTS_DIR / "group_importance.csv"
SHAP_IMPORTANCE_FILE = PLOTS_DIR / "shap_importance.csv"

# Not stage outputs (git-ignored): what the commands write.
PR_REPORT_DIR = Path("reports/pr")  # `make report`; the workflows upload it
PR_REPORT = PR_REPORT_DIR / "report.md"
# `make promote`: the model, its card and the deployment record, one folder per tag;
# the promote workflow uploads it and `make release` publishes it.
PROMOTION_DIR = Path("reports/promotion")
MODEL_CARD_FILE = "model-card.md"
DEPLOYMENT_RECORD_FILE = "deployment.json"
FEEDBACK_FILE = Path("data/feedback/feedback.parquet")  # `make feedback`
MONITORING_DIR = Path("reports/monitoring")  # `make monitor`, `make retrain`
RETRAIN_DIR = Path("reports/retrain")  # `make retrain`: the pull request's text
REVIEW_FILE = Path("reports/labeling/review.csv")  # `make label-sample`
SIMULATION_DIR = Path("reports/simulation")  # `make simulate`


def label_overrides(dataset: str) -> Path:
    """A dataset's hand-set labels (`dataset`: its home's name), one file per dataset so that
    switching datasets leaves each one's labels alone; absent: none set yet."""
    return LABELS_DIR / f"{dataset}.csv"


def promotion_dir(tag: str) -> Path:
    """The folder of one promotion: the tag with characters unsafe in a path replaced."""
    return PROMOTION_DIR / re.sub(r"[^A-Za-z0-9._-]", "_", tag)
