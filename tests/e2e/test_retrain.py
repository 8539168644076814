"""`make retrain` in a scratch repo: a newer month than the test months arrives."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.conftest import LOW_FLOOR, UNTRACKED_CONF, make, make_scratch_repo, repro_and_commit, run

pytestmark = pytest.mark.e2e
CONF = (
    UNTRACKED_CONF
    | LOW_FLOOR
    | {
        "data/nycflights13.yaml": {"keep": {"month": [1, 2, 3, 4]}},  # April: newer than the test
        "monitor/default.yaml": {"drift_share": 0.05},  # one drifted feature in 18 is enough
    }
)


def test_a_drifted_new_month_moves_the_window_retrains_and_passes_the_gate(tmp_path):
    repo = make_scratch_repo(tmp_path / "repo", CONF)
    repro_and_commit(repo, "main: trained on January")
    outputs = tmp_path / "github_output"
    done = make(repo, "retrain", f"GITHUB_OUTPUT={outputs}")
    out = done.stdout + done.stderr
    assert "retrain: month [4]:" in out and "features drifted" in out
    split = yaml.safe_load((repo / "conf/split/by_month.yaml").read_text())
    assert split == {"kind": "ordered", "column": "month", "train": [1, 2], "valid": [3],
                     "test": [4]}  # fmt: skip
    assert "valid rows moved (month [2] -> month [3]): HEAD's model scored on the" in out
    assert "gate: PASS" in out
    assert outputs.read_text().splitlines() == ["retrain=true", "branch=retrain/month-4"]
    report = json.loads((repo / "reports/monitoring/drift.json").read_text())
    assert report["retrain"] and report["rows"]["current"] > 20_000
    text = (repo / "reports/retrain/pr.md").read_text()
    assert text.startswith("month [4] drifted from the training data")
    assert "Training window: [1] -> [1, 2]" in text and "| roc_auc |" in text
    metrics = json.loads((repo / "metrics/metrics.json").read_text())
    assert metrics["test"]["rows"] > 20_000  # the model was tested on April

    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "retrained on January and February")
    again = make(repo, "retrain", f"GITHUB_OUTPUT={outputs}")
    assert "no data after the test months [4]; nothing to do" in again.stderr
    assert outputs.read_text().splitlines()[-1] == "retrain=false"
