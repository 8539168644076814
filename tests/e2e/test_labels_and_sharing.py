"""The repo as a data registry (`dvc list/get/import/update` from a second repo) and
labels corrected by hand (`make label-sample`, `make label-apply`, `dvc repro`), on the
tests' own dataset (tests/synthetic.py: orders, late or on time).

One scenario, in order: a consumer imports the prepared data; the producer corrects
labels; the consumer's `dvc update` brings the corrected data; bad overrides stop
`prepare` and keep what was built.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from flight_delay.core.label_overrides import OVERRIDDEN
from flight_delay.infra.io import file_md5
from tests import synthetic
from tests.conftest import lock_stage, make, ran_stages, repro_and_commit, run

KEY = ["order_id"]  # how a reviewer names an order (the spec's key)
LABEL = synthetic.SPEC["label"]["column"]
CORRECTED = f"corrected_{LABEL}"
OVERRIDES = "data/labels/orders.csv"  # the orders' hand-set labels

pytestmark = pytest.mark.e2e
FLIPPED = 6  # labels a reviewer corrects
VALID = "data/prepared/valid.parquet"


@pytest.fixture(scope="module")
def producer(tmp_path_factory):
    repo = synthetic.scratch_repo(tmp_path_factory.mktemp("producer"), tracked=False)
    repro_and_commit(repo, "first reproduction")
    run(repo, "dvc", "push")
    return repo


@pytest.fixture(scope="module")
def consumer(tmp_path_factory):
    repo = tmp_path_factory.mktemp("consumer")
    run(repo, "git", "init", "-q", "-b", "main")
    run(repo, "dvc", "init", "-q")
    return repo


def test_another_project_lists_gets_and_imports_the_prepared_data(producer, consumer):
    listed = run(consumer, "dvc", "list", str(producer), "data/prepared").stdout.split()
    assert {"train.parquet", "valid.parquet", "test.parquet"} <= set(listed)
    run(consumer, "dvc", "get", str(producer), "reports/dataset-card.json", "-o", "card.json")
    card = json.loads((consumer / "card.json").read_text())
    run(consumer, "dvc", "get", str(producer), "data/prepared/train.parquet", "-o", "train.parquet")
    assert file_md5(consumer / "train.parquet") == card["files"]["data/prepared/train.parquet"]
    run(consumer, "dvc", "import", str(producer), "data/prepared", "-o", "prepared")
    for name in ("train", "valid", "test"):
        got = file_md5(consumer / f"prepared/{name}.parquet")
        assert got == file_md5(producer / f"data/prepared/{name}.parquet")
    source = yaml.safe_load((consumer / "prepared.dvc").read_text())["deps"][0]
    assert source["path"] == "data/prepared" and source["repo"]["url"] == str(producer)
    run(consumer, "git", "add", "-A")
    run(consumer, "git", "commit", "-qm", "import the prepared orders")


def review_and_flip(producer: Path) -> pd.DataFrame:
    """A reviewer corrects the first FLIPPED sampled orders; returns what they decided."""
    sampled = make(producer, "label-sample", "SPLIT=valid", "ROWS=20")
    assert "wrote 20 valid rows to reports/labeling/review.csv" in sampled.stdout
    path = producer / "reports/labeling/review.csv"
    text = {c: "string" for c in (CORRECTED, "reviewer", "reason")}
    review = pd.read_csv(path, dtype=text)
    assert set(review["why"]) == {"near_threshold", "confident_miss"}
    chosen = review.index[:FLIPPED]
    review.loc[chosen, CORRECTED] = (1 - review.loc[chosen, LABEL]).astype(str)
    review.loc[chosen, "reason"] = "the courier's log shows another delivery time"
    review.to_csv(path, index=False)
    applied = make(producer, "label-apply", "REVIEWER=ana")
    assert f"{FLIPPED} added, 0 updated" in applied.stdout
    return review.loc[chosen]


def test_corrected_labels_change_exactly_those_orders_and_rerun_only_downstream(producer):
    before = pd.read_parquet(producer / VALID)
    untouched = {s: lock_stage(producer, s) for s in ("compose", "ingest", "train")}
    decided = review_and_flip(producer)
    overrides = pd.read_csv(producer / OVERRIDES)
    assert len(overrides) == FLIPPED and set(overrides["reviewer"]) == {"ana"}

    done = run(producer, "dvc", "repro")
    # validate checks the file, prepare applies it; train re-runs only if its data
    # changed, and these orders are all in the valid split
    assert ran_stages(done) == {"validate", "prepare", "featurize", "evaluate"}
    assert {s: lock_stage(producer, s) for s in untouched} == untouched

    after = pd.read_parquet(producer / VALID)
    changed = after[after[LABEL] != before[LABEL]]
    assert sorted(changed["order_id"]) == sorted(decided["order_id"])
    merged = changed.merge(decided, on=KEY, suffixes=("", "_review"))
    assert (merged[LABEL] == merged[CORRECTED].astype(int)).all()
    assert after[OVERRIDDEN].sum() == FLIPPED
    others = [LABEL, OVERRIDDEN]
    pd.testing.assert_frame_equal(after.drop(columns=others), before.drop(columns=others))

    splits = json.loads((producer / "reports/splits.json").read_text())
    assert splits["valid"]["label_overrides"] == FLIPPED
    card = json.loads((producer / "reports/dataset-card.json").read_text())
    assert card["splits"]["valid"]["label_overrides"] == FLIPPED
    assert card["files"][OVERRIDES] == file_md5(producer / OVERRIDES)
    assert card["files"][VALID] == file_md5(producer / VALID)
    run(producer, "git", "add", "-A")
    run(producer, "git", "commit", "-qm", "corrected labels")
    run(producer, "dvc", "push")


def test_the_consumer_updates_to_the_corrected_labels(producer, consumer):
    old_train = file_md5(consumer / "prepared/train.parquet")
    run(consumer, "dvc", "update", "prepared.dvc")
    assert file_md5(consumer / "prepared/valid.parquet") == file_md5(producer / VALID)
    assert file_md5(consumer / "prepared/train.parquet") == old_train
    assert pd.read_parquet(consumer / "prepared/valid.parquet")[OVERRIDDEN].sum() == FLIPPED
    assert "up to date" in run(consumer, "dvc", "status").stdout


@pytest.mark.parametrize(
    ("label", "order", "message"),
    [
        (2, "a reviewed order", f"{LABEL} must be 0 or 1 (line(s) [8])"),
        (1, 99999, "no such row in the data (line(s) [8])"),
    ],
)
def test_bad_overrides_stop_at_validate_and_keep_what_was_built(producer, label, order, message):
    path = producer / OVERRIDES
    good = path.read_text()
    header = good.splitlines()[0].split(",")
    reviewed = int(good.splitlines()[1].split(",")[header.index("order_id")])
    values = {"order_id": reviewed if order == "a reviewed order" else order, LABEL: label,
              "reviewer": "ana", "reason": "typo"}  # fmt: skip
    row = ",".join(str(values[column]) for column in header)
    kept = {p: file_md5(producer / p) for p in (VALID, "models/model.skops")}
    locks = {s: lock_stage(producer, s) for s in ("validate", "prepare")}
    path.write_text(good + row + "\n")
    try:
        done = run(producer, "dvc", "repro", check=False)
    finally:
        path.write_text(good)
    assert done.returncode != 0
    assert "failed to reproduce 'validate'" in done.stderr
    assert f"label_overrides: {OVERRIDES}: {message}" in done.stderr
    assert not ran_stages(done) & {"prepare", "featurize", "train", "evaluate"}
    assert {p: file_md5(producer / p) for p in kept} == kept
    assert {s: lock_stage(producer, s) for s in locks} == locks
    assert ran_stages(run(producer, "dvc", "repro")) <= {"validate"}
    assert {p: file_md5(producer / p) for p in kept} == kept


def test_a_review_without_a_reviewer_is_refused_and_overrides_are_kept(producer):
    path = producer / OVERRIDES
    before = path.read_bytes()
    make(producer, "label-sample", "SPLIT=valid", "ROWS=4")
    review_path = producer / "reports/labeling/review.csv"
    review = pd.read_csv(review_path, dtype="string")
    review.loc[0, CORRECTED] = "1"
    review.to_csv(review_path, index=False)
    done = make(producer, "label-apply", check=False)
    assert done.returncode != 0
    assert "line(s) [2] have a verdict but no reviewer" in done.stderr
    assert path.read_bytes() == before
    shutil.rmtree(producer / "reports/labeling")
