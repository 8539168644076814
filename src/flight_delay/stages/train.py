"""Stage `train`: fit the configured model pipeline on the train split; save it with skops.

No MLflow here: `evaluate` logs the model's run (params, model, metrics) once it has the
metrics, so a pipeline run imports and opens the tracking store once, not twice."""

from __future__ import annotations

import pandas as pd

from flight_delay.core.models import fit_model
from flight_delay.datasets import dataset_for
from flight_delay.infra.config import load_config
from flight_delay.infra.io import file_md5
from flight_delay.infra.paths import FEATURES_DIR, MODEL_FILE
from flight_delay.infra.persistence import save_model
from flight_delay.infra.progress import run_stage, say, step


def main() -> None:
    config = load_config()
    label = dataset_for(config).label
    train = pd.read_parquet(
        FEATURES_DIR / "train.parquet", columns=[*config.features.columns, label]
    )
    with step("train", f"fitting {config.model.name} on {len(train):,} rows"):
        model = fit_model(train, label, config.features, config.model, config.seed)
    save_model(model, MODEL_FILE)
    say("train", f"saved {MODEL_FILE} (md5 {file_md5(MODEL_FILE)})")


if __name__ == "__main__":
    run_stage("train", main)
