"""Stage `train`: fit the configured model pipeline on the train split; save it with skops."""

from __future__ import annotations

import pandas as pd
from sklearn.pipeline import Pipeline

from flight_delay.config import PipelineConfig, flatten, load_config
from flight_delay.io import file_md5
from flight_delay.log import run_stage, say, step
from flight_delay.models import build_model
from flight_delay.paths import FEATURES_DIR, MODEL_FILE
from flight_delay.persistence import TRUSTED_TYPES, save_model
from flight_delay.prepare import LABEL

TRAIN_FILE = FEATURES_DIR / "train.parquet"
# Given explicitly, so MLflow does not spend ~9 s inferring them (and list test tools).
SERVING_PACKAGES = ["scikit-learn", "skops", "pandas", "numpy", "scipy"]


def pip_requirements() -> list[str]:
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in SERVING_PACKAGES]


def fit_model(train: pd.DataFrame, config: PipelineConfig) -> Pipeline:
    model = build_model(config.model, config.features, config.seed)
    return model.fit(train[config.features.columns], train[LABEL])


def log_training_run(model: Pipeline, train: pd.DataFrame, config: PipelineConfig) -> str:
    import mlflow
    from mlflow.models import infer_signature

    from flight_delay.tracking import git_lineage, input_hashes, tracking_run

    features = train[config.features.columns]
    example = features.head(5)
    with tracking_run(config.tracking, file_md5(MODEL_FILE), run_name="train") as run:
        # what shaped the model; gate, registry, serving and monitoring settings do not
        trained_on = config.model_dump(
            mode="json",
            exclude={
                "gate": True,
                "registry": True,
                "serve": True,
                "monitor": True,
                "features": {"groups"},
            },  # fmt: skip
        )
        mlflow.log_params(flatten(trained_on))
        mlflow.set_tags({**git_lineage(), **input_hashes([TRAIN_FILE]), "stage": "train"})
        mlflow.log_metric("train_rows", len(train))
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
        return run.info.run_id


def main() -> None:
    config = load_config()
    train = pd.read_parquet(TRAIN_FILE)
    with step("train", f"fitting {config.model.name} on {len(train):,} rows"):
        model = fit_model(train, config)
    save_model(model, MODEL_FILE)
    say("train", f"saved {MODEL_FILE} (md5 {file_md5(MODEL_FILE)})")
    if config.tracking.enabled:
        with step("train", "logging the run to MLflow"):
            run_id = log_training_run(model, train, config)
        say("train", f"MLflow run {run_id}")


if __name__ == "__main__":
    run_stage("train", main)
