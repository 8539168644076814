from __future__ import annotations

import numpy as np
import pandas as pd

from flight_delay.datasets.spec import DatasetSpec
from flight_delay.infra.config import LabelConfig
from flight_delay.operate.outcomes import join_feedback
from flight_delay.operate.outcomes import label_outcomes as label_with
from tests import parcels

DATASET = parcels.spec()  # prepared key (slot, depot, parcel); identity fields slot, parcel


def label_outcomes(rows: pd.DataFrame, label: LabelConfig) -> pd.DataFrame:
    return label_with(rows, DatasetSpec.of(DATASET, label))


S = "2024-03-01T14:00:00Z"


def outcomes() -> pd.DataFrame:
    rows = pd.DataFrame({
        "slot": [S, S, S], "depot": ["n", "n", "s"], "parcel": [1, 2, 3],
        "hours_late": [2.5, 2.0, np.nan],
    })  # fmt: skip
    return label_outcomes(rows, DATASET.label_rule)


def log() -> pd.DataFrame:
    return pd.DataFrame({
        "request_id": ["b", "a", "a", "a", "c"], "row": [0, 0, 1, 2, 0],
        "served_at": ["2", "1", "1", "1", "3"],
        "slot": [S, S, S, S, None], "depot": ["n", "n", "s", "e", "n"],
        "parcel": [2.0, 1.0, 3.0, 9.0, 1.0], "weight_kg": [1.0, 2.0, 3.0, 4.0, 5.0],
        "probability": [0.1, 0.9, 0.5, 0.2, 0.3],
    })  # fmt: skip


def test_label_rule_is_the_pipelines():
    labels = outcomes()["late"].tolist()
    assert labels[:2] == [1, 0] and pd.isna(labels[2])  # 2.5 > 2, 2 is not, lost dropped
    rule = DATASET.label_rule.model_copy(update={"missing": "positive"})
    counted = label_outcomes(outcomes().drop(columns="late"), rule)
    assert counted["late"].tolist() == [1, 0, 1]


def test_join_matches_each_row_to_its_parcel_and_counts_the_rest():
    labelled, counts = join_feedback(log(), outcomes(), DATASET)
    assert labelled[["request_id", "row", "parcel", "hours_late", "late"]].values.tolist() == [
        ["a", 0, 1, 2.5, 1],
        ["b", 0, 2, 2.0, 0],
    ]
    assert labelled["probability"].tolist() == [0.9, 0.1]
    assert counts == {"logged_rows": 5, "without_identity": 1, "no_outcome_yet": 1,
                      "unlabelled_by_rule": 1, "labelled_rows": 2, "late_rate": 0.5}  # fmt: skip


def test_rows_without_a_whole_parcel_number_or_any_identity_are_not_joined():
    odd = log().assign(parcel=[2.5, 1.0, 3.0, 9.0, 1.0])
    labelled, counts = join_feedback(odd, outcomes(), DATASET)
    assert labelled["parcel"].tolist() == [1] and counts["labelled_rows"] == 1
    no_rows = log().head(0)[["request_id", "row", "served_at", "probability"]]  # no features
    empty, counts = join_feedback(no_rows, outcomes(), DATASET)
    assert empty.empty and counts["logged_rows"] == 0 and counts["labelled_rows"] == 0


def test_an_existing_0_1_label_is_its_own_outcome():
    from flight_delay.core.schema import schema_from_mapping
    from flight_delay.datasets.home import build_home
    from flight_delay.infra.config import DataConfig

    schema = schema_from_mapping(
        {
            "tables": {
                "biopsies": {
                    "key": "row_number",
                    "columns": {
                        "radius": {"kind": "float"},
                        "malignant": {"kind": "int", "low": 0, "high": 1},
                    },
                }
            }
        }
    )
    data = DataConfig(dataset="example", source="s", files={"biopsies": "b.csv"})
    label = LabelConfig(column="malignant", rule="existing", source="malignant", missing="drop",
                        classes=("benign", "malignant"), event="malignancy")  # fmt: skip
    dataset = DatasetSpec.of(build_home(data, schema, None), label)
    raw = pd.DataFrame({"row_number": [0, 1, 2], "radius": [1.0, 2.0, 3.0],
                        "malignant": [1, 0, 1]})  # fmt: skip
    known = label_with(raw, dataset)
    assert known.columns.tolist() == ["row_number", "malignant"]
    served = pd.DataFrame({"request_id": ["a", "a"], "row": [0, 1], "served_at": ["1", "1"],
                           "row_number": [2.0, 1.0],
                           "probability": [0.8, 0.3]})  # fmt: skip
    labelled, counts = join_feedback(served, known, dataset)
    assert labelled[["row_number", "malignant"]].values.tolist() == [[2, 1], [1, 0]]
    assert counts["labelled_rows"] == 2 and counts["malignant_rate"] == 0.5
