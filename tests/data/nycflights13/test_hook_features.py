from __future__ import annotations

import numpy as np
import pytest

from flight_delay.core.feature_rules import FeatureError
from flight_delay.core.features import select_features as select_with
from flight_delay.core.labels import apply_rule as delay_label
from flight_delay.core.validation import null_implausible
from flight_delay.datasets.nycflights13.hook import derive_features, join_planes, join_weather
from flight_delay.datasets.preparation import rules_for
from flight_delay.infra.config import FeaturesConfig
from tests.flights import FLIGHTS as DATASET
from tests.flights import LABEL, rule

LEAKAGE_COLUMNS = DATASET.leakage
CONTEXT_COLUMNS = DATASET.context_columns


def select_features(frame, features: FeaturesConfig):
    """The feature table as `featurize` selects it, with the flights' rules."""
    rules = rules_for(DATASET, features.numeric, features.categorical)
    return select_with(frame, features, rules, list(CONTEXT_COLUMNS), LABEL)


@pytest.fixture
def joined(flights, weather, planes):
    """Flights as `prepare` leaves them (implausible weather missing), but with the
    leakage columns still in."""
    label = rule(missing="positive")  # cancelled flights kept, as delayed
    weather = null_implausible(weather, DATASET.plausibility["weather"])
    return join_planes(join_weather(delay_label(flights, label), weather), planes)


def test_day_of_week_is_that_of_the_local_date(joined):
    derived = derive_features(joined)
    # 2013-01-01 was a Tuesday (0 = Monday), 2013-11-04 a Monday.
    assert derived.loc[0, "day_of_week"] == 1
    assert derived.loc[4, "day_of_week"] == 0
    # Row 5 leaves 23:59 on Tuesday 24 December: already the 25th in UTC (time_hour).
    assert derived.loc[5, "day_of_week"] == 1
    assert derived["day_of_week"].dtype == "int64"


def test_hours_come_from_the_scheduled_times(joined):
    derived = derive_features(joined)
    assert derived["dep_hour"].tolist() == [5, 5, 13, 7, 13, 23]
    assert derived["arr_hour"].tolist() == [8, 8, 16, 8, 17, 1]


def test_route_is_origin_dash_destination(joined):
    derived = derive_features(joined)
    assert derived["route"].tolist()[:3] == ["EWR-IAH", "LGA-IAH", "JFK-MIA"]


def test_plane_age_is_flight_year_minus_plane_year(joined):
    derived = derive_features(joined)
    assert derived["plane_age"].tolist()[:4] == [14.0, 15.0, 14.0, 15.0]
    assert derived.loc[[4, 5], "plane_age"].isna().all()  # no plane data


def test_select_features_returns_context_features_and_label(joined, real_config):
    features = real_config.features
    selected = select_features(derive_features(joined), features)
    context = [c for c in CONTEXT_COLUMNS if c not in features.columns]
    assert list(selected.columns) == [*context, *features.numeric, *features.categorical, LABEL]
    assert selected.columns.is_unique  # month and origin are context and features
    assert (selected[features.numeric].dtypes == np.float64).all()
    assert len(selected) == len(joined)


def test_select_features_never_returns_leakage_columns(joined, real_config):
    frame = derive_features(joined)
    assert set(frame.columns) >= LEAKAGE_COLUMNS
    assert not LEAKAGE_COLUMNS & set(select_features(frame, real_config.features).columns)


def test_select_features_names_a_missing_column(joined):
    features = FeaturesConfig(numeric=["distance", "runway_length"], categorical=["carrier"])
    rules = rules_for(DATASET, ["distance"], ["carrier"])  # runway_length has no rule either
    with pytest.raises(FeatureError, match=r"features: no column \['runway_length'\]"):
        select_with(derive_features(joined), features, rules, list(CONTEXT_COLUMNS), LABEL)


def test_select_features_needs_derived_columns_to_be_added_first(joined, real_config):
    with pytest.raises(FeatureError, match=r"'day_of_week', 'dep_hour', 'arr_hour'"):
        select_features(joined, real_config.features)
