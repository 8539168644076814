"""The `dask` engine on real clusters: scheduler and worker processes, started and stopped
by their PIDs. The pipeline through a local cluster gives the same raw tables, prepared rows
and features as in-process, trains LightGBM over the workers (the same trees each run) and
reads its folders of parts; a worker killed mid-stage costs a
retry, not a row; a failing task leaves no partial table; a cluster a team runs is
reached by its address, and the stage's settings reach its workers."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from flight_delay.infra.config import EngineConfig
from flight_delay.infra.engine import ADDRESS_ENV, engine_client
from flight_delay.infra.params import edit_conf
from flight_delay.infra.partitions import map_partitions, partitions
from flight_delay.infra.processes import free_port, port_open, stop_child
from flight_delay.revisions.rescoring import read_table_at
from tests.conftest import REPO_ROOT, VENV_BIN, choose_engine, compose_into, run
from tests.synthetic import scratch_repo

pytestmark = pytest.mark.e2e
SPLITS = ("train", "valid", "test")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def by_key(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("order_id").reset_index(drop=True)


def roc_auc(repo) -> float:
    return json.loads((repo / "metrics/metrics.json").read_text())["test"]["roc_auc"]


def test_the_pipeline_on_a_local_cluster_gives_the_same_rows_and_trains_there(tmp_path):
    repo = scratch_repo(tmp_path / "repo")  # tracked: evaluate logs the folders' hashes
    source = repo / "data/source/orders/orders.csv"  # out of key order: parts sort their own
    pd.read_csv(source).sample(frac=1, random_state=0).to_csv(source, index=False)
    choose_engine(repo, "local")  # the model that trains on both engines
    run(repo, "dvc", "repro")
    local = {s: pd.read_parquet(repo / f"data/features/{s}.parquet") for s in SPLITS}
    prepared = {s: pd.read_parquet(repo / f"data/prepared/{s}.parquet") for s in SPLITS}
    reports = {name: json.loads((repo / f"reports/{name}").read_text())
               for name in ("dataset-card.json", "splits.json", "validation.json")}  # fmt: skip
    raw = {p.name: pd.read_parquet(p) for p in sorted((repo / "data/raw").glob("*.parquet"))}
    in_process = roc_auc(repo)

    choose_engine(repo, "dask")
    done = run(repo, "dvc", "repro")
    said = done.stdout + done.stderr
    assert "Running stage 'ingest'" in said and "Running stage 'featurize'" in said
    for name, frame in raw.items():  # streamed in parts of 1,000 rows: the same tables
        folder = repo / "data/raw" / name
        assert folder.is_dir(), name
        pd.testing.assert_frame_equal(pd.read_parquet(folder), frame)
    found = re.search(r"featurize: engine: a local Dask cluster at tcp://127\.0\.0\.1:\d+, "
                      r"worker processes \[([\d, ]+)\]", said)  # fmt: skip
    assert found, said
    pids = [int(pid) for pid in found.group(1).split(", ")]
    assert len(pids) == 2 and os.getpid() not in pids
    assert not [pid for pid in pids if alive(pid)], "the stage stopped its cluster"
    assert re.search(r"prepare: engine: a local Dask cluster", said), said
    for split in SPLITS:  # the same rows: one part per raw partition, sorted by the key
        folder = repo / f"data/prepared/{split}.parquet"
        assert folder.is_dir()
        pd.testing.assert_frame_equal(by_key(pd.read_parquet(folder)), by_key(prepared[split]))
        assert not pd.read_parquet(folder).equals(prepared[split])  # in the parts' order
        features = repo / f"data/features/{split}.parquet"  # one task per prepared partition
        assert len(list(features.iterdir())) == len(partitions(folder)) > 1
        pd.testing.assert_frame_equal(by_key(pd.read_parquet(features)), by_key(local[split]))
    for name, before in reports.items():  # the same card, but for the hashes of the folders
        after = json.loads((repo / f"reports/{name}").read_text())
        after.pop("files", None), before.pop("files", None)
        assert after == before, name
    # LightGBM trained data-parallel on the two workers, each on its share of the partitions
    assert re.search(r"train: fitting lightgbm on [\d,]+ rows", said), said
    assert "total number of machines: 2" in said, said
    assert abs(roc_auc(repo) - in_process) < 0.03, (roc_auc(repo), in_process)
    model = (repo / "models/model.skops").read_bytes()
    run(repo, "dvc", "repro", "-f", "train")  # the same shares on the same ranks: same trees
    assert (repo / "models/model.skops").read_bytes() == model
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    recorded = {d["path"]: d["md5"] for d in lock["stages"]["train"]["deps"]}
    assert recorded["data/features/train.parquet"].endswith(".dir")
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{repo / 'mlflow.db'}")
    newest = mlflow.search_runs(search_all_experiments=True, order_by=["start_time DESC"])
    assert (
        newest.iloc[0]["tags.dvc_md5:data/features/train.parquet"]
        == recorded["data/features/train.parquet"]
    )
    # the gate rescoring reads a committed folder of parts at a revision
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "features as parts")
    at_head = read_table_at(Path("data/features/valid.parquet"), "HEAD", repo)
    pd.testing.assert_frame_equal(by_key(at_head), by_key(local["valid"]))


def validation_report(repo, kind: str) -> tuple[dict, str]:
    """ingest and validate on the engine `kind`: the report and what validate said."""
    choose_engine(repo, kind)
    compose_into(repo)
    run(repo, sys.executable, "-m", "flight_delay.stages.ingest")
    done = run(repo, sys.executable, "-m", "flight_delay.stages.validate", check=False)
    assert done.returncode != 0, done.stdout
    return json.loads((repo / "reports/validation.json").read_text()), done.stderr


def test_validate_and_prepare_on_a_local_cluster_report_what_the_whole_tables_give(tmp_path):
    repo = scratch_repo(tmp_path / "repo", tracked=False)
    source = repo / "data/source/orders/orders.csv"
    orders = pd.read_csv(source)
    good = orders.copy()
    orders.loc[2500, "order_id"] = orders.loc[10, "order_id"]  # a key in two partitions
    orders.loc[[700, 2200], "weekday"] = ["someday", "xyz"]  # in two partitions
    orders.loc[1800, "hour"] = 99
    orders.loc[2990, "distance_km"] = 75.0  # implausible, like row 5: a warning
    orders.to_csv(source, index=False)
    labels = repo / "data/labels/orders.csv"
    labels.parent.mkdir(parents=True, exist_ok=True)
    labels.write_text("order_id,late,reviewer,reason\n12,1,ana,log\n99999,0,ana,typo\n")

    whole, said_whole = validation_report(repo, "local")
    parts, said_parts = validation_report(repo, "dask")
    assert (repo / "data/raw/orders.parquet").is_dir()  # three parts of 1,000 rows
    assert parts == whole
    said = [line for line in said_parts.splitlines() if not line.startswith("validate: engine")]
    assert said == said_whole.splitlines()
    errors = {e["check"]: e for e in parts["tables"]["orders"]["errors"]}
    assert errors["multiple_fields_uniqueness"]["message"] == (
        "orders: 2 rows share a key (order_id) (rows [10, 2500])"
    )
    assert errors["in_range(0, 23)"]["message"] == (
        "orders.hour: rule in_range(0, 23) failed for 1 row(s) (rows [1800]), values ['99']"
    )
    weekday = next(e for e in parts["tables"]["orders"]["errors"] if e["column"] == "weekday")
    assert weekday["rows"] == [700, 2200] and weekday["failures"] == 2
    (warning,) = parts["tables"]["orders"]["warnings"]
    assert warning["rows"] == [5, 2990] and warning["failures"] >= 2
    assert not parts["passed"]
    # good orders: the override of a row no partition holds is named, as in one process
    good.to_csv(source, index=False)
    whole, _ = validation_report(repo, "local")
    parts, _ = validation_report(repo, "dask")
    assert parts == whole
    (error,) = parts["tables"]["label_overrides"]["errors"]
    assert "no such row in the data (line(s) [3]): [{'order_id': 99999}]" in error["message"]
    assert not any(parts["tables"][table]["errors"] for table in ("orders", "shops"))

    # prepare on the cluster: an override of a row no partition holds stops it, as in one
    # process; a split value without rows stops it before any split is replaced
    prepare = (sys.executable, "-m", "flight_delay.stages.prepare")
    done = run(repo, *prepare, check=False)
    assert done.returncode != 0 and "prepare: label overrides: no such row in the data" in (
        done.stderr
    ), done.stderr
    labels.write_text("order_id,late,reviewer,reason\n12,1,ana,log\n")
    said = run(repo, *prepare).stderr
    assert "label overrides (data/labels/orders.csv): {'applied': 1," in said, said
    prepared = {s: pd.read_parquet(repo / f"data/prepared/{s}.parquet") for s in SPLITS}
    assert prepared["train"].set_index("order_id").loc[12, "label_overridden"]
    edit_conf(repo / "conf/dataset/orders.yaml", {"split": {"test": [11, 12, 60]}})
    compose_into(repo)
    done = run(repo, *prepare, check=False)
    assert done.returncode != 0 and "prepare: split.test: [60] have no labelled rows" in (
        done.stderr
    ), done.stderr
    for split in SPLITS:  # untouched, and no staged folder left beside them
        pd.testing.assert_frame_equal(
            pd.read_parquet(repo / f"data/prepared/{split}.parquet"), prepared[split]
        )
    assert sorted(p.name for p in (repo / "data/prepared").iterdir()) == sorted(
        f"{split}.parquet" for split in SPLITS
    )


def write_row_groups(path, groups: int, rows: int = 50) -> pd.DataFrame:
    frame = pd.DataFrame({"x": range(groups * rows)})
    frame.to_parquet(path, index=False, row_group_size=rows)
    return frame


def slow_double(frame: pd.DataFrame, pause: float) -> pd.DataFrame:
    time.sleep(pause)
    return frame.assign(x=frame["x"] * 2)


def fail_on_third(frame: pd.DataFrame) -> pd.DataFrame:
    if frame["x"].iloc[0] == 100:
        raise ValueError("planted: a partition the function refuses")
    return frame


@pytest.fixture
def cluster(monkeypatch):
    """A real local cluster: two worker processes (and the nannies that restart them)."""
    monkeypatch.delenv(ADDRESS_ENV, raising=False)
    engine = EngineConfig(kind="dask", workers=2, memory_limit="1GB")
    with engine_client(engine, "test") as client:
        yield client


def test_a_worker_killed_mid_stage_costs_a_retry_not_a_row(tmp_path, cluster):
    source = tmp_path / "source.parquet"
    frame = write_row_groups(source, groups=8)
    assert len(partitions(source)) == 8
    pids = cluster.run(os.getpid)  # worker address -> pid
    address, victim = sorted(pids.items())[0]
    target = tmp_path / "out.parquet"
    killed_busy: list[bool] = []

    def kill_when_busy() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not cluster.processing().get(address):
            time.sleep(0.05)
        killed_busy.append(bool(cluster.processing().get(address)))
        os.kill(victim, signal.SIGKILL)

    import threading

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    rows = map_partitions(cluster, slow_double, source, target, 0.5)
    killer.join()
    assert killed_busy == [True], "the worker was killed while it held a task"
    assert not alive(victim)
    assert rows == len(frame)
    pd.testing.assert_frame_equal(pd.read_parquet(target), frame.assign(x=frame["x"] * 2))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_worker_killed_while_lightgbm_trains_stops_training_with_a_clear_error(tmp_path, cluster):
    from flight_delay.core.cluster_fit import LostRankError, fit_on_cluster
    from flight_delay.infra.config import FeaturesConfig, LightGBMConfig

    rng = np.random.default_rng(0)
    n = 200_000
    table = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                          "c": pd.array(rng.choice(["x", "y", "z"], n), dtype="str")})  # fmt: skip
    table["y"] = (table["a"] + rng.normal(size=n) > 0).astype("int8")
    source = tmp_path / "train.parquet"
    table.to_parquet(source, index=False, row_group_size=50_000)
    features = FeaturesConfig(numeric=["a", "b"], categorical=["c"])
    slow = LightGBMConfig(name="lightgbm", learning_rate=0.01, n_estimators=20_000,
                          num_leaves=63, min_child_samples=20, reg_lambda=0.0)  # fmt: skip
    pids = cluster.run(os.getpid)
    address, victim = sorted(pids.items())[0]

    def kill_when_training() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            keys = [str(k) for k in cluster.processing().get(address, ())]
            if any("train_rank" in key for key in keys):
                time.sleep(1.0)  # well into the trees
                break
            time.sleep(0.05)
        os.kill(victim, signal.SIGKILL)

    import threading

    killer = threading.Thread(target=kill_when_training)
    killer.start()
    start = time.monotonic()
    with pytest.raises(LostRankError, match=r"left the cluster while LightGBM trained .* "
                       r"run `train` again"):  # fmt: skip
        fit_on_cluster(cluster, source, "y", features, slow, seed=0)
    killer.join()
    assert not alive(victim)
    assert time.monotonic() - start < 60  # not LightGBM's network time-out (10 minutes)


def test_a_failing_task_leaves_the_table_as_it_was(tmp_path, cluster):
    source = tmp_path / "source.parquet"
    write_row_groups(source, groups=4)
    target = tmp_path / "out.parquet"
    before = pd.DataFrame({"x": [7]})
    before.to_parquet(target, index=False)
    with pytest.raises(ValueError, match="planted: a partition the function refuses"):
        map_partitions(cluster, fail_on_third, source, target)
    pd.testing.assert_frame_equal(pd.read_parquet(target), before)  # untouched, not partial
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_cluster_a_team_runs_is_reached_by_its_address(tmp_path, monkeypatch):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(VENV_BIN / "dask")
    log = (tmp_path / "cluster.log").open("w")
    # the project installed where the cluster runs (here: this repo, its tests' functions too)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    scheduler_args = ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]
    worker_args = ["worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                   "--memory-limit", "1GB"]  # fmt: skip
    scheduler, worker = (
        subprocess.Popen([dask, *args], stdout=log, stderr=subprocess.STDOUT, env=env)
        for args in (scheduler_args, worker_args)
    )
    try:
        deadline = time.monotonic() + 60
        while not port_open(port):
            assert scheduler.poll() is None and time.monotonic() < deadline, (
                tmp_path / "cluster.log"
            ).read_text()
            time.sleep(0.2)
        monkeypatch.setenv(ADDRESS_ENV, address)  # wins over engine.address (none here)
        monkeypatch.setenv("DVC_PLANTED_SETTING", "reaches the workers")
        source = tmp_path / "source.parquet"
        frame = write_row_groups(source, groups=3)
        engine = EngineConfig(kind="dask", connect_timeout_s=30)
        with engine_client(engine, "featurize") as client:
            seen = client.run(lambda: os.environ.get("DVC_PLANTED_SETTING"))
            assert list(seen.values()) == ["reaches the workers"]
            map_partitions(client, slow_double, source, tmp_path / "out.parquet", 0.0)
        doubled = pd.read_parquet(tmp_path / "out.parquet")
        pd.testing.assert_frame_equal(doubled, frame.assign(x=frame["x"] * 2))
    finally:
        for process in (worker, scheduler):
            stop_child(process)
        log.close()
    assert scheduler.poll() is not None and worker.poll() is not None
