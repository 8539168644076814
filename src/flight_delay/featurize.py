"""Stage `featurize`: derive the columns the model reads from the prepared splits.

Encoding and scaling are not done here: they live in the model's sklearn
Pipeline, so one artifact maps these raw feature columns to a prediction.
"""

from __future__ import annotations

import pandas as pd

from flight_delay.config import FeaturesConfig, load_config
from flight_delay.feature_schema import FeatureError, frame_problems, rules_for
from flight_delay.io import write_parquet
from flight_delay.log import run_stage, say
from flight_delay.paths import FEATURES_DIR, PREPARED_DIR
from flight_delay.prepare import KEY, LABEL, SPLITS

# Kept beside the features to identify rows and slice the metrics; not model inputs.
CONTEXT_COLUMNS = [*KEY, "month"]


def add_derived_features(frame: pd.DataFrame) -> pd.DataFrame:
    scheduled_date = pd.to_datetime(frame[["year", "month", "day"]])
    return frame.assign(
        day_of_week=scheduled_date.dt.day_of_week.astype("int64"),  # 0 = Monday, local date
        dep_hour=frame["sched_dep_time"] // 100,
        arr_hour=frame["sched_arr_time"] // 100,
        route=frame["origin"] + "-" + frame["dest"],
        plane_age=frame["year"] - frame["plane_year"],
    )


def select_features(frame: pd.DataFrame, features: FeaturesConfig) -> pd.DataFrame:
    """Context columns, the configured features (numeric as float64) and the label,
    checked against the feature rules that serving checks requests against."""
    missing = [c for c in features.columns if c not in frame.columns]
    if missing:
        raise FeatureError(f"features: no column {missing}; available: {sorted(frame.columns)}")
    rules = rules_for(features)
    numeric = frame[features.numeric].astype("float64")
    problems = frame_problems(pd.concat([numeric, frame[features.categorical]], axis=1), rules)
    if problems:
        raise FeatureError("features break their rules (feature_schema.py):\n  "
                           + "\n  ".join(problems))  # fmt: skip
    context = [c for c in CONTEXT_COLUMNS if c not in features.columns]
    return pd.concat([frame[context], numeric, frame[features.categorical], frame[[LABEL]]], axis=1)


def main() -> None:
    config = load_config()
    for name in SPLITS:
        prepared = pd.read_parquet(PREPARED_DIR / f"{name}.parquet")
        try:
            featured = select_features(add_derived_features(prepared), config.features)
        except FeatureError as err:
            raise SystemExit(f"featurize: {err}") from None
        write_parquet(featured, FEATURES_DIR / f"{name}.parquet")
        say(
            "featurize", f"{name}: {len(featured):,} rows x {len(config.features.columns)} features"
        )


if __name__ == "__main__":
    run_stage("featurize", main)
