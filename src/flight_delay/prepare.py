"""Stage `prepare`: label each flight (rule, then a person's overrides), join weather
and planes, split by time; describe the splits in the dataset card (datacard.py).

No column that is only known after departure survives this stage.
"""

from __future__ import annotations

import pandas as pd

from flight_delay.columns import LABEL, SPLITS
from flight_delay.config import LEAKAGE_COLUMNS, LabelConfig, SplitConfig, load_config
from flight_delay.datacard import build_card, card_markdown
from flight_delay.io import file_md5, write_json, write_parquet, write_text
from flight_delay.label_overrides import (
    OVERRIDDEN,
    OverrideError,
    OverrideSummary,
    apply_overrides,
    read_overrides,
)
from flight_delay.log import run_stage, say
from flight_delay.paths import (
    DATASET_CARD,
    DATASET_CARD_MD,
    LABEL_OVERRIDES,
    PREPARED_DIR,
    RAW_DIR,
    SPLITS_SUMMARY,
)
from flight_delay.schemas import PLAUSIBILITY

KEY = ["time_hour", "carrier", "flight", "origin"]
WEATHER_COLUMNS = [
    "temp",
    "dewp",
    "humid",
    "wind_dir",
    "wind_speed",
    "wind_gust",
    "precip",
    "pressure",
    "visib",
]


def delay_label(flights: pd.DataFrame, label: LabelConfig) -> pd.DataFrame:
    """Add `delayed` (arrival delay > threshold); apply the policy for cancelled flights."""
    cancelled = flights["arr_delay"].isna()
    if label.cancelled == "drop":
        flights = flights[~cancelled]
        cancelled = cancelled[~cancelled]
    delayed = (flights["arr_delay"] > label.threshold_minutes) | cancelled
    return flights.assign(**{LABEL: delayed.astype("int8")})


def null_implausible(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Set values that fail the PLAUSIBILITY checks of `validate` to missing."""
    fixes = {
        column: frame[column].where(is_plausible(frame[column]))
        for column, (_, is_plausible) in PLAUSIBILITY.get(table, {}).items()
    }
    return frame.assign(**fixes)


def join_weather(flights: pd.DataFrame, weather: pd.DataFrame) -> pd.DataFrame:
    """Weather observed at the origin in the scheduled departure hour (UTC)."""
    hourly = null_implausible("weather", weather)[["origin", "time_hour", *WEATHER_COLUMNS]]
    return flights.merge(hourly, on=["origin", "time_hour"], how="left", validate="many_to_one")


def join_planes(flights: pd.DataFrame, planes: pd.DataFrame) -> pd.DataFrame:
    fleet = planes[["tailnum", "year", "seats"]].rename(columns={"year": "plane_year"})
    return flights.merge(fleet, on="tailnum", how="left", validate="many_to_one")


def drop_leakage(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=sorted(LEAKAGE_COLUMNS & set(frame.columns)))


def split_by_month(frame: pd.DataFrame, split: SplitConfig) -> dict[str, pd.DataFrame]:
    months = {"train": split.train_months, "valid": split.valid_months, "test": split.test_months}
    return {
        name: frame[frame["month"].isin(months[name])].sort_values(KEY).reset_index(drop=True)
        for name in SPLITS
    }


def label_and_join(
    flights: pd.DataFrame, weather: pd.DataFrame, planes: pd.DataFrame, label: LabelConfig
) -> pd.DataFrame:
    """Labelled flights with their weather and plane, without leakage columns."""
    labelled = delay_label(flights, label)
    return drop_leakage(join_planes(join_weather(labelled, weather), planes))


def prepare(
    flights: pd.DataFrame,
    weather: pd.DataFrame,
    planes: pd.DataFrame,
    label: LabelConfig,
    split: SplitConfig,
    overrides: pd.DataFrame | None = None,
) -> tuple[dict[str, pd.DataFrame], OverrideSummary | None]:
    """The splits, with the overrides (a person's labels) applied after the rule."""
    joined, summary = label_and_join(flights, weather, planes, label), None
    if overrides is not None:
        joined, summary = apply_overrides(joined, flights, overrides, LABEL)
    return split_by_month(joined, split), summary


def split_summary(splits: dict[str, pd.DataFrame]) -> dict[str, dict]:
    """Rows, delayed rate, months and hand-set labels of each split."""
    return {
        name: {
            "rows": len(frame),
            "delayed_rate": round(float(frame[LABEL].mean()), 6) if len(frame) else None,
            "months": sorted(int(m) for m in frame["month"].unique()),
            "label_overrides": int(frame[OVERRIDDEN].sum()) if OVERRIDDEN in frame else 0,
        }
        for name, frame in splits.items()
    }


def main() -> None:
    config = load_config()
    tables = {
        t: pd.read_parquet(RAW_DIR / f"{t}.parquet") for t in ("flights", "weather", "planes")
    }
    try:
        overrides = read_overrides(LABEL_OVERRIDES)
        splits, summary = prepare(**tables, label=config.label, split=config.split,
                                  overrides=overrides)  # fmt: skip
    except OverrideError as err:
        raise SystemExit(f"prepare: {err}") from None
    say("prepare", f"label overrides ({LABEL_OVERRIDES}): {summary.as_dict()}")
    for name, frame in splits.items():
        if frame.empty:
            raise SystemExit(f"prepare: the {name} split is empty; check split.* and data.months")
        write_parquet(frame, PREPARED_DIR / f"{name}.parquet")
        say("prepare", f"{name}: {len(frame):,} rows, delayed rate {frame[LABEL].mean():.3f}")
    write_json(split_summary(splits), SPLITS_SUMMARY)
    described = sorted([*(PREPARED_DIR / f"{name}.parquet" for name in splits), LABEL_OVERRIDES])
    card = build_card(splits, {path.as_posix(): file_md5(path) for path in described}, config)
    write_json(card, DATASET_CARD)  # allow_nan=False: fails before anything is written
    write_text(card_markdown(card), DATASET_CARD_MD)
    say("prepare", f"wrote {DATASET_CARD_MD} and {DATASET_CARD}")


if __name__ == "__main__":
    run_stage("prepare", main)
