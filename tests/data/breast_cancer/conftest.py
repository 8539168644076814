from tests.breast_cancer import (  # noqa: F401 (fixtures)
    biopsy_config,
    biopsy_dataset,
    biopsy_raw,
    biopsy_splits,
)
