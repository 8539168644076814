"""Team mode on real servers (SeaweedFS S3, PostgreSQL, MLflow with basic auth): the
pipeline (on the tests' own dataset, tests/synthetic.py), promotion and serving use them;
DVC push/pull survive SIGKILL and catch a corrupt object."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from base64 import b64encode
from pathlib import Path

import pandas as pd
import pytest

from flight_delay.infra.persistence import load_model
from flight_delay.team.services import s3_client
from tests import synthetic
from tests.conftest import (
    ARTIFACT,
    lock_hashes,
    make,
    ran_stages,
    repro_and_commit,
    run,
    scratch_env,
)

pytestmark = [pytest.mark.e2e, pytest.mark.team]
BULK_FILES = 150  # a tracked folder of many objects, so that a transfer can be cut short


def bucket_keys(env: dict[str, str], bucket: str, prefix: str = "") -> list[str]:
    pages = s3_client(env).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def http_status(url: str, auth: tuple[str, str] | None = None, host: str | None = None) -> int:
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + b64encode(":".join(auth).encode()).decode())
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.fixture(scope="module")
def team_repo(team_env, tmp_path_factory):
    """A scratch repo whose pipeline, registry and promotion use the team servers."""
    repo = synthetic.scratch_repo(tmp_path_factory.mktemp("team"))
    bulk = repo / "data/bulk"
    bulk.mkdir(parents=True)
    for index in range(BULK_FILES):
        (bulk / f"part-{index:03d}.bin").write_bytes(os.urandom(32_768))
    run(repo, "dvc", "add", "data/bulk")
    seen = {"repro": repro_and_commit(repo, "trained with the team servers", env=team_env)}
    seen["push"] = make(repo, "push", env=team_env)
    make(repo, "register", "VERSION=v1.0.0", env=team_env)
    make(repo, "assign", "STAGE=prod", env=team_env)
    tag = run(repo, "git", "tag", "-l", f"{ARTIFACT}#prod#*").stdout.split()[0]
    seen["promote"] = make(repo, "promote", f"TAG={tag}", env=team_env)
    return repo, seen


def folder_listing(repo: Path, output: str) -> list[dict]:
    md5 = lock_hashes(repo)[output]
    return json.loads((repo / ".dvc/cache/files/md5" / md5[:2] / md5[2:]).read_text())


def fresh_clone(repo: Path, target: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(repo), str(target)], check=True)
    return target


def client(team_env, monkeypatch):
    import mlflow

    for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        monkeypatch.setenv(name, team_env[name])
    return mlflow.MlflowClient(tracking_uri=team_env["MLFLOW_TRACKING_URI"])


def test_mlflow_wants_credentials_and_refuses_foreign_hosts(team_env):
    url = team_env["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/experiments/search?max_results=1"
    login = (team_env["MLFLOW_TRACKING_USERNAME"], team_env["MLFLOW_TRACKING_PASSWORD"])
    assert http_status(url) == 401
    assert http_status(url, auth=(login[0], "wrong-password")) == 401
    assert http_status(url, auth=login) == 200
    assert http_status(url, auth=login, host="evil.example") == 403


def test_the_s3_store_refuses_wrong_keys(team_env):
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="SignatureDoesNotMatch|AccessDenied|InvalidAccessKey"):
        s3_client(team_env | {"AWS_SECRET_ACCESS_KEY": "not-the-secret"}).list_buckets()


def test_runs_version_and_alias_are_on_the_server(team_repo, team_env, monkeypatch):
    repo, seen = team_repo
    assert "MLflow run" in seen["repro"].stderr + seen["repro"].stdout
    mlflow = client(team_env, monkeypatch)
    prod = mlflow.get_model_version_by_alias(f"{ARTIFACT}", "prod")
    assert prod.tags["model_md5"] == lock_hashes(repo)["train:models/model.skops"]
    promotion = mlflow.get_run(prod.run_id)
    training = mlflow.get_run(promotion.data.tags["training_run_id"])  # logged by `dvc repro`
    assert training.data.tags["git_commit"] and "test_roc_auc" in training.data.metrics
    assert training.info.artifact_uri.startswith("mlflow-artifacts:")  # proxied by the server
    stored = bucket_keys(team_env, "mlflow")
    assert any(key.endswith("model.skops") for key in stored)  # the model went to S3
    assert "alias prod: version (none) -> 1" in seen["promote"].stdout


def test_serving_loads_the_prod_model_from_the_server(team_repo, team_env, tmp_path):
    repo, _ = team_repo
    scored = tmp_path / "scored.parquet"
    make(
        repo,
        "predict",
        "SOURCE=mlflow",
        "STAGE=prod",
        "INPUT=data/features/test.parquet",
        f"OUTPUT={scored}",
        env=team_env,
    )
    test = pd.read_parquet(repo / "data/features/test.parquet")
    got = pd.read_parquet(scored)
    assert set(got["model_version"]) == {"v1.0.0"}
    good = (got["problem"] == "").to_numpy()  # rows that break a rule are named, not scored
    assert good.mean() > 0.99
    model = load_model(repo / "models/model.skops")
    expected = model.predict_proba(test.loc[good, list(model.feature_names_in_)])[:, 1]
    assert got.loc[good, "probability"].to_numpy() == pytest.approx(expected)


def objects(repo: Path) -> list[Path]:
    cache = repo / ".dvc/cache/files/md5"
    return [path for path in cache.rglob("*") if path.is_file()] if cache.exists() else []


def cache_is_sound(repo: Path) -> None:
    """Every object in the cache hashes to its own name (no partial or corrupt file)."""
    assert objects(repo)
    for path in objects(repo):
        name = path.parent.name + path.name.removesuffix(".dir")
        if len(name) == 32:
            assert hashlib.md5(path.read_bytes()).hexdigest() == name, path


def kill_when(process: subprocess.Popen, started, done, timeout: float = 60) -> str:
    """SIGKILL `process` once `started()` and before `done()`; what it saw at the kill."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if started():
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return "finished first" if done() else "cut short"
        time.sleep(0.2)
    process.wait()
    return "never started"


