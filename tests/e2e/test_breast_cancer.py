"""The second shipped dataset (scikit-learn's breast cancer data: one table, no key, an
existing 0/1 label, a stratified split, numbers only) through the whole lifecycle, in a
scratch repo whose conf/config.yaml chooses it: repro, report, gate, register, assign,
promote, serve, predict, feedback, monitor and retrain, with the same commands as the
flights. Nothing but the choice of dataset changes.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from flight_delay.infra.processes import free_port, stop_child, wait_ready
from tests.conftest import (
    ARTIFACT,
    VENV_BIN,
    make,
    make_scratch_repo,
    repro_and_commit,
    run,
    scratch_env,
)

pytestmark = pytest.mark.e2e
SOURCE = "data/source/breast_cancer.csv"
SCALED = [f"{part}_{name}" for part in ("mean", "worst")
          for name in ("radius", "perimeter", "area", "texture")]  # fmt: skip


def post(url: str, rows: list[dict]) -> dict:
    request = urllib.request.Request(url, data=json.dumps(rows).encode(),
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def drifted_new_rows(repo: Path) -> pd.DataFrame:
    """Biopsies measured in another unit (sizes x1.5), with their diagnoses: the rows the
    clinic sends next, numbered after the source's own."""
    source = pd.read_csv(repo / SOURCE)
    new = source.sample(150, random_state=3).reset_index(drop=True)
    new[SCALED] = new[SCALED] * 1.5
    return new.assign(row_number=range(len(source), len(source) + len(new)))


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory):
    repo = make_scratch_repo(tmp_path_factory.mktemp("breast_cancer"), dataset="breast_cancer")
    seen: dict = {"repo": repo}
    seen["repro"] = repro_and_commit(repo, "the breast cancer dataset")
    first = {"metrics": "metrics/metrics.json", "splits": "reports/splits.json"}
    seen["first"] = {name: json.loads((repo / path).read_text()) for name, path in first.items()}
    seen["report"] = make(repo, "report", "BASE=main")
    seen["gate"] = make(repo, "gate", "BASE=main")
    make(repo, "register", "VERSION=v1.0.0")
    make(repo, "assign", "STAGE=prod")
    seen["promote"] = make(repo, "promote", f"TAG={ARTIFACT}#prod#1")
    test = pd.read_parquet(repo / "data/features/test.parquet")
    test.drop(columns="malignant").to_parquet(repo / "to-score.parquet")
    make(repo, "predict", "INPUT=to-score.parquet", "OUTPUT=scored.parquet")
    seen["scored"] = pd.read_parquet(repo / "scored.parquet")
    seen["test"] = test

    new = drifted_new_rows(repo)
    port, log = free_port(), repo / "data/predictions/predictions.sqlite"
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "flight_delay.operate.serve", "--stage", "prod",
         "--port", str(port), "--log", str(log)],
        cwd=repo, env=scratch_env(repo), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        wait_ready(port, process).close()
        rows = json.loads(new.drop(columns="malignant").to_json(orient="records"))
        seen["served"] = post(f"http://127.0.0.1:{port}/predict", rows)
    finally:
        stop_child(process)
    # the diagnoses arrive and the rows join the source, as the clinic's export grows
    source = pd.read_csv(repo / SOURCE)
    pd.concat([source, new.drop(columns="row_number")]).to_csv(repo / SOURCE, index=False)
    run(repo, "dvc", "repro", "ingest")  # the outcomes, as `make ci-repro` would ingest them
    seen["feedback"] = make(repo, "feedback")
    seen["monitor"] = make(repo, "monitor", "CURRENT=data/feedback/feedback.parquet")
    outputs = repo / "github-output.txt"
    seen["retrain"] = make(repo, "retrain", f"GITHUB_OUTPUT={outputs}", check=False)
    seen["outputs"] = outputs.read_text() if outputs.exists() else ""
    return seen


def test_the_pipeline_runs_on_the_spec_alone(lifecycle):
    repo = lifecycle["repo"]
    metrics, splits = lifecycle["first"]["metrics"], lifecycle["first"]["splits"]
    assert metrics["test"]["roc_auc"] > 0.95
    rates = [splits[name]["malignant_rate"] for name in ("train", "valid", "test")]
    assert max(rates) - min(rates) < 0.02  # stratified
    assert sum(splits[name]["rows"] for name in ("train", "valid", "test")) == 569
    raw = pd.read_parquet(repo / "data/raw/biopsies.parquet")
    assert raw.columns[0] == "row_number" and raw["row_number"].is_unique
    card = (repo / "reports/dataset-card.md").read_text()
    assert "**Label** `malignant`" in card and "## By" not in card


def test_report_gate_and_promotion_speak_of_the_datasets_classes(lifecycle):
    repo = lifecycle["repo"]
    report = (repo / "reports/pr/report.md").read_text()
    assert "malignant" in report and "delay" not in report.lower()
    assert "gate: PASS" in lifecycle["gate"].stdout
    # a dataset of another shape gets the intervals too, and says it has no slices
    assert "Both models scored on this PR's rows of each split" in report
    interval = r"\[[+-][\d.]+, [+-][\d.]+\]"
    assert re.search(r"\| roc_auc \| [\d.]+ \| [\d.]+ \| [+-][\d.]+ \| " + interval, report)
    assert "No slices to compare: no `evaluate.slice_columns` in the test features." in report
    card = (repo / f"reports/promotion/{ARTIFACT}_prod_1/model-card.md").read_text()
    assert "not a diagnostic device" in card  # the spec's intended use


def test_service_and_batch_scoring_name_the_positive_class_and_keep_the_row_number(lifecycle):
    predictions = lifecycle["served"]["predictions"]
    assert len(predictions) == 150
    assert all(set(p) == {"probability", "malignant"} for p in predictions)
    scored, test = lifecycle["scored"], lifecycle["test"]
    assert scored["row_number"].tolist() == test["row_number"].tolist()
    predicted = scored["predicted"].astype(int)
    assert (predicted == test["malignant"]).mean() > 0.9


def test_feedback_monitor_and_retrain_close_the_loop(lifecycle):
    repo = lifecycle["repo"]
    said = {step: lifecycle[step].stdout + lifecycle[step].stderr
            for step in ("feedback", "monitor", "retrain")}  # fmt: skip
    assert "labelled_rows 150" in said["feedback"]
    assert "RETRAIN" in said["monitor"]
    assert lifecycle["retrain"].returncode == 0, said["retrain"]
    assert "running the pipeline on the source as it now is" in said["retrain"]
    assert "retrain=true" in lifecycle["outputs"]
    splits = json.loads((repo / "reports/splits.json").read_text())
    assert sum(splits[name]["rows"] for name in ("train", "valid", "test")) == 569 + 150
    text = (repo / "reports/retrain/pr.md").read_text()
    assert "drifted from the training data" in text and "same seeded stratified split" in text


def test_the_replay_needs_a_time_order_and_says_so_before_it_clones(lifecycle, tmp_path):
    repo = lifecycle["repo"]
    done = make(repo, "simulate", check=False, env={"TMPDIR": str(tmp_path)})
    assert done.returncode != 0
    assert "simulate: split.kind is 'stratified': retraining on a newer window" in done.stderr
    assert not list(tmp_path.glob("simulate-*"))  # nothing cloned
    assert not (repo / "reports/simulation/simulation.json").exists()
