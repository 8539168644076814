"""The label rule of `conf/label`: a 0/1 column made from one column of the labelled table
(above a threshold, equal to one of some values, or 0/1 already), with a policy for rows
whose source is missing. Pure: a frame in, a frame out."""

from __future__ import annotations

import pandas as pd

from flight_delay.infra.config import LabelConfig


class LabelError(ValueError):
    """The labelled table cannot be labelled by the rule (no source column, say)."""


def apply_rule(frame: pd.DataFrame, label: LabelConfig) -> pd.DataFrame:
    """`frame` with the label column added (int8), the rows the missing policy drops left
    out; the other columns untouched."""
    if label.source not in frame.columns:
        raise LabelError(f"label.source: no column {label.source!r} in the labelled table")
    source = frame[label.source]
    missing = source.isna()
    if label.missing == "drop":
        frame, source, missing = frame[~missing], source[~missing], missing[~missing]
    if label.rule == "above":
        positive = source > label.threshold
    elif label.rule == "equals":
        positive = source.isin(label.values or [])
    else:
        known = source.dropna()
        if not known.isin([0, 1, True, False]).all():
            raise LabelError(f"label.source: {label.source!r} holds values other than 0 and 1")
        positive = source.fillna(0).astype(bool)
    if label.missing == "positive":
        positive = positive | missing
    elif label.missing == "negative":
        positive = positive & ~missing
    return frame.assign(**{label.column: positive.astype("int8")})


def describe_rule(label: LabelConfig) -> str:
    """The rule in words (the dataset card's): `arr_delay > 15; rows without arr_delay: dropped`."""
    if label.rule == "above":
        rule = f"{label.source} > {label.threshold:g}"
    elif label.rule == "equals":
        rule = f"{label.source} in {label.values}"
    else:
        rule = f"{label.source} (0/1 in the data)"
    missing = {"drop": "dropped", "positive": f"counted as {label.classes[1]!r}",
               "negative": f"counted as {label.classes[0]!r}"}[label.missing]  # fmt: skip
    return f"{rule}; rows without {label.source}: {missing}"


def near_boundary(rows: pd.DataFrame, label: LabelConfig, margin: float) -> pd.Series:
    """Rows whose source lies within `margin` of the threshold (an `above` rule: where a
    clock or a convention decides the label); none for the other rules."""
    if label.rule != "above" or label.threshold is None:
        return pd.Series(False, index=rows.index)
    return (rows[label.source] - label.threshold).abs() <= margin
