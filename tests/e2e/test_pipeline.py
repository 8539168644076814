"""`dvc repro` and `dvc exp run` in a scratch copy of the repo, on a small dataset the
test declares as an adopter would (tests/synthetic.py: orders of a few shops, split by
week), so that nothing here leans on the shipped examples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from flight_delay.infra.params import edit_conf
from tests import synthetic
from tests.conftest import (
    lock_hashes,
    make_scratch_repo,
    ran_stages,
    repro_and_commit,
    run,
)

pytestmark = pytest.mark.e2e
ALL_STAGES = {
    "compose", "ingest", "validate", "prepare", "featurize", "train", "evaluate"
}  # fmt: skip


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    evaluate = {"permutation_max_rows": 500, "permutation_repeats": 1, "shap_max_rows": 100}
    repo = make_scratch_repo(  # synthetic.install composes params
        tmp_path_factory.mktemp("pipeline"), {"evaluate/default.yaml": evaluate}, compose=False
    )
    synthetic.install(repo)
    first = repro_and_commit(repo, "first reproduction")  # the state `reset` returns to
    return repo, first


def params(repo: Path) -> dict:
    return yaml.safe_load((repo / "params.yaml").read_text())


def newest_run(repo: Path):
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{repo / 'mlflow.db'}")
    experiment = client.get_experiment_by_name(params(repo)["tracking"]["experiment_name"])
    return client.search_runs([experiment.experiment_id], order_by=["start_time DESC"])[0]


def reset(repo: Path) -> None:
    """Back to the committed state: params, conf and outputs as in dvc.lock."""
    run(repo, "git", "checkout", "--", ".")
    run(repo, "dvc", "checkout", "--force")


def test_repro_runs_every_stage_on_the_composed_config(pipeline):
    repo, first = pipeline
    assert ran_stages(first) == ALL_STAGES
    assert params(repo)["split"]["test"] == [11, 12]  # the chosen spec reached params.yaml
    metrics = json.loads((repo / "metrics/metrics.json").read_text())
    assert 0.6 < metrics["test"]["roc_auc"] < 0.9
    assert metrics["test"]["rows"] > 400
    for image in (
        "roc",
        "precision_recall",
        "calibration",
        "confusion_matrix",
        "feature_importance",
        "group_importance",
        "shap_summary",
    ):
        assert (repo / f"plots/images/{image}.png").read_bytes()[:4] == b"\x89PNG"
    groups = pd.read_csv(repo / "plots/group_importance.csv")
    # the spec's groups, then each input in no group as its own
    assert set(groups["group"]) == {"route", "load", "hour", "evening", "weekday"}
    assert groups["mean_abs_shap"].notna().all()
    shap = pd.read_csv(repo / "plots/shap_importance.csv")
    assert len(shap) == 7 and (shap["mean_abs_shap"] >= 0).all()
    card = json.loads((repo / "reports/dataset-card.json").read_text())
    assert card["splits"]["test"]["values"] == [11, 12]
    report = json.loads((repo / "reports/validation.json").read_text())
    assert report["passed"] is True
    [warning] = report["tables"]["orders"]["warnings"]  # the planted 900 km
    assert warning["column"] == "distance_km" and warning["failures"] == 1
    slices = json.loads((repo / "metrics/slices.json").read_text())
    assert set(slices) == {"region"} and set(slices["region"]) == {"north", "south", "east"}


def test_dvc_plots_resolve_every_declared_plot(pipeline):
    repo, _ = pipeline
    shown = json.loads(run(repo, "dvc", "plots", "show", "--json").stdout)
    names = set(shown.get("data", shown))
    expected = {"ROC (test)", "Precision-recall (test)", "Calibration (test)"}
    assert expected | {"Permutation importance"} <= names
    assert any(name.endswith("roc.png") for name in names)


def test_mlflow_run_carries_lineage_and_metrics(pipeline):
    repo, _ = pipeline
    from flight_delay.infra.io import file_md5

    latest = newest_run(repo)
    head = run(repo, "git", "rev-parse", "HEAD~1").stdout.strip()  # trained before the commit
    assert latest.data.tags["git_commit"] == head
    assert latest.data.tags["model_md5"] == lock_hashes(repo)["train:models/model.skops"]
    train_file = repo / "data/features/train.parquet"
    assert latest.data.tags["dvc_md5:data/features/train.parquet"] == file_md5(train_file)
    metrics = json.loads((repo / "metrics/metrics.json").read_text())
    assert latest.data.metrics["test_roc_auc"] == pytest.approx(metrics["test"]["roc_auc"])
    assert latest.data.params["model.name"] == "hist_gradient_boosting"


def test_mlflow_model_is_the_dvc_model(pipeline):
    repo, _ = pipeline
    import mlflow
    import pandas as pd

    from flight_delay.infra.persistence import load_model

    mlflow.set_tracking_uri(f"sqlite:///{repo / 'mlflow.db'}")
    logged = mlflow.sklearn.load_model(f"runs:/{newest_run(repo).info.run_id}/model")
    test = pd.read_parquet(repo / "data/features/test.parquet").head(200)
    columns = [c for c in logged.feature_names_in_]
    expected = load_model(repo / "models/model.skops").predict_proba(test[columns])
    assert (logged.predict_proba(test[columns]) == expected).all()


def test_second_repro_is_a_no_op(pipeline):
    repo, _ = pipeline
    again = run(repo, "dvc", "repro")
    assert ran_stages(again) == set()
    assert "up to date" in run(repo, "dvc", "status").stdout


def test_forced_rerun_reproduces_every_output_hash(pipeline):
    repo, _ = pipeline
    before = lock_hashes(repo)
    run(repo, "dvc", "repro", "--force")
    assert lock_hashes(repo) == before


def test_model_param_change_reruns_exactly_train_and_evaluate(pipeline):
    repo, _ = pipeline
    done = run(repo, "dvc", "exp", "run", "-S", "model.learning_rate=0.05")
    assert ran_stages(done) == {"train", "evaluate"}
    assert params(repo)["model"]["learning_rate"] == 0.05
    assert newest_run(repo).data.params["model.learning_rate"] == "0.05"
    reset(repo)


def test_temp_dir_experiment_switches_model_group_and_logs_to_the_repo_store(pipeline):
    repo, _ = pipeline
    done = run(repo, "dvc", "exp", "run", "--temp", "-n", "temp-logreg",
               "-S", "model=logistic_regression")  # fmt: skip
    assert {"train", "evaluate"} <= ran_stages(done) and "compose" not in ran_stages(done)
    latest = newest_run(repo)  # in the repo's mlflow.db, not the deleted temp copy
    assert latest.data.tags["dvc_exp_name"] == "temp-logreg"
    trained = latest.data.params
    assert (trained["model.name"], trained["model.C"]) == ("logistic_regression", "1.0")
    artifacts = Path(latest.info.artifact_uri.removeprefix("file://"))
    assert artifacts.is_relative_to(repo / "mlruns") and (artifacts / "plots/roc.png").exists()
    assert "temp-logreg" in run(repo, "dvc", "exp", "show", "--md").stdout
    assert params(repo)["model"]["name"] == "hist_gradient_boosting"  # the workspace kept its


def test_conf_edit_reaches_training_with_plain_repro(pipeline):
    repo, _ = pipeline
    edit_conf(repo / "conf/model/hist_gradient_boosting.yaml", {"max_iter": 30})
    done = run(repo, "dvc", "repro")
    assert ran_stages(done) == {"compose", "train", "evaluate"}
    assert params(repo)["model"]["max_iter"] == 30
    assert newest_run(repo).data.params["model.max_iter"] == "30"
    reset(repo)


def test_exp_run_override_survives_a_simultaneous_conf_edit(pipeline):
    repo, _ = pipeline
    edit_conf(repo / "conf/model/hist_gradient_boosting.yaml", {"max_iter": 40})
    run(repo, "dvc", "exp", "run", "-S", "model.learning_rate=0.07")
    assert params(repo)["model"]["max_iter"] == 40
    assert params(repo)["model"]["learning_rate"] == 0.07
    trained = newest_run(repo).data.params
    assert (trained["model.max_iter"], trained["model.learning_rate"]) == ("40", "0.07")
    reset(repo)


def test_unknown_model_key_fails_at_start_naming_the_key(pipeline):
    repo, _ = pipeline
    done = run(repo, "dvc", "exp", "run", "-S", "+model.depth=3", check=False)
    assert done.returncode != 0
    assert "model.depth: Extra inputs are not permitted" in done.stderr
    assert "Traceback" not in done.stderr
    reset(repo)


def refused_experiment(repo: Path, override: str) -> str:
    """`dvc exp run -S override`, which must fail and change nothing; what it printed."""
    before = lock_hashes(repo)
    done = run(repo, "dvc", "exp", "run", "-S", override, check=False)
    reset(repo)
    assert done.returncode != 0 and lock_hashes(repo) == before
    return done.stderr


def test_a_label_rule_that_leaves_one_class_stops_prepare_naming_the_keys(pipeline):
    said = refused_experiment(pipeline[0], "label.threshold=1000")
    assert "prepare: every train row is labelled 0 (on time)" in said
    assert "check label.source and label.threshold or label.values" in said


def test_a_split_value_absent_from_the_data_stops_prepare_naming_it(pipeline):
    said = refused_experiment(pipeline[0], "split.test=[11,12,13]")
    assert "prepare: split.test: [13] have no labelled rows in column 'week'" in said


def test_default_remote_round_trip_without_credentials(pipeline):
    repo, _ = pipeline
    reset(repo)
    run(repo, "dvc", "push")
    shutil.rmtree(repo / ".dvc/cache")
    for raw in (repo / "data/raw").glob("*.parquet"):
        raw.unlink()
    shutil.rmtree(repo / "data/prepared")
    shutil.rmtree(repo / "data/features")
    (repo / "models/model.skops").unlink()
    run(repo, "dvc", "pull")
    assert "up to date" in run(repo, "dvc", "status").stdout
    assert (repo / "dvc-storage").is_dir()  # the remote configured in the first commit
