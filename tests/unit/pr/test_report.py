from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from flight_delay.core.compare import GateResult
from flight_delay.pr.report import draw_images
from flight_delay.pr.report_markdown import Context, build_report
from flight_delay.revisions.recorded_outputs import (
    RecordedOutputs,
    read_outputs,
    workspace_reader,
)
from tests import synthetic

DATASET = synthetic.spec()  # the tests' own orders: label `late`, classes "on time", "late"

ROC = pd.DataFrame({"fpr": [0.0, 0.5, 1.0], "tpr": [0.0, 0.7, 1.0]})
PR_CURVE = pd.DataFrame({"recall": [1.0, 0.5, 0.0], "precision": [0.25, 0.4, 1.0]})
CALIBRATION = pd.DataFrame({"mean_predicted": [0.1, 0.5], "fraction_positive": [0.12, 0.45]})
IMPORTANCE = pd.DataFrame({"feature": ["hour", "region"], "importance_mean": [0.05, 0.01]})
COUNTS = {"tn": 50, "fp": 10, "fn": 5, "tp": 20}


def snapshot(name: str, roc_auc: float, learning_rate: float = 0.1, **changes) -> RecordedOutputs:
    fields = {
        "metrics": {"test": {"roc_auc": roc_auc, "rows": 85, **COUNTS},
                    "valid": {"roc_auc": roc_auc - 0.01}},
        "slices": {"region": {"north": {"roc_auc": roc_auc, "rows": 500}}},
        "splits": {"train": {"rows": 100, "late_rate": 0.25, "values": [1]}},
        "validation": {"passed": True, "tables": {}},
        "lock": {"stages": {"train": {"params": {"model.learning_rate": learning_rate}}}},
        "params": {"evaluate": {"decision_threshold": 0.3}},
        "curves": {"roc": ROC, "precision_recall": PR_CURVE, "calibration": CALIBRATION,
                   "feature_importance": IMPORTANCE},
    }  # fmt: skip
    return RecordedOutputs(name=name, **(fields | changes))


CONTEXT = Context(
    base_ref="main",
    base_commit="0123456789abcdef",
    label="late",
    params_diff={"params.yaml": {"model.learning_rate": {"old": 0.1, "new": 0.2}}},
    gate=GateResult(True, "gate: PASS test.roc_auc 0.7000 -> 0.7100 (+0.0100, tolerance 0.005)"),
)


def test_report_shows_metric_deltas_params_stages_and_the_gate():
    base, new = snapshot("main", 0.70), snapshot("PR", 0.71, learning_rate=0.2)
    report = build_report(base, new, CONTEXT, {"ROC curve": "roc.png"})
    assert "compared with `main` (`0123456789`)" in report
    assert "**gate: PASS test.roc_auc 0.7000 -> 0.7100" in report
    assert "| roc_auc | 0.7000 | 0.7100 | +0.0100 | ▲ better |" in report
    assert "**valid**\n\n| metric |" in report
    assert "| model.learning_rate | `0.1` | `0.2` |" in report
    assert "re-ran: train" in report
    assert "| region=north | 500 | 0.7000 | 0.7100 | +0.0100 |" in report
    assert "![ROC curve](roc.png)" in report
    assert "No baseline" not in report


def test_report_without_a_baseline_says_so_and_shows_the_pr_alone():
    no_ref = Context("main", None, "late", "Not compared: git does not know `main`.", None)
    report = build_report(None, snapshot("PR", 0.71), no_ref, {})
    assert "No baseline: `main` (git does not know it)" in report
    assert "| roc_auc | — | 0.7100 | — |  |" in report
    assert "Not compared: git does not know `main`." in report
    assert "No base dvc.lock to compare with." in report


def test_report_on_a_base_without_metrics_or_with_another_pipeline():
    empty_base = RecordedOutputs(name="main", missing=("metrics/metrics.json (not found)",))
    report = build_report(empty_base, snapshot("PR", 0.71), CONTEXT, {})
    assert "No baseline: `main` (it has no metrics yet)" in report
    assert "main: metrics/metrics.json (not found)" in report
    other = RecordedOutputs(
        name="main",
        metrics={"accuracy": 0.9},  # flat, no splits: an older pipeline
        lock={"stages": {"fit": {}}},
        splits={"everything": "not a mapping"},
    )
    report = build_report(other, snapshot("PR", 0.71), CONTEXT, {})
    assert "new: train" in report and "removed: fit" in report
    assert "| roc_auc | — | 0.7100 |" in report


