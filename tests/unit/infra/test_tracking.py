from __future__ import annotations

import hashlib
import re
import subprocess
import sys

import pytest

from flight_delay.infra.config import TrackingConfig
from flight_delay.infra.tracking import (
    git_lineage,
    input_hashes,
    local_artifact_location,
    tracking_run,
    tracking_uri,
)

TRACKING = TrackingConfig(enabled=True, default_uri="sqlite:///mlflow.db", experiment_name="x")


def test_input_hashes_are_dvc_md5_tags(tmp_path):
    (tmp_path / "b.parquet").write_bytes(b"bbb")
    (tmp_path / "a.parquet").write_bytes(b"aaa")
    tags = input_hashes([tmp_path / "b.parquet", tmp_path / "a.parquet"])
    assert tags == {
        f"dvc_md5:{(tmp_path / 'a.parquet').as_posix()}": hashlib.md5(b"aaa").hexdigest(),
        f"dvc_md5:{(tmp_path / 'b.parquet').as_posix()}": hashlib.md5(b"bbb").hexdigest(),
    }
    assert list(tags) == sorted(tags)


def test_tracking_uri_honours_the_environment(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.example:5000")
    assert tracking_uri(TRACKING) == "http://mlflow.example:5000"


@pytest.mark.parametrize("value", [None, ""])
def test_tracking_uri_falls_back_to_the_config_from_the_repo_root(monkeypatch, tmp_path, value):
    if value is None:
        monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    else:
        monkeypatch.setenv("MLFLOW_TRACKING_URI", value)
    monkeypatch.setenv("DVC_ROOT", str(tmp_path))
    monkeypatch.chdir(tmp_path.parent)  # DVC_ROOT, not the cwd, is the repo root
    assert tracking_uri(TRACKING) == f"sqlite:///{tmp_path}/mlflow.db"


def test_relative_sqlite_store_is_in_the_cwd_outside_dvc(monkeypatch, tmp_path):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("DVC_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert tracking_uri(TRACKING) == f"sqlite:///{tmp_path.resolve()}/mlflow.db"


def test_absolute_sqlite_store_is_kept(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////srv/mlflow/runs.db")
    monkeypatch.setenv("DVC_ROOT", "/elsewhere")
    assert tracking_uri(TRACKING) == "sqlite:////srv/mlflow/runs.db"


def test_artifacts_of_a_sqlite_store_sit_beside_it():
    assert local_artifact_location("sqlite:////srv/mlflow/runs.db") == "file:///srv/mlflow/mlruns"
    assert local_artifact_location("http://mlflow.example:5000") is None


def test_importing_tracking_neither_imports_mlflow_nor_sets_a_uri():
    code = "import sys, flight_delay.infra.tracking; assert 'mlflow' not in sys.modules"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_git_lineage_inside_a_repository(repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    lineage = git_lineage()
    assert re.fullmatch(r"[0-9a-f]{40}", lineage["git_commit"])
    assert lineage["git_dirty"] in {"true", "false"}


def test_git_lineage_outside_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert git_lineage() == {"git_commit": "unknown", "git_dirty": "unknown"}


def test_evaluating_a_model_again_reuses_its_finished_run_but_never_a_failed_one(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    with pytest.raises(RuntimeError), tracking_run(TRACKING, "abc", "train") as (failed, created):
        assert created
        raise RuntimeError("logging failed half-way")  # the run ends FAILED, tagged abc
    with tracking_run(TRACKING, "abc", "train") as (first, created):
        assert created and first.info.run_id != failed.info.run_id
    with tracking_run(TRACKING, "abc", "train") as (again, created):
        assert not created and again.info.run_id == first.info.run_id
    with tracking_run(TRACKING, "other", "train") as (_, created):
        assert created
