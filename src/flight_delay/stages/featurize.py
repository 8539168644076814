"""Stage `featurize`: derive the columns the model reads from the prepared splits (the
dataset's derived features), keep the configured ones, check them against their rules.

Encoding and scaling are not done here: they live in the model's sklearn Pipeline,
so one artifact maps these raw feature columns to a prediction.
"""

from __future__ import annotations

import pandas as pd

from flight_delay.core.feature_rules import FeatureError
from flight_delay.core.splits import SPLITS
from flight_delay.datasets import dataset_for
from flight_delay.datasets.preparation import features_of
from flight_delay.infra.config import load_config
from flight_delay.infra.io import write_parquet
from flight_delay.infra.paths import FEATURES_DIR, PREPARED_DIR
from flight_delay.infra.progress import run_stage, say


def main() -> None:
    config = load_config()
    dataset = dataset_for(config)
    for name in SPLITS:
        prepared = pd.read_parquet(PREPARED_DIR / f"{name}.parquet")
        try:
            featured = features_of(prepared, dataset, config.features)
        except FeatureError as err:
            raise SystemExit(f"featurize: {err}") from None
        write_parquet(featured, FEATURES_DIR / f"{name}.parquet")
        say(
            "featurize", f"{name}: {len(featured):,} rows x {len(config.features.columns)} features"
        )


if __name__ == "__main__":
    run_stage("featurize", main)