def test_report_names_images_that_could_not_be_drawn():
    report = build_report(None, snapshot("PR", 0.7), CONTEXT, {"ROC curve": "no plots/roc.csv"})
    assert "- ROC curve: not drawn (no plots/roc.csv)" in report


def test_draw_images_overlays_both_sides_and_skips_missing_data(tmp_path):
    images = draw_images(snapshot("main", 0.7), snapshot("PR", 0.71), tmp_path, DATASET)
    assert images.pop("SHAP values") == "no plots/images/shap_summary.png in the workspace"
    assert set(images.values()) == {
        "roc.png", "precision_recall.png", "calibration.png", "confusion_matrix.png",
        "feature_importance.png",
    }  # fmt: skip
    for name in images.values():
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    bare = RecordedOutputs(name="PR", metrics={"test": {"roc_auc": 0.7}})
    (tmp_path / "bare").mkdir()
    images = draw_images(None, bare, tmp_path / "bare", DATASET)
    assert images["ROC curve"] == "no plots/roc.csv in the workspace"
    assert images["Confusion matrix"] == "no test counts in metrics/metrics.json"
    assert list((tmp_path / "bare").glob("*.png")) == []


def write(root: Path, name: str, text: str) -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)


def test_read_outputs_keeps_what_parses_and_names_the_rest(tmp_path):
    write(tmp_path, "metrics/metrics.json", json.dumps({"test": {"roc_auc": 0.7}}))
    write(tmp_path, "metrics/slices.json", "{not json")
    write(tmp_path, "reports/splits.json", "[1, 2]")
    write(tmp_path, "plots/roc.csv", "fpr,tpr\n0,0\n1,1\n")
    write(tmp_path, "plots/calibration.csv", "x,y\n0,0\n")
    found = read_outputs("PR", workspace_reader(tmp_path))
    assert found.metrics == {"test": {"roc_auc": 0.7}}
    assert list(found.curves) == ["roc"]
    assert found.slices == {} and found.splits == {}
    missing = "\n".join(found.missing)
    assert "metrics/slices.json (unreadable:" in missing
    assert "reports/splits.json (unreadable: expected a mapping, found list)" in missing
    assert "plots/calibration.csv (unreadable: no column" in missing
    assert "dvc.lock (not found)" in missing


@pytest.mark.parametrize("column", ["fpr", "tpr"])
def test_a_curve_without_its_columns_is_not_drawn(tmp_path, column):
    write(tmp_path, "plots/roc.csv", f"{column}\n0\n1\n")
    assert "roc" not in read_outputs("PR", workspace_reader(tmp_path)).curves


def test_odd_shapes_from_a_base_or_workspace_give_a_report_not_a_traceback(tmp_path):
    odd = {
        "metrics": {"test": {"roc_auc": "high", "tn": None, "fp": 1, "fn": 2, "tp": 3}},
        "slices": {"region": ["north"]},
        "splits": {"train": {"rows": "many", "values": 3}, "extra": None},
        "validation": {"passed": "yes", "tables": ["orders"]},
        "lock": {"stages": ["train"]},
        "params": {"evaluate": "default", "gate": "strict"},
        "curves": {"feature_importance": pd.concat([IMPORTANCE, IMPORTANCE])},
    }
    base = RecordedOutputs(name="main", **odd)
    new = snapshot("PR", 0.7, splits=odd["splits"], validation={"tables": {"x": None}})
    diff = {"params.yaml": {"a": {"old": 1, "new": 2}}, "other.yaml": ["not", "a", "dict"]}
    context = Context("main", "abc", "late", diff, None)
    images = draw_images(base, new, tmp_path, DATASET)
    report = build_report(base, new, context, images)
    assert images["Feature importance"] == "feature_importance.png"  # duplicates tolerated
    assert images["Confusion matrix"] == "confusion_matrix.png"  # base counts invalid: PR only
    assert "| a (params.yaml) | `1` | `2` |" in report
    assert "| extra | — | — | — | — | — |" in report
    assert "Validation **FAILED**." in report
    assert "Not shown" not in report and "Traceback" not in report
    broken = build_report(
        base, new, Context("main", "abc", "late", diff, None), {"ROC curve": None}
    )
    assert "## Plots\n\nNot shown: AttributeError" in broken  # one section fails, not all
    assert "## Data" in broken


