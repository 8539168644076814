"""Where the stages write: the output paths dvc.yaml declares, in one place.

Relative to the repository root (DVC runs every stage there).
"""

from __future__ import annotations

from pathlib import Path

RAW_DIR = Path("data/raw")
VALIDATION_REPORT = Path("reports/validation.json")
LABEL_OVERRIDES = Path("data/labels/overrides.csv")  # committed; a dependency of prepare
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
GROUP_IMPORTANCE_FILE = PLOTS_DIR / "group_importance.csv"
SHAP_IMPORTANCE_FILE = PLOTS_DIR / "shap_importance.csv"

# Not a stage output: `make report` writes here (git-ignored), the workflows upload it.
PR_REPORT_DIR = Path("reports/pr")
# Not a stage output: `make promote` writes the model, its card and the deployment
# record here (git-ignored), one folder per tag; the promote workflow uploads it.
PROMOTION_DIR = Path("reports/promotion")
