"""A second shape of the tests' own data, for the machinery that keys rows: parcels whose
natural key has five columns (year, week, day, depot, parcel), two of them periods; a
prepared key (slot, depot, parcel) that differs from it; identity fields a request may
carry (slot, parcel); and a threshold label whose missing source drops the row. One
table, no hook. Built in memory: `spec()` and `rows()`."""

from __future__ import annotations

import numpy as np
import pandas as pd

SCHEMA = {
    "tables": {
        "parcels": {
            "key": ["year", "week", "day", "depot", "parcel"],
            "columns": {
                "year": {"kind": "int", "low": 2000, "high": 2100},
                "week": {"kind": "int", "low": 1, "high": 53},
                "day": {"kind": "int", "low": 1, "high": 7},
                "depot": {"kind": "str", "values": ["e", "n", "s"]},
                "parcel": {"kind": "int", "low": 1, "high": 99999},
                "slot": {"kind": "str", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$"},
                "weight_kg": {"kind": "float", "low": 0},
                "hours_late": {"kind": "float", "nullable": True, "low": -48, "high": 480},
            },
        }
    }
}
DATA = {
    "dataset": "parcels", "source": "data/source/parcels", "files": {"parcels": "parcels.csv"},
    "key": ["slot", "depot", "parcel"], "identity": ["slot", "parcel"],
    "leakage": ["hours_late"], "periods": ["year", "week"],
    "context": ["slot", "depot", "parcel", "week"],
}  # fmt: skip
LABEL = {"column": "late", "rule": "above", "source": "hours_late", "threshold": 2,
         "missing": "drop", "classes": ["on time", "late"], "event": "late delivery"}  # fmt: skip


def spec(**label_changes: object):
    """The parcels as the machinery sees them (DatasetSpec), with some label settings
    changed (threshold=..., missing=...)."""
    from flight_delay.core.schema import schema_from_mapping
    from flight_delay.datasets.home import build_home
    from flight_delay.datasets.spec import DatasetSpec
    from flight_delay.infra.config import DataConfig, LabelConfig

    home = build_home(DataConfig.model_validate(DATA), schema_from_mapping(SCHEMA), None)
    return DatasetSpec.of(home, LabelConfig.model_validate(LABEL | label_changes))


def rows() -> pd.DataFrame:
    """Six parcels. Row 2 was lost (no outcome: dropped by the rule); row 4 arrives exactly
    2 hours late (on time: the rule says "above"). Late: 0, 1, -, 0, 0, 1."""
    return pd.DataFrame({
        "year": [2024] * 6,
        "week": [1, 1, 9, 10, 11, 12],
        "day": [1, 1, 3, 2, 1, 5],
        "depot": ["n", "s", "e", "e", "n", "e"],
        "parcel": [1545, 1714, 100, 300, 200, 301],
        "slot": ["2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z", "2024-02-28T17:00:00Z",
                 "2024-03-05T11:00:00Z", "2024-03-11T18:00:00Z", "2024-03-22T04:00:00Z"],
        "weight_kg": [2.0, 3.0, 1.0, 4.0, 2.0, 5.0],
        "hours_late": [1.1, 2.5, np.nan, -0.5, 2.0, 2.1],
    })  # fmt: skip
