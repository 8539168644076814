"""The label: a flight is delayed when it arrives more than `label.threshold_minutes` late.

Cancelled and diverted flights have no arrival delay: `label.cancelled` drops them or
counts them as delayed.
"""

from __future__ import annotations

import pandas as pd

from flight_delay.infra.config import LabelConfig

LABEL = "delayed"
CLASS_NAMES = ("on time", "delayed")
OUTCOME = "arr_delay"  # minutes late at arrival; missing for cancelled and diverted flights


def delay_label(flights: pd.DataFrame, label: LabelConfig) -> pd.DataFrame:
    """Add `delayed` (arrival delay > threshold); apply the policy for cancelled flights."""
    cancelled = flights[OUTCOME].isna()
    if label.cancelled == "drop":
        flights = flights[~cancelled]
        cancelled = cancelled[~cancelled]
    delayed = (flights[OUTCOME] > label.threshold_minutes) | cancelled
    return flights.assign(**{LABEL: delayed.astype("int8")})


def describe_label(label: LabelConfig) -> str:
    """The rule in words (the dataset card's)."""
    return (f"{OUTCOME} > {label.threshold_minutes:g} minutes; cancelled or diverted "
            f"flights: `{label.cancelled}`")  # fmt: skip


def near_threshold(rows: pd.DataFrame, label: LabelConfig, margin: float) -> pd.Series:
    """Flights whose arrival delay is within `margin` minutes of the threshold: where a
    clock or a gate-arrival convention decides the label."""
    return (rows[OUTCOME] - label.threshold_minutes).abs() <= margin