def test_a_pr_that_changes_the_gate_thresholds_is_flagged():
    diff = {"params.yaml": {"gate.tolerance": {"old": 0.005, "new": 0.05}}}
    report = build_report(None, snapshot("PR", 0.7), Context("main", None, "late", diff, None), {})
    assert "**Note:** this PR changes the gate's own thresholds." in report


def test_long_lists_are_cut_with_a_count():
    diff = {"params.yaml": {f"p{i:02}": {"old": i, "new": i + 1} for i in range(30)}}
    report = build_report(None, snapshot("PR", 0.7), Context("main", None, "late", diff, None), {})
    assert "| p19 |" in report and "| p20 |" not in report
    assert "- ... and 10 more" in report


def test_params_diff_failure_is_a_line_in_the_report(tmp_path):
    from flight_delay.pr.report import params_diff

    assert params_diff(None, "main", tmp_path) == "Not compared: git does not know `main`."
    failed = params_diff("0" * 40, "main", tmp_path)  # not a DVC repository
    assert failed.startswith("Not compared: `dvc params diff` failed (")


def test_the_mlflow_link_never_carries_credentials_and_never_raises(monkeypatch):
    from flight_delay.infra.tracking import without_credentials
    from flight_delay.pr.report import mlflow_link

    url = "https://bot:s3cret@mlflow.example.com:8443/#/experiments/1/runs/abc"
    assert without_credentials(url) == "https://mlflow.example.com:8443/#/experiments/1/runs/abc"
    assert without_credentials("sqlite:////abs/mlflow.db") == "sqlite:////abs/mlflow.db"
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert mlflow_link(snapshot("PR", 0.7)) is None  # local store: no link
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    assert mlflow_link(snapshot("PR", 0.7, lock={"stages": {"train": None}})) is None


GROUPS = pd.DataFrame({"group": ["weather", "plane"], "importance_mean": [0.11, 0.001],
                       "mean_abs_shap": [0.46, 0.04]})  # fmt: skip
SHAP = pd.DataFrame({"feature": ["hour", "staff"], "mean_abs_shap": [0.45, 0.28]})


def card(md5: str, overrides: int) -> dict:
    return {
        "files": {"data/prepared/train.parquet": md5, "data/labels/orders.csv": "x"},
        "label": {"column": "late", "overrides": "data/labels/orders.csv"},
        "splits": {"train": {"label_overrides": overrides}, "test": {"label_overrides": 1}},
    }


def test_report_shows_group_importance_shap_and_the_dataset_card_against_the_base():
    base = snapshot(
        "main",
        0.70,
        datacard=card("aaa", 0),
        curves={
            "group_importance": GROUPS.assign(importance_mean=[0.1, 0.002]).drop(
                columns="mean_abs_shap"
            )
        },
    )
    new = snapshot(
        "PR",
        0.71,
        datacard=card("bbb", 2),
        curves={"group_importance": GROUPS, "shap_importance": SHAP},
    )
    context = Context("main", "abc", "late", {}, None, card_link="https://example.com/card.md")
    report = build_report(base, new, context, {})
    assert "| weather | 0.1000 | 0.1100 | — | 0.4600 |" in report
    assert "| plane | 0.0020 | 0.0010 | — | 0.0400 |" in report
    assert "| hour | — | 0.4500 |" in report
    assert ("Dataset card: [reports/dataset-card.md](https://example.com/card.md) "
            "(changed: `data/prepared/train.parquet`); hand-set labels "
            "(data/labels/orders.csv): 3 (base 1)") in report  # fmt: skip


def test_report_without_a_card_or_importance_says_so():
    report = build_report(None, snapshot("PR", 0.7), CONTEXT, {})
    assert "No dataset card (reports/dataset-card.json) in the workspace." in report
    assert "No plots/group_importance.csv in the workspace." in report
    unchanged = snapshot("PR", 0.7, datacard=card("aaa", 0))
    report = build_report(snapshot("main", 0.7, datacard=card("aaa", 0)), unchanged, CONTEXT, {})
    assert "(data unchanged); hand-set labels (data/labels/orders.csv): 1" in report


