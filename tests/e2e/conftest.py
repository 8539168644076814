"""The e2e tests' fixtures: the breast cancer data as its spec makes it (the EDA notebook's
test of a spec without a time order)."""

from tests.breast_cancer import (  # noqa: F401 (fixtures)
    biopsy_config,
    biopsy_dataset,
    biopsy_raw,
    biopsy_splits,
)
