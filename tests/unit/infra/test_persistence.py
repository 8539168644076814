from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
import skops.io as sio
import yaml
from pydantic import TypeAdapter
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from flight_delay.core.models import fit_model
from flight_delay.infra.config import ModelConfig
from flight_delay.infra.persistence import canonical_skops, load_model, save_model

MODEL_NAMES = ["hist_gradient_boosting", "lightgbm", "logistic_regression", "random_forest"]

LABEL = "late"  # the hand-made frames' label (tests/unit/conftest.py)


def fitted(repo_root, name, frame, features):
    raw = yaml.safe_load((repo_root / f"conf/model/{name}.yaml").read_text())
    config = TypeAdapter(ModelConfig).validate_python(raw)
    return fit_model(frame, LABEL, features, config, seed=0)


def _double(values):
    return values * 2


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_load_model_round_trips_predictions_exactly(
    tmp_path, repo_root, training_frame, small_features, name
):
    # Also proves TRUSTED_TYPES covers every type these pipelines contain.
    model = fitted(repo_root, name, training_frame, small_features)
    save_model(model, tmp_path / "model.skops")
    loaded = load_model(tmp_path / "model.skops")
    if name == "random_forest":  # n_jobs=2 adds up the trees in thread order
        for pipeline in (model, loaded):
            pipeline.set_params(classifier__n_jobs=1)
    X = training_frame[small_features.columns]
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("name", ["hist_gradient_boosting", "lightgbm", "random_forest"])
def test_the_same_model_always_gives_the_same_bytes(
    tmp_path, repo_root, training_frame, small_features, name
):
    # Two separate fits: equal models, different Python objects (and ids).
    save_model(fitted(repo_root, name, training_frame, small_features), tmp_path / "a.skops")
    save_model(fitted(repo_root, name, training_frame, small_features), tmp_path / "b.skops")
    assert (tmp_path / "a.skops").read_bytes() == (tmp_path / "b.skops").read_bytes()


def test_different_models_give_different_bytes(tmp_path, repo_root, training_frame, small_features):
    model = fitted(repo_root, "logistic_regression", training_frame, small_features)
    save_model(model, tmp_path / "a.skops")
    model.set_params(classifier__C=0.01).fit(
        training_frame[small_features.columns], training_frame[LABEL]
    )
    save_model(model, tmp_path / "b.skops")
    assert (tmp_path / "a.skops").read_bytes() != (tmp_path / "b.skops").read_bytes()


def test_canonical_skops_renumbers_ids_and_fixes_timestamps(
    repo_root, training_frame, small_features
):
    raw = sio.dumps(fitted(repo_root, "random_forest", training_frame, small_features))
    archive = zipfile.ZipFile(io.BytesIO(canonical_skops(raw)))
    names = archive.namelist()
    assert names == sorted(names)
    arrays = sorted(int(n.removesuffix(".npy")) for n in names if n != "schema.json")
    assert max(arrays) < len(arrays) * 10  # small ids in order of appearance, not id() values
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert canonical_skops(canonical_skops(raw)) == canonical_skops(raw)


def test_a_model_with_an_untrusted_type_does_not_load(tmp_path):
    X, y = np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5)
    model = Pipeline([("double", FunctionTransformer(_double)), ("lr", LogisticRegression())])
    path = tmp_path / "model.skops"
    path.write_bytes(canonical_skops(sio.dumps(model.fit(X, y))))
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException, match="_double"):
        load_model(path)


def test_save_model_leaves_no_temporary_files(tmp_path, repo_root, training_frame, small_features):
    save_model(
        fitted(repo_root, "logistic_regression", training_frame, small_features),
        tmp_path / "models" / "model.skops",
    )
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["model.skops"]
