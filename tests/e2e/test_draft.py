"""`make draft` on a CSV the test makes, in a scratch copy of the repo, as a user runs it:
the drafted spec and schema choose themselves, `make repro` runs the pipeline on them,
and the drafted dataset tests and the seam's tests pass on it."""

from __future__ import annotations

import json

from tests.conftest import VENV_BIN, make, make_scratch_repo, run
from tests.synthetic import QUICK_EVALUATE
from tests.tickets import tickets


def test_one_csv_becomes_a_running_pipeline(tmp_path):
    quick = {"evaluate/default.yaml": QUICK_EVALUATE, "tracking/local.yaml": {"enabled": False}}
    repo = make_scratch_repo(tmp_path / "repo", quick)
    csv = tmp_path / "drafted_tickets.csv"  # its name: not one an adopter's project has
    tickets(600).to_csv(csv, index=False)
    done = make(repo, "draft", f"CSV={csv}", "LABEL=resolution", "POSITIVE=escalated",
                "SPLIT=month")  # fmt: skip
    assert "WARNING escalation_cost: listed as leakage" in done.stderr
    assert "conf/config.yaml now chooses drafted_tickets" in done.stderr
    status = run(repo, "git", "status", "--porcelain").stdout
    for path in ("conf/dataset/drafted_tickets.yaml", "src/flight_delay/datasets/",
                 "data/source/", "tests/data/", "tests/model/"):  # fmt: skip
        assert path in status, status
    refused = make(repo, "draft", f"CSV={csv}", "LABEL=resolution", "POSITIVE=escalated",
                   check=False)  # fmt: skip
    assert refused.returncode != 0 and "exist already: nothing written" in refused.stderr

    run(repo, "dvc", "repro")
    metrics = json.loads((repo / "metrics/metrics.json").read_text())
    assert metrics["test"]["roc_auc"] > 0.6, metrics["test"]  # words and phone drive it
    splits = json.loads((repo / "reports/splits.json").read_text())
    assert splits["test"]["values"][-1] == int(tickets(600)["month"].max())
    tested = run(repo, str(VENV_BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                 "tests/data/drafted_tickets", "tests/model/drafted_tickets",
                 "tests/unit/datasets/test_seam.py", check=False)  # fmt: skip
    assert tested.returncode == 0, tested.stdout[-3000:]
