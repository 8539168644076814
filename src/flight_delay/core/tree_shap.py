"""Exact SHAP values for HistGradientBoostingClassifier, categorical splits included.

shap's TreeExplainer reads sklearn's histogram trees as if every split were a
threshold; a split on a native categorical feature is a set of categories, so
its values are wrong there (they do not even add up to the prediction). This is
the same algorithm (path-dependent TreeSHAP, Lundberg et al. 2018, Algorithm 2,
as in shap's tree_shap.h), with sklearn's own rule for which child a row goes
to (flat_forest.FlatForest). It walks each tree once for all rows: the
fractions of training samples down a path are the same for every row, so only
the "does this row follow the path" fractions and the path weights are arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from flight_delay.core.flat_forest import FlatForest


@dataclass
class _Path:
    """The unique path to a node: features (-1 = the root's dummy), the share of
    training samples that reached it (zero), whether each row did (one), weights."""

    feature: list[int]
    zero: list[float]
    one: list[np.ndarray]
    weight: list[np.ndarray]

    def copy(self) -> _Path:
        return _Path(list(self.feature), list(self.zero), list(self.one), list(self.weight))


def _extend(path: _Path, zero: float, one: np.ndarray, feature: int) -> None:
    depth = len(path.feature)
    path.feature.append(feature)
    path.zero.append(zero)
    path.one.append(one)
    path.weight.append(np.full_like(one, 1.0 if depth == 0 else 0.0))
    for i in range(depth - 1, -1, -1):
        path.weight[i + 1] = path.weight[i + 1] + one * path.weight[i] * (i + 1) / (depth + 1)
        path.weight[i] = zero * path.weight[i] * (depth - i) / (depth + 1)


def _unwind(path: _Path, index: int) -> None:
    depth = len(path.feature) - 1
    one, zero = path.one[index], path.zero[index]
    follows = one != 0
    safe_one = np.where(follows, one, 1.0)
    next_one = path.weight[depth]
    for i in range(depth - 1, -1, -1):
        kept = path.weight[i]
        followed = next_one * (depth + 1) / ((i + 1) * safe_one)
        path.weight[i] = np.where(follows, followed, kept * (depth + 1) / (zero * (depth - i)))
        next_one = np.where(follows, kept - followed * zero * (depth - i) / (depth + 1), next_one)
    del path.feature[index], path.zero[index], path.one[index]
    path.weight.pop()


def _unwound_sums(path: _Path) -> np.ndarray:
    """For every feature on the path (1 ... depth), the total weight of the path with that
    feature unwound; one row per feature, computed together (this is the hot loop)."""
    depth = len(path.feature) - 1
    one = np.stack(path.one[1:])  # (depth, rows)
    zero = np.asarray(path.zero[1:])[:, None]
    follows = one != 0
    safe_one = np.where(follows, one, 1.0)
    next_one = np.broadcast_to(path.weight[depth], one.shape)
    total = np.zeros_like(one)
    for i in range(depth - 1, -1, -1):
        step = next_one / ((i + 1) * safe_one)
        total += np.where(follows, step, path.weight[i] / (zero * (depth - i)))
        next_one = path.weight[i] - step * zero * (depth - i)
    return total * (depth + 1)


class _Tree:
    def __init__(self, forest: FlatForest, count: np.ndarray, x: np.ndarray, root: int) -> None:
        self.forest, self.count, self.x = forest, count, x
        self.phi = np.zeros_like(x)
        self.expected = 0.0
        self.root = root

    def goes_left(self, node: int) -> np.ndarray:
        """sklearn's rule for one node, for every row (as FlatForest.raw applies it)."""
        f = self.forest
        value = self.x[:, f.feature[node]]
        missing = np.isnan(value)
        if not f.is_categorical[node]:
            return np.asarray(np.where(missing, f.missing_left[node], value <= f.threshold[node]))
        code = np.where(missing | (value < 0), 0, value).astype(np.int64) & 0xFF
        rows = np.zeros(len(value), dtype=np.int64)
        in_left = f._in(f.left_bitsets[[f.bitset[node]]], rows, code)
        known = f._in(f.known_bitsets[[f.known_index[f.feature[node]]]], rows, code)
        as_missing = missing | (value < 0) | (~in_left & ~known)
        return np.where(as_missing, f.missing_left[node], in_left)

    def walk(self, node: int, path: _Path, zero: float, one: np.ndarray, feature: int) -> None:
        f = self.forest
        path = path.copy()
        _extend(path, zero, one, feature)
        if f.is_leaf[node]:
            if len(path.feature) > 1:
                sums = _unwound_sums(path)
                for i, feature in enumerate(path.feature[1:]):
                    contribution = sums[i] * (path.one[i + 1] - path.zero[i + 1])
                    self.phi[:, feature] += contribution * f.value[node]
            self.expected += f.value[node] * self.count[node] / self.count[self.root]
            return
        split = int(f.feature[node])
        incoming_zero, incoming_one = 1.0, np.ones(len(self.x))
        if split in path.feature:
            index = path.feature.index(split)
            incoming_zero, incoming_one = path.zero[index], path.one[index]
            _unwind(path, index)
        left = self.goes_left(node).astype(np.float64)
        for child, follows in ((f.left[node], left), (f.right[node], 1.0 - left)):
            share = self.count[child] / self.count[node]
            self.walk(child, path, incoming_zero * share, incoming_one * follows, split)


def _as_the_trees_see_it(classifier: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sklearn re-encodes categorical columns and moves them first before the trees see
    them; (that matrix, the input column of each of its columns)."""
    preprocessor = getattr(classifier, "_preprocessor", None)
    if preprocessor is None:
        return x, np.arange(x.shape[1])
    categorical = np.asarray(classifier.is_categorical_, dtype=bool)
    order = np.concatenate([np.flatnonzero(categorical), np.flatnonzero(~categorical)])
    return np.asarray(preprocessor.transform(x), dtype=np.float64), order


def hist_gradient_boosting_shap(classifier: Any, x: np.ndarray) -> tuple[np.ndarray, float]:
    """(SHAP values of each row and column of `x`, the classifier's input, expected value),
    in log-odds: each row's values add up to its raw prediction minus the expected value."""
    if classifier.n_trees_per_iteration_ != 1:
        raise ValueError("TreeSHAP here explains binary classifiers only")
    internal, order = _as_the_trees_see_it(classifier, np.asarray(x, dtype=np.float64))
    forest = FlatForest(classifier)
    trees = [predictors[0] for predictors in classifier._predictors]
    count = np.concatenate([tree.nodes["count"] for tree in trees]).astype(np.float64)
    phi, expected = np.zeros_like(internal), forest.baseline
    for root in forest.roots:
        tree = _Tree(forest, count, internal, int(root))
        tree.walk(int(root), _Path([], [], [], []), 1.0, np.ones(len(internal)), -1)
        phi += tree.phi
        expected += tree.expected
    by_input = np.empty_like(phi)
    by_input[:, order] = phi
    return by_input, expected
