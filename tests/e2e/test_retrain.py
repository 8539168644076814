"""`make retrain` in a scratch repo on the tests' own dataset (tests/synthetic.py: orders
by week): a newer week than the test week arrives, its distances in miles."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from tests import synthetic
from tests.conftest import make, repro_and_commit, run

pytestmark = pytest.mark.e2e
SPLIT = {"train": [1, 2, 3, 4, 5, 6], "valid": [7], "test": [8]}
CONF = {
    "dataset/orders.yaml": {
        "data": {"keep": {"week": list(range(1, 10))}},  # week 9: newer than the test week
        "split": SPLIT,
    },
    "monitor/default.yaml": {"drift_share": 0.1},  # one drifted input in 7 is enough
}


def test_a_drifted_new_week_moves_the_window_retrains_and_passes_the_gate(tmp_path):
    repo = synthetic.scratch_repo(tmp_path / "repo", tracked=False, conf_changes=CONF)
    source = repo / "data/source/orders/orders.csv"
    orders = pd.read_csv(source)
    newest = orders["week"] == 9
    orders.loc[newest] = synthetic.hook().simulated_drift(orders.loc[newest])  # miles
    orders.to_csv(source, index=False)
    repro_and_commit(repo, "main: trained on weeks 1-6, week 9's distances in miles")
    outputs = tmp_path / "github_output"
    done = make(repo, "retrain", f"GITHUB_OUTPUT={outputs}")
    out = done.stdout + done.stderr
    assert "retrain: week [9]:" in out and "features drifted" in out
    spec = yaml.safe_load((repo / "conf/dataset/orders.yaml").read_text())
    assert spec["split"] == {"kind": "ordered", "column": "week", "train": [1, 2, 3, 4, 5, 6, 7],
                             "valid": [8], "test": [9]}  # fmt: skip
    assert "valid rows moved (week [7] -> week [8]): HEAD's model scored on the" in out
    assert "gate: PASS" in out, out
    assert outputs.read_text().splitlines() == ["retrain=true", "branch=retrain/week-9"]
    report = json.loads((repo / "reports/monitoring/drift.json").read_text())
    assert report["retrain"] and report["rows"]["current"] > 200
    text = (repo / "reports/retrain/pr.md").read_text()
    assert text.startswith("week [9] drifted from the training data")
    assert "Training window: [1, 2, 3, 4, 5, 6] -> [1, 2, 3, 4, 5, 6, 7]" in text
    assert "| roc_auc |" in text
    metrics = json.loads((repo / "metrics/metrics.json").read_text())
    assert metrics["test"]["rows"] > 200  # the model was tested on week 9

    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "retrained on weeks 1-7")
    again = make(repo, "retrain", f"GITHUB_OUTPUT={outputs}")
    assert "no data after the test weeks [9]; nothing to do" in again.stderr
    assert outputs.read_text().splitlines()[-1] == "retrain=false"
