from tests.flights import (  # noqa: F401 (fixtures)
    flights,
    planes,
    real_config,
    real_features,
    real_prepared,
    real_raw,
    weather,
)
