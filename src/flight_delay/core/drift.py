"""Drift statistics: how far a current sample of a column is from its reference.

- PSI (population stability index): sum over bins of (c - r) * ln(c / r), where r and
  c are the shares of the reference and current rows in each bin. Numeric columns are
  cut at the reference's quantiles (equal-sized bins) plus one bin for missing values;
  categorical columns use the reference's categories plus `(other)` and `(missing)`.
  Rules of thumb: < 0.1 stable, 0.1-0.25 moderate, > 0.25 large.
- KS (numeric): scipy's two-sample Kolmogorov-Smirnov test on the non-missing values;
  the statistic is the largest gap between the two empirical CDFs.
- Chi-squared (categorical): scipy's test of independence on the 2 x bins table of
  counts (same bins as PSI).
Shares are floored at EPSILON so that an empty bin does not make PSI infinite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

EPSILON = 1e-4
OTHER, MISSING = "(other)", "(missing)"


@dataclass(frozen=True)
class ColumnDrift:
    kind: str  # numeric or categorical
    psi: float
    test: str  # ks or chi2
    statistic: float
    p_value: float
    missing_reference: float
    missing_current: float

    def drifted(self, psi_threshold: float, p_value: float) -> bool:
        return self.psi >= psi_threshold and self.p_value < p_value


def psi(reference_counts: np.ndarray, current_counts: np.ndarray) -> float:
    r = np.maximum(reference_counts / max(reference_counts.sum(), 1), EPSILON)
    c = np.maximum(current_counts / max(current_counts.sum(), 1), EPSILON)
    return float(np.sum((c - r) * np.log(c / r)))


def numeric_bins(reference: pd.Series, bins: int) -> np.ndarray:
    """Interior cut points: the reference's quantiles, without repeats."""
    values = reference.dropna().to_numpy(dtype="float64")
    if values.size == 0:
        return np.array([])
    return np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))


def numeric_counts(values: pd.Series, cuts: np.ndarray) -> np.ndarray:
    present = values.dropna().to_numpy(dtype="float64")
    binned = np.bincount(np.searchsorted(cuts, present, side="right"), minlength=len(cuts) + 1)
    return np.append(binned, values.isna().sum())


def categorical_counts(values: pd.Series, categories: list[str]) -> np.ndarray:
    known = values.where(values.isin(categories) | values.isna(), OTHER).fillna(MISSING)
    counts = known.value_counts().reindex([*categories, OTHER, MISSING], fill_value=0)
    return np.asarray(counts.to_numpy(), dtype=np.int64)


def _chi2(reference_counts: np.ndarray, current_counts: np.ndarray) -> tuple[float, float]:
    from scipy.stats import chi2_contingency

    table = np.vstack([reference_counts, current_counts])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 0.0, 1.0  # one category in all: nothing to test
    result = chi2_contingency(table)
    return float(result.statistic), float(result.pvalue)


def _ks(reference: pd.Series, current: pd.Series) -> tuple[float, float]:
    from scipy.stats import ks_2samp

    a, b = reference.dropna().to_numpy("float64"), current.dropna().to_numpy("float64")
    if a.size == 0 or b.size == 0:
        return 0.0, 1.0
    result = ks_2samp(a, b)
    return float(result.statistic), float(result.pvalue)


def column_drift(reference: pd.Series, current: pd.Series, numeric: bool, bins: int) -> ColumnDrift:
    missing = (float(reference.isna().mean()), float(current.isna().mean()))
    if numeric:
        cuts = numeric_bins(reference, bins)
        counts = numeric_counts(reference, cuts), numeric_counts(current, cuts)
        return ColumnDrift("numeric", psi(*counts), "ks", *_ks(reference, current), *missing)
    categories = sorted(str(v) for v in reference.dropna().unique())
    reference, current = reference.astype("string"), current.astype("string")
    counts = categorical_counts(reference, categories), categorical_counts(current, categories)
    return ColumnDrift("categorical", psi(*counts), "chi2", *_chi2(*counts), *missing)
