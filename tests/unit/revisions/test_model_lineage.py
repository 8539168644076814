"""Lineage read from a dvc.lock: the hashes a registered model version carries."""

from __future__ import annotations

import hashlib
import json

import pytest

from flight_delay.revisions.model_lineage import lineage_from_lock
from flight_delay.revisions.recorded_outputs import RevisionError

PARAMS = {"model": {"name": "hist_gradient_boosting", "learning_rate": 0.1}, "seed": 42}
LOCK = {
    "stages": {
        "train": {
            "deps": [
                {"path": "data/features/train.parquet", "md5": "a" * 32},
                {"path": "src/flight_delay/stages/train.py", "md5": "b" * 32},
            ],
            "params": {"params.yaml": PARAMS},
            "outs": [{"path": "models/model.skops", "md5": "c" * 32}],
        }
    }
}


def test_lineage_takes_model_data_and_params_hashes_from_the_train_stage():
    lineage = lineage_from_lock(LOCK, "f" * 40)
    assert lineage.model_md5 == "c" * 32
    assert lineage.data_md5 == "a" * 32  # one data file: its own hash
    assert lineage.data_files == {"data/features/train.parquet": "a" * 32}  # code is not data
    expected = hashlib.md5(json.dumps(PARAMS, sort_keys=True).encode()).hexdigest()
    assert lineage.params_md5 == expected
    assert lineage.as_tags()["dvc_md5:data/features/train.parquet"] == "a" * 32


def test_params_hash_ignores_key_order_but_not_values():
    reordered = {"seed": 42, "model": {"learning_rate": 0.1, "name": "hist_gradient_boosting"}}
    changed = {"seed": 43, "model": PARAMS["model"]}
    hashes = []
    for params in (reordered, changed):
        lock = json.loads(json.dumps(LOCK))
        lock["stages"]["train"]["params"]["params.yaml"] = params
        hashes.append(lineage_from_lock(lock, "f" * 40).params_md5)
    assert hashes[0] == lineage_from_lock(LOCK, "f" * 40).params_md5 != hashes[1]


@pytest.mark.parametrize("lock", [{}, {"stages": {"evaluate": {}}}, {"stages": {"train": {}}}])
def test_a_lock_without_the_model_names_what_is_missing(lock):
    with pytest.raises(RevisionError, match=r"dvc.lock at ffffffffffff records no models/model"):
        lineage_from_lock(lock, "f" * 40)