def test_the_card_link_points_at_the_prs_head_on_github():
    from flight_delay.pr.report import card_link

    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r",
           "GITHUB_SHA": "merge", "PR_HEAD_SHA": "head"}  # fmt: skip
    assert card_link(env) == "https://github.com/o/r/blob/head/reports/dataset-card.md"
    assert card_link({}) == "reports/dataset-card.md"


def test_the_shap_image_of_the_workspace_is_copied(tmp_path):
    write(tmp_path, "plots/images/shap_summary.png", "\x89PNG fake")
    out = tmp_path / "out"
    out.mkdir()
    images = draw_images(None, snapshot("PR", 0.7), out, DATASET, root=tmp_path)
    assert images["SHAP values"] == "shap_summary.png"
    assert (out / "shap_summary.png").read_text() == "\x89PNG fake"


def test_report_with_intervals_marks_clear_changes_and_ranks_slices_by_evidence():
    import dataclasses

    import numpy as np

    from flight_delay.core.intervals import paired_deltas, slice_deltas

    rng = np.random.default_rng(0)
    truth = (rng.random(20_000) < 0.3).astype(float)
    good = np.clip(0.3 + 0.3 * (truth - 0.3) + rng.normal(scale=0.2, size=len(truth)), 0, 1)
    region = np.where(np.arange(len(truth)) < 19_940, "north", "south")  # south: 60 rows
    worse = good.copy()
    north = region == "north"
    worse[north] = np.clip(good[north] + rng.normal(scale=0.1, size=north.sum()), 0, 1)
    worse[~north] = 1 - good[~north]  # a large change on few rows
    frame = pd.DataFrame({"region": region})
    intervals = {"test": paired_deltas(["roc_auc", "precision"], truth, good, worse,
                                       resamples=200),
                 "valid": paired_deltas(["roc_auc"], truth, good, good, resamples=200)}  # fmt: skip
    slices = slice_deltas(frame, truth, good, worse, ["region"], resamples=200)
    context = dataclasses.replace(CONTEXT, intervals=intervals, slice_intervals=slices)
    report = build_report(snapshot("main", 0.70), snapshot("PR", 0.71), context, {})
    roc = intervals["test"]["roc_auc"]
    assert roc.excludes_zero and roc.delta < 0
    assert (f"| roc_auc | {roc.base:.4f} | {roc.new:.4f} | {roc.delta:+.4f} "
            f"| [{roc.low:+.4f}, {roc.high:+.4f}] | **▼ worse, clear** |") in report  # fmt: skip
    same = intervals["valid"]["roc_auc"]  # the valid split: the same model on both sides
    valid = report[report.index("**valid**") :]
    assert (
        f"| roc_auc | {same.base:.4f} | {same.new:.4f} | +0.0000 | [+0.0000, +0.0000] | = |"
        in valid
    )
    assert "95% interval of Δ from 200 paired bootstrap draws" in report
    assert "slices changed clearly; about 5% of slices look clear by chance alone" in report
    rows = [line for line in report.splitlines() if line.startswith("| region=")]
    north_row, south_row = rows  # the small slice after, though its change is larger
    assert north_row.startswith("| region=north | 19,940 |") and "**clear**" in north_row
    assert abs(slices[("region", "south")].delta) > abs(slices[("region", "north")].delta)
    assert south_row.startswith("| region=south | 60 |") and "small (< 100 rows)" in south_row
    assert "re-ran in this PR, so the base's model was scored on features" not in report
    rebuilt = snapshot("PR", 0.71, lock={"stages": {"featurize": {"outs": ["new"]},
                                                   "train": {"outs": ["new"]}}})  # fmt: skip
    old = snapshot("main", 0.70, lock={"stages": {"featurize": {"outs": ["old"]},
                                                  "train": {"outs": ["old"]}}})  # fmt: skip
    noted = build_report(old, rebuilt, context, {})
    assert "**Note:** featurize re-ran in this PR, so the base's model was scored on" in noted
    without = dataclasses.replace(CONTEXT, intervals="gate.resamples is 0")
    point = build_report(snapshot("main", 0.70), snapshot("PR", 0.71), without, {})
    assert "Recorded metrics, no intervals: gate.resamples is 0." in point
    assert "| roc_auc | 0.7000 | 0.7100 | +0.0100 | ▲ better |" in point
    assert "Largest recorded changes (no intervals)." in point
