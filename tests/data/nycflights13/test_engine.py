"""The worked example on a real local cluster: the flights from Newark (every month, a
third of the rows) through ingest, validate, prepare and featurize on the `dask` engine,
in parts of 20,000 rows, are the same raw tables, reports, prepared rows and features as
in one process."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest

from tests.conftest import choose_engine, compose_into, make_scratch_repo, run

pytestmark = pytest.mark.e2e
STAGES = ("ingest", "validate", "prepare", "featurize")
SPLITS = ("train", "valid", "test")


def outputs(repo) -> dict:
    found = {}
    for kind in ("raw", "prepared", "features"):
        for path in sorted((repo / "data" / kind).glob("*.parquet")):
            frame = pd.read_parquet(path)
            found[f"{kind}/{path.name}"] = frame.sort_values(list(frame.columns)).reset_index(
                drop=True
            )
    for name in ("validation.json", "splits.json", "dataset-card.json"):
        report = json.loads((repo / "reports" / name).read_text())
        report.pop("files", None)  # a folder of parts hashes differently from a file
        found[name] = report
    return found


def test_the_flights_on_a_local_cluster_give_the_same_tables_and_reports(tmp_path):
    keep = {"data/nycflights13.yaml": {"keep": {"origin": ["EWR"]}}}
    repo = make_scratch_repo(tmp_path / "repo", keep, dataset="flights", compose=False)
    found = {}
    for kind in ("local", "dask"):
        choose_engine(repo, kind, partition_rows=20_000)
        compose_into(repo)
        said = "".join(run(repo, sys.executable, "-m", f"flight_delay.stages.{stage}").stderr
                       for stage in STAGES)  # fmt: skip
        found[kind] = outputs(repo)
    assert "prepare: engine: a local Dask cluster" in said
    assert (repo / "data/prepared/train.parquet").is_dir()
    assert len(list((repo / "data/raw/flights.parquet").iterdir())) > 3
    assert found["dask"].keys() == found["local"].keys()
    for name, local in found["local"].items():
        if isinstance(local, pd.DataFrame):
            pd.testing.assert_frame_equal(found["dask"][name], local, obj=name)
        else:
            assert found["dask"][name] == local, name
    assert len(found["local"]["features/train.parquet"]) > 50_000
