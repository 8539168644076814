from tests.flights import (  # noqa: F401 (fixtures)
    real_config,
    real_features,
    real_prepared,
    real_raw,
)
