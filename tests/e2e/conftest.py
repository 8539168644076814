"""The e2e tests' fixtures: the shipped examples' data as their specs make them, for the EDA
notebook's tests (the flights' hypothesis; a spec without a time order or a hypothesis)."""

from tests.breast_cancer import (  # noqa: F401 (fixtures)
    biopsy_config,
    biopsy_dataset,
    biopsy_raw,
    biopsy_splits,
)
from tests.flights import (  # noqa: F401 (fixtures)
    real_config,
    real_features,
    real_prepared,
    real_raw,
)
