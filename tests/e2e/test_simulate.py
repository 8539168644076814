"""`make simulate` on a short span: the loop serves, logs, monitors, retrains, promotes."""

from __future__ import annotations

import json

import pytest

from tests.conftest import make, make_scratch_repo

pytestmark = pytest.mark.e2e


def test_planted_drift_fires_retraining_and_the_promoted_model_serves_next(tmp_path):
    repo = make_scratch_repo(tmp_path / "repo")
    done = make(repo, "simulate", "FIRST=4", "LAST=5", "PLANT=4", "FLOOR=0.55")
    out = repo / "reports/simulation"
    replay = json.loads((out / "simulation.json").read_text())
    assert replay["column"] == "month"
    months = replay["windows"]
    assert [m["month"] for m in months] == [4, 5]
    april, may = months
    assert april["served_version"] == "v1.0.0" and april["retrain"]
    assert {"temp", "dewp", "wind_speed", "visib"} <= set(april["drifted_features"])
    assert april["rows_served"] > 20_000 and 0.5 < april["served_auc"] < 0.8
    assert april["promoted"] == "v1.1.0", april["gate"]  # more months, judged on the same rows
    # the window moved: v1.0.0 was scored on the candidate's validation month, not its own
    assert (
        "valid rows moved (month [2] -> month [3]): v1.0.0's model scored on the" in april["gate"]
    )
    assert may["served_version"] == "v1.1.0"
    assert "temp" not in may["drifted_features"] or may["drift_share"] < april["drift_share"]
    assert "| 4 | v1.0.0 |" in done.stdout
    assert (out / "simulation.png").stat().st_size > 1000
    assert not list(tmp_path.glob("simulate-*"))  # the sandbox is gone
