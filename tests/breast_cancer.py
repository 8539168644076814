"""Fixtures of the breast cancer dataset's own tests (tests/data/breast_cancer,
tests/model/breast_cancer): its data as its spec (conf/dataset/breast_cancer.yaml) makes
it, whatever conf/config.yaml chooses."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT, spec_config


@pytest.fixture(scope="session")
def biopsy_config():
    return spec_config("breast_cancer")


@pytest.fixture(scope="session")
def biopsy_dataset(biopsy_config):
    from flight_delay.datasets import dataset_for

    return dataset_for(biopsy_config)


@pytest.fixture(scope="session")
def biopsy_raw(biopsy_config, biopsy_dataset):
    from flight_delay.datasets.preparation import read_source_tables

    return read_source_tables(biopsy_config.data, biopsy_dataset.schema, root=REPO_ROOT)


@pytest.fixture(scope="session")
def biopsy_splits(biopsy_config, biopsy_dataset, biopsy_raw):
    from flight_delay.datasets.preparation import features_of, prepared_splits

    prepared, _ = prepared_splits(biopsy_raw, biopsy_dataset, biopsy_config.split,
                                  biopsy_config.seed)  # fmt: skip
    return {name: features_of(frame, biopsy_dataset, biopsy_config.features)
            for name, frame in prepared.items()}  # fmt: skip
