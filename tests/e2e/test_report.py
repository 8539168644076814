"""`make report` and `make gate` in a scratch repo on the tests' own dataset
(tests/synthetic.py: orders by week): a base commit on main, then a PR branch that changes
one model parameter and re-runs the pipeline."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from flight_delay.infra.params import edit_conf
from tests import synthetic
from tests.conftest import make, ran_stages, repro_and_commit, run

pytestmark = pytest.mark.e2e
IMAGES = {"roc", "precision_recall", "calibration", "confusion_matrix", "feature_importance"}


@pytest.fixture(scope="module")
def pr_repo(tmp_path_factory):
    repo = synthetic.scratch_repo(tmp_path_factory.mktemp("report"), tracked=False)
    repro_and_commit(repo, "base: the pipeline on main")
    run(repo, "git", "checkout", "-qb", "faster-learning")
    edit_conf(repo / "conf/model/hist_gradient_boosting.yaml", {"learning_rate": 0.3})
    rerun = repro_and_commit(repo, "PR: learning rate 0.3")
    return repo, rerun


def metrics(repo: Path, rev: str | None = None) -> dict:
    if rev:
        return json.loads(run(repo, "git", "show", f"{rev}:metrics/metrics.json").stdout)
    return json.loads((repo / "metrics/metrics.json").read_text())


def test_report_shows_the_changed_param_reran_stages_and_metric_deltas(pr_repo):
    repo, rerun = pr_repo
    assert ran_stages(rerun) == {"compose", "train", "evaluate"}
    start = time.perf_counter()
    done = make(repo, "report")
    print(f"make report took {time.perf_counter() - start:.1f} s")
    assert "report: wrote reports/pr/report.md (compared with main)" in done.stdout
    report = (repo / "reports/pr/report.md").read_text()
    assert "| model.learning_rate | `0.1` | `0.3` |" in report
    assert re.search(r"re-ran: [\w, ]*\btrain, evaluate\b", report)
    assert not re.search(r"re-ran: .*\b(ingest|prepare|featurize)\b", report)
    base, new = metrics(repo, "main")["test"], metrics(repo)["test"]
    assert base["roc_auc"] != new["roc_auc"]
    # both models scored on the PR's rows: the recorded values, each change's interval
    row = re.escape(f"| roc_auc | {base['roc_auc']:.4f} | {new['roc_auc']:.4f} | ")
    interval = (r"\| \[([+-][\d.]+), ([+-][\d.]+)\] "
                r"\| (\*\*[▲▼] \w+, clear\*\*|[▲▼] \w+, within noise) \|")  # fmt: skip
    assert re.search(row + r"[+-][\d.]+ " + interval, report), report
    assert re.search(r"\| log_loss \| [\d.]+ \| [\d.]+ \| [+-]0\.0*[1-9]\d* " + interval, report)
    assert "1,000 paired bootstrap draws" in report
    assert "## Slices (test ROC AUC)" in report and "Ranked by evidence" in report
    assert re.search(r"\| region=\w+ \| [\d,]+ \| [\d.]+ \| [\d.]+ \| [+-][\d.]+ \| \[", report)
    gate_line = re.search(r"valid\.roc_auc [\d.]+ -> [\d.]+ \(([+-][\d.]+), 95% interval "
                          r"\[([+-][\d.]+), ([+-][\d.]+)\]", report)  # fmt: skip
    assert gate_line, report  # the gate's interval is the report's, same draws
    valid = report[report.index("**valid**") :]
    assert f"| {gate_line[1]} | [{gate_line[2]}, {gate_line[3]}] |" in valid
    for image in IMAGES:
        assert (repo / f"reports/pr/{image}.png").read_bytes()[:4] == b"\x89PNG"
        assert f"({image}.png)" in report
    assert "No baseline" not in report


def base_with_gate(repo: Path, worktrees: Path, name: str, **thresholds) -> str:
    """A branch off main whose params.yaml holds these gate thresholds (the gate reads
    its thresholds from the base, so that a PR cannot loosen them)."""
    tree = worktrees / name
    run(repo, "git", "worktree", "add", "-q", "-b", name, str(tree), "main")
    gate = yaml.safe_load((tree / "params.yaml").read_text())["gate"]
    edit_conf(tree / "params.yaml", {"gate": gate | thresholds})
    run(tree, "git", "commit", "-qam", f"gate thresholds {thresholds}")
    return name


def test_gate_verdict_follows_the_base_thresholds(pr_repo, tmp_path):
    repo, _ = pr_repo
    base, new = metrics(repo, "main")["valid"]["roc_auc"], metrics(repo)["valid"]["roc_auc"]
    drop = base - new
    lenient = base_with_gate(repo, tmp_path, "lenient", tolerance=max(drop, 0) + 0.01,
                             floor=new - 0.01)  # fmt: skip
    passed = make(repo, "gate", f"BASE={lenient}")
    assert f"gate: PASS valid.roc_auc {base:.4f} -> {new:.4f}" in passed.stdout
    valid_rows = len(pd.read_parquet(repo / "data/features/valid.parquet"))
    assert f"both models scored on the candidate's {valid_rows:,} valid rows" in passed.stdout
    assert re.search(r"95% interval \[[+-][\d.]+, [+-][\d.]+\] on [\d,]+ rows", passed.stdout)
    if drop > 0:  # the PR made the model worse: a tighter tolerance refuses it
        tolerance = round(drop / 2, 6)
        judged = base_with_gate(repo, tmp_path, "judged", tolerance=tolerance, floor=None)
        verdict = make(repo, "gate", f"BASE={judged}", check=False)
        said = verdict.stdout + verdict.stderr  # the interval decides: clear, or not
        assert ("clearly worse" in said and verdict.returncode != 0) or (
            "inconclusive" in said and verdict.returncode == 0
        ), said
        strict = base_with_gate(repo, tmp_path, "strict", tolerance=tolerance, floor=None,
                                resamples=0)  # the point estimates alone  # fmt: skip
        expected = f"a regression of more than the tolerance {tolerance}"
    else:  # the PR is no worse: a floor above it refuses it
        floor = round(new + 0.01, 4)
        strict = base_with_gate(repo, tmp_path, "strict", floor=floor)
        expected = f"is worse than the floor {floor}"
    refused = make(repo, "gate", f"BASE={strict}", check=False)
    assert refused.returncode != 0 and expected in refused.stderr


def test_report_and_gate_without_a_baseline(pr_repo):
    repo, _ = pr_repo
    make(repo, "report", "BASE=no-such-branch")
    report = (repo / "reports/pr/report.md").read_text()
    assert "No baseline: `no-such-branch` (git does not know it)" in report
    assert "Not compared: git does not know `no-such-branch`." in report
    gate = make(repo, "gate", "BASE=no-such-branch", check=False)
    assert "no baseline, only the floor applies" in gate.stdout
    floor = synthetic.SPEC["gate"]["floor"]  # the dataset spec's
    above_floor = metrics(repo)["valid"]["roc_auc"] >= floor
    assert (gate.returncode == 0) == above_floor, gate.stdout + gate.stderr


def test_report_against_a_base_without_metrics_and_with_plot_files_missing(pr_repo, tmp_path):
    repo, _ = pr_repo
    worktree = tmp_path / "bare-main"
    run(repo, "git", "worktree", "add", "-q", "-b", "bare", str(worktree), "main")
    run(worktree, "git", "rm", "-q", "-r", "metrics", "plots")
    run(worktree, "git", "commit", "-qm", "a base without metrics or plots")
    (repo / "plots/roc.csv").unlink()
    try:
        make(repo, "report", "BASE=bare")
        report = (repo / "reports/pr/report.md").read_text()
    finally:
        run(repo, "git", "checkout", "--", "plots/roc.csv")
    assert "No baseline: `bare` (it has no metrics yet)" in report
    assert "- ROC curve: not drawn (no plots/roc.csv in the workspace)" in report
    assert "bare: metrics/metrics.json (not found)" in report
    assert "![Calibration](calibration.png)" in report
    assert not (repo / "reports/pr/roc.png").exists()  # no stale image from an earlier run


def test_ci_repro_pulls_from_the_remote_so_unchanged_stages_do_not_rerun(pr_repo, tmp_path):
    repo, _ = pr_repo
    run(repo, "dvc", "push")  # what a team's main branch CI would have done
    clone = tmp_path / "ci-checkout"
    run(tmp_path, "git", "clone", "-q", str(repo), str(clone))
    run(clone, "dvc", "remote", "modify", "--local", "local", "url", str(repo / "dvc-storage"))
    keys = ("DVC_REMOTE=local", "AWS_ACCESS_KEY_ID=present")
    done = make(clone, "ci-repro", *keys)
    assert ran_stages(done) <= {"compose"}, done.stdout  # the rest came from the remote
    assert (clone / "models/model.skops").is_file()
    assert json.loads((clone / "metrics/metrics.json").read_text()) == metrics(repo)


def test_a_moved_validation_window_is_judged_on_the_same_rows(pr_repo, tmp_path):
    from sklearn.metrics import roc_auc_score

    from flight_delay.infra.persistence import load_model

    repo, _ = pr_repo
    run(repo, "git", "checkout", "-qb", "next-window", "main")
    try:
        split = {"train": list(range(1, 10)), "valid": [10, 11], "test": [12]}
        edit_conf(repo / "conf/dataset/orders.yaml", {"split": split})
        run(repo, "dvc", "repro")
        done = make(repo, "gate", "BASE=main", check=False)
        base_model = tmp_path / "base.skops"
        run(repo, "dvc", "get", ".", "models/model.skops", "--rev", "main", "-o", str(base_model))
        valid = __import__("pandas").read_parquet(repo / "data/features/valid.parquet")
        model = load_model(base_model)
        expected = roc_auc_score(valid["late"], model.predict_proba(
            valid[list(model.feature_names_in_)])[:, 1])  # fmt: skip
    finally:
        run(repo, "git", "checkout", "-qf", "faster-learning")
        run(repo, "dvc", "checkout", "-q", check=False)
    out = done.stdout + done.stderr
    assert (
        "valid rows moved (week [9, 10] -> week [10, 11]): main's model scored on the candidate's"
        in out
    )
    assert f"valid.roc_auc {expected:.4f} -> " in out
