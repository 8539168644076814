"""tree_shap against shap (numeric splits) and against Shapley values by brute force
(categorical splits, missing values), on small fitted HistGradientBoosting models."""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from flight_delay.core.tree_shap import hist_gradient_boosting_shap


def planted(n: int = 600, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """`a` and the category `c` (in the middle, with codes 0-4) carry the label."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {"a": rng.normal(size=n), "c": rng.integers(0, 5, n).astype(float), "b": rng.normal(size=n)}
    )
    x.loc[::11, "a"] = np.nan
    y = (x["a"].fillna(0) + 2 * (x["c"] == 2) + rng.normal(size=n) > 1).astype(int)
    return x, y.to_numpy()


def fit(categorical: list[bool]) -> tuple[HistGradientBoostingClassifier, np.ndarray]:
    x, y = planted()
    model = HistGradientBoostingClassifier(
        max_iter=8, max_leaf_nodes=6, categorical_features=categorical, random_state=0
    )
    return model.fit(x.to_numpy(), y), x.to_numpy()


def test_numeric_splits_give_what_shap_gives():
    import shap

    model, x = fit([False, False, False])
    ours, expected = hist_gradient_boosting_shap(model, x)
    explainer = shap.TreeExplainer(model)
    np.testing.assert_allclose(ours, explainer.shap_values(x), rtol=0, atol=1e-9)
    assert expected == pytest.approx(float(np.ravel(explainer.expected_value)[0]), abs=1e-9)


def _goes_left(node, value: float, tree, categorical: bool) -> bool:
    if np.isnan(value):
        return bool(node["missing_go_to_left"])
    if categorical and node["is_categorical"]:
        code = int(value)
        word = tree.raw_left_cat_bitsets[node["bitset_idx"], code // 32]
        return bool((int(word) >> (code % 32)) & 1)
    return value <= node["num_threshold"]


def _expectation(tree, row: np.ndarray, known: set[int], node: int = 0) -> float:
    """The tree's output when only the features in `known` are known (the others
    follow the training samples down both branches): TreeSHAP's value function."""
    here = tree.nodes[node]
    if here["is_leaf"]:
        return float(here["value"])
    left, right = int(here["left"]), int(here["right"])
    feature = int(here["feature_idx"])
    if feature in known:
        branch = left if _goes_left(here, row[feature], tree, True) else right
        return _expectation(tree, row, known, branch)
    count = tree.nodes["count"]
    return sum(
        count[child] / count[node] * _expectation(tree, row, known, child)
        for child in (left, right)
    )


def brute_force_shapley(model, internal_row: np.ndarray) -> np.ndarray:
    trees = [predictors[0] for predictors in model._predictors]
    m = len(internal_row)

    def value(known: set[int]) -> float:
        return sum(_expectation(tree, internal_row, known) for tree in trees)

    phi = np.zeros(m)
    for i in range(m):
        others = [j for j in range(m) if j != i]
        for size in range(m):
            weight = factorial(size) * factorial(m - size - 1) / factorial(m)
            for subset in combinations(others, size):
                phi[i] += weight * (value({*subset, i}) - value(set(subset)))
    return phi


def test_categorical_splits_and_missing_values_give_exact_shapley_values():
    model, x = fit([False, True, False])
    ours, expected = hist_gradient_boosting_shap(model, x)
    # the trees see the category first (sklearn moves categorical columns to the front)
    internal = model._preprocessor.transform(x)
    for row in (0, 11, 57, 301):  # 0 and 11 have `a` missing
        exact = brute_force_shapley(model, np.asarray(internal[row], dtype=np.float64))
        np.testing.assert_allclose(ours[row], exact[[1, 0, 2]], rtol=0, atol=1e-9)
    raw = model.decision_function(x)
    np.testing.assert_allclose(ours.sum(axis=1) + expected, raw, rtol=0, atol=1e-9)


def test_the_category_that_carries_the_label_gets_the_largest_values():
    model, x = fit([False, True, False])
    ours, _ = hist_gradient_boosting_shap(model, x)
    assert ours[x[:, 1] == 2, 1].mean() > 0.5 > ours[x[:, 1] != 2, 1].mean()
    assert np.abs(ours[:, 2]).mean() < np.abs(ours[:, 1]).mean()
