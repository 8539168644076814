from __future__ import annotations

import numpy as np
import pandas as pd

from flight_delay.core.drift import column_drift, psi


def test_psi_is_zero_for_equal_shares_and_grows_with_the_shift():
    assert psi(np.array([10, 20, 30]), np.array([1, 2, 3])) == 0
    small = psi(np.array([50, 50]), np.array([45, 55]))
    large = psi(np.array([50, 50]), np.array([10, 90]))
    assert 0 < small < 0.1 < large
    # by hand: (0.1-0.5)ln(0.1/0.5) + (0.9-0.5)ln(0.9/0.5)
    assert np.isclose(large, -0.4 * np.log(0.2) + 0.4 * np.log(1.8))


def test_a_shifted_numeric_column_drifts_and_a_resample_does_not():
    rng = np.random.default_rng(0)
    reference = pd.Series(rng.normal(50, 10, 20_000))
    same = column_drift(reference, pd.Series(rng.normal(50, 10, 5_000)), True, 10)
    moved = column_drift(reference, pd.Series(rng.normal(60, 10, 5_000)), True, 10)
    assert not same.drifted(0.2, 0.01) and same.psi < 0.02
    assert moved.drifted(0.2, 0.01) and moved.test == "ks" and moved.statistic > 0.3


def test_missing_values_count_as_their_own_bin():
    reference = pd.Series([1.0, 2.0, 3.0, 4.0] * 500)
    current = pd.Series([1.0, np.nan, np.nan, np.nan] * 500)
    found = column_drift(reference, current, True, 4)
    assert found.missing_current == 0.75 and found.psi > 1


def test_categorical_drift_uses_chi_squared_and_an_other_bucket():
    reference = pd.Series(["JFK", "LGA", "EWR"] * 1000)
    same = column_drift(reference, pd.Series(["JFK", "LGA", "EWR"] * 300), False, 10)
    moved = column_drift(reference, pd.Series(["JFK"] * 800 + ["SFO"] * 100), False, 10)
    assert same.test == "chi2" and same.psi == 0 and same.p_value > 0.99
    assert moved.drifted(0.2, 0.01)
