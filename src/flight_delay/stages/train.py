"""Stage `train`: fit the configured model pipeline on the train split; save it with skops.
On the `dask` engine (conf/engine/) the model (`lightgbm`, the one that trains there) is
fitted on the cluster's workers, the split never in this process (core/cluster_fit.py).

No MLflow here: `evaluate` logs the model's run (params, model, metrics) once it has the
metrics, so a pipeline run imports and opens the tracking store once, not twice."""

from __future__ import annotations

import pandas as pd

from flight_delay.core.cluster_fit import LostRankError, fit_on_cluster
from flight_delay.core.models import fit_model
from flight_delay.datasets import dataset_for
from flight_delay.infra.config import LightGBMConfig, load_config
from flight_delay.infra.engine import engine_client
from flight_delay.infra.io import file_md5
from flight_delay.infra.partitions import table_rows
from flight_delay.infra.paths import FEATURES_DIR, MODEL_FILE
from flight_delay.infra.persistence import save_model
from flight_delay.infra.progress import run_stage, say, step


def main() -> None:
    config = load_config()
    label = dataset_for(config).label
    table = FEATURES_DIR / "train.parquet"
    with engine_client(config.engine, "train") as client:
        rows = table_rows(table)
        with step("train", f"fitting {config.model.name} on {rows:,} rows"):
            if client is None:
                train = pd.read_parquet(table, columns=[*config.features.columns, label])
                model = fit_model(train, label, config.features, config.model, config.seed)
            else:  # the config allows only a model that trains on the cluster
                assert isinstance(config.model, LightGBMConfig)
                try:
                    model = fit_on_cluster(client, table, label, config.features,
                                           config.model, config.seed)  # fmt: skip
                except LostRankError as err:
                    raise SystemExit(f"train: {err}") from None
    save_model(model, MODEL_FILE)
    say("train", f"saved {MODEL_FILE} (md5 {file_md5(MODEL_FILE)})")


if __name__ == "__main__":
    run_stage("train", main)
