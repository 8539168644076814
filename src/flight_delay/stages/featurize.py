"""Stage `featurize`: derive the columns the model reads from the prepared splits (the
dataset's derived features), keep the configured ones, check them against their rules.
On the `dask` engine (conf/engine/) each split is one task per partition on the cluster,
written as a folder of parts (infra/partitions.py); the same rows either way.

Encoding and scaling are not done here: they live in the model's sklearn Pipeline,
so one artifact maps these raw feature columns to a prediction.
"""

from __future__ import annotations

import pandas as pd

from flight_delay.core.feature_rules import FeatureError
from flight_delay.core.splits import SPLITS
from flight_delay.datasets import dataset_for
from flight_delay.datasets.preparation import features_of, features_of_partition
from flight_delay.infra.config import load_config
from flight_delay.infra.engine import engine_client
from flight_delay.infra.io import write_parquet
from flight_delay.infra.partitions import map_partitions
from flight_delay.infra.paths import FEATURES_DIR, PREPARED_DIR
from flight_delay.infra.progress import run_stage, say


def main() -> None:
    config = load_config()
    dataset = dataset_for(config)
    inputs = len(config.features.columns)
    with engine_client(config.engine, "featurize") as client:
        for name in SPLITS:
            source, target = PREPARED_DIR / f"{name}.parquet", FEATURES_DIR / f"{name}.parquet"
            try:
                if client is None:
                    featured = features_of(pd.read_parquet(source), dataset, config.features)
                    write_parquet(featured, target)
                    rows = len(featured)
                else:  # one task per partition; the parts replace the target when all are done
                    rows = map_partitions(client, features_of_partition, source, target, config)
            except FeatureError as err:
                raise SystemExit(f"featurize: {err}") from None
            say("featurize", f"{name}: {rows:,} rows x {inputs} features")


if __name__ == "__main__":
    run_stage("featurize", main)