def one_at_a_time(repo: Path, action: str, team_env: dict[str, str]) -> subprocess.Popen:
    """`dvc push|pull` of one object at a time, in its own process group (to be killed)."""
    return subprocess.Popen(
        ["dvc", action, "--remote", "team", "-j", "1"],
        cwd=repo,
        env=scratch_env(repo) | team_env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_sigkill_during_push_and_pull_then_a_retry_ends_up_to_date_and_reruns_nothing(
    team_repo, team_env, tmp_path
):
    repo, _ = team_repo
    prefix = "flight-delay/"
    for key in bucket_keys(team_env, "dvc-store", prefix):  # start from an empty remote
        s3_client(team_env).delete_object(Bucket="dvc-store", Key=key)
    total = len(objects(repo))
    push = one_at_a_time(repo, "push", team_env)
    pushed = kill_when(
        push,
        lambda: len(bucket_keys(team_env, "dvc-store", prefix)) >= 5,
        lambda: len(bucket_keys(team_env, "dvc-store", prefix)) >= total,
    )
    assert pushed == "cut short"
    make(repo, "push", env=team_env)
    status = run(repo, "dvc", "status", "--cloud", "--remote", "team", env=team_env).stdout
    assert "in sync" in status

    clone = fresh_clone(repo, tmp_path / "clone")
    pull = one_at_a_time(clone, "pull", team_env)
    pulled = kill_when(
        pull, lambda: len(objects(clone)) >= 20, lambda: len(objects(clone)) >= total
    )
    assert pulled == "cut short"
    make(clone, "pull", env=team_env)  # the retry
    done = make(clone, "ci-repro", env=team_env)  # what the PR workflow runs: nothing to redo
    assert ran_stages(done) == set()
    assert "up to date" in run(clone, "dvc", "status", env=team_env).stdout
    assert lock_hashes(clone) == lock_hashes(repo)
    cache_is_sound(clone)
    assert len(list((clone / "data/bulk").iterdir())) == BULK_FILES


def test_a_corrupt_object_in_the_bucket_fails_the_pull_naming_it(team_repo, team_env, tmp_path):
    repo, _ = team_repo
    md5 = next(
        entry["md5"]
        for entry in folder_listing(repo, "featurize:data/features")
        if entry["relpath"] == "train.parquet"
    )
    key = f"flight-delay/files/md5/{md5[:2]}/{md5[2:]}"
    original = s3_client(team_env).get_object(Bucket="dvc-store", Key=key)["Body"].read()
    s3_client(team_env).put_object(Bucket="dvc-store", Key=key, Body=original[:-100] + b"x" * 100)
    try:
        clone = fresh_clone(repo, tmp_path / "clone")
        pulled = make(clone, "pull", env=team_env, check=False)
    finally:
        s3_client(team_env).put_object(Bucket="dvc-store", Key=key, Body=original)
    assert pulled.returncode != 0
    assert "do not match their hash (corrupt in the remote)" in pulled.stderr
    assert f"data/features/train.parquet (md5 {md5})" in pulled.stderr
    assert not (clone / "data/features/train.parquet").exists()  # nothing corrupt checked out
    cache_is_sound(clone)
