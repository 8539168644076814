"""Stage `train`: fit the configured model pipeline on the train split; save it with skops.

No MLflow here: `evaluate` logs the model's run (params, model, metrics) once it has the
metrics, so a pipeline run imports and opens the tracking store once, not twice."""

from __future__ import annotations

import pandas as pd
from sklearn.pipeline import Pipeline

from flight_delay.config import PipelineConfig, load_config
from flight_delay.io import file_md5
from flight_delay.log import run_stage, say, step
from flight_delay.models import build_model
from flight_delay.paths import FEATURES_DIR, MODEL_FILE
from flight_delay.persistence import save_model
from flight_delay.prepare import LABEL

TRAIN_FILE = FEATURES_DIR / "train.parquet"


def fit_model(train: pd.DataFrame, config: PipelineConfig) -> Pipeline:
    model = build_model(config.model, config.features, config.seed)
    return model.fit(train[config.features.columns], train[LABEL])


def main() -> None:
    config = load_config()
    train = pd.read_parquet(TRAIN_FILE, columns=[*config.features.columns, LABEL])
    with step("train", f"fitting {config.model.name} on {len(train):,} rows"):
        model = fit_model(train, config)
    save_model(model, MODEL_FILE)
    say("train", f"saved {MODEL_FILE} (md5 {file_md5(MODEL_FILE)})")


if __name__ == "__main__":
    run_stage("train", main)
