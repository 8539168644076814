"""`make simulate` on a short span of the tests' own dataset (tests/synthetic.py: orders by
week): the loop serves, logs, monitors, retrains, promotes."""

from __future__ import annotations

import json

import pytest

from tests import synthetic
from tests.conftest import ARTIFACT, make, run

pytestmark = pytest.mark.e2e


def test_planted_drift_fires_retraining_and_the_promoted_model_serves_next(tmp_path):
    repo = synthetic.scratch_repo(tmp_path / "repo")
    run(repo, "gto", "register", ARTIFACT, "--version", "v1.0.0")  # the sandbox has its own
    done = make(repo, "simulate", "FIRST=7", "LAST=8", "PLANT=7", "FLOOR=0.55")
    out = repo / "reports/simulation"
    replay = json.loads((out / "simulation.json").read_text())
    assert replay["column"] == "week"
    weeks = replay["windows"]
    assert [w["week"] for w in weeks] == [7, 8]
    planted, after = weeks
    assert planted["served_version"] == "v1.0.0" and planted["retrain"]
    assert planted["drifted_features"] == ["distance_km"]  # the miles, and nothing else
    assert 0.9 * synthetic.ORDERS_PER_WEEK < planted["rows_served"] <= synthetic.ORDERS_PER_WEEK
    assert 0.5 < planted["served_auc"] < 1, weeks
    assert planted["promoted"] == "v1.1.0", planted["gate"]  # more weeks, on the same rows
    # the window moved: v1.0.0 was scored on the candidate's validation week, not its own
    assert (
        "valid rows moved (week [5] -> week [6]): v1.0.0's model scored on the" in (planted["gate"])
    )
    assert after["served_version"] == "v1.1.0", weeks
    assert "distance_km" not in after["drifted_features"]
    assert "| 7 | v1.0.0 |" in done.stdout
    assert (out / "simulation.png").stat().st_size > 1000
    assert not list(tmp_path.glob("simulate-*"))  # the sandbox is gone
