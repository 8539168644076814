from __future__ import annotations

import numpy as np
import pandas as pd

from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import LabelConfig
from flight_delay.operate.outcomes import join_feedback
from flight_delay.operate.outcomes import label_outcomes as label_with
from tests.flights import FLIGHTS as DATASET
from tests.flights import HOME, LABEL_RULE, rule


def label_outcomes(flights: pd.DataFrame, label: LabelConfig) -> pd.DataFrame:
    return label_with(flights, DatasetSpec.of(HOME, label))


H = "2013-03-01T14:00:00Z"


def outcomes() -> pd.DataFrame:
    flights = pd.DataFrame({
        "time_hour": [H, H, H], "carrier": ["AA", "AA", "UA"], "flight": [1, 2, 3],
        "origin": ["JFK", "JFK", "EWR"], "arr_delay": [16.0, 15.0, np.nan],
    })  # fmt: skip
    return label_outcomes(flights, LABEL_RULE)


def log() -> pd.DataFrame:
    return pd.DataFrame({
        "request_id": ["b", "a", "a", "a", "c"], "row": [0, 0, 1, 2, 0],
        "served_at": ["2", "1", "1", "1", "3"],
        "time_hour": [H, H, H, H, None], "carrier": ["AA", "AA", "UA", "DL", "AA"],
        "flight": [2.0, 1.0, 3.0, 9.0, 1.0], "origin": ["JFK", "JFK", "EWR", "LGA", "JFK"],
        "probability": [0.1, 0.9, 0.5, 0.2, 0.3],
    })  # fmt: skip


def test_label_rule_is_the_pipelines():
    labels = outcomes()["delayed"].tolist()
    assert labels[:2] == [1, 0] and pd.isna(labels[2])  # 16 > 15, 15 is not, cancelled dropped
    counted = label_outcomes(outcomes().drop(columns="delayed"), rule(missing="positive"))
    assert counted["delayed"].tolist() == [1, 0, 1]


def test_join_matches_each_row_to_its_flight_and_counts_the_rest():
    labelled, counts = join_feedback(log(), outcomes(), DATASET)
    assert labelled[["request_id", "row", "flight", "arr_delay", "delayed"]].values.tolist() == [
        ["a", 0, 1, 16.0, 1],
        ["b", 0, 2, 15.0, 0],
    ]
    assert labelled["probability"].tolist() == [0.9, 0.1]
    assert counts == {"logged_rows": 5, "without_identity": 1, "no_outcome_yet": 1,
                      "unlabelled_by_rule": 1, "labelled_rows": 2, "delayed_rate": 0.5}  # fmt: skip


def test_rows_without_a_whole_flight_number_or_any_identity_are_not_joined():
    odd = log().assign(flight=[2.5, 1.0, 3.0, 9.0, 1.0])
    labelled, counts = join_feedback(odd, outcomes(), DATASET)
    assert labelled["flight"].tolist() == [1] and counts["labelled_rows"] == 1
    no_rows = log().head(0)[["request_id", "row", "served_at", "probability"]]  # no features
    empty, counts = join_feedback(no_rows, outcomes(), DATASET)
    assert empty.empty and counts["logged_rows"] == 0 and counts["labelled_rows"] == 0
