"""All trees of a binary HistGradientBoostingClassifier as flat node arrays, walked for all
rows at once with numpy, following sklearn's own rules (_predictor.pyx: missing values,
categorical bitsets, unknown categories).

Shared by fast scoring (operate/fast_scoring.py) and exact TreeSHAP (tree_shap.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class FlatForest:
    """All trees of a binary HistGradientBoostingClassifier as flat node arrays."""

    def __init__(self, classifier: Any) -> None:
        trees = [predictors[0] for predictors in classifier._predictors]
        sizes = [len(tree.nodes) for tree in trees]
        offsets = np.cumsum([0, *sizes[:-1]])
        nodes = np.concatenate([tree.nodes for tree in trees])
        bitset_offsets = np.cumsum([0, *[len(t.raw_left_cat_bitsets) for t in trees[:-1]]])
        owner = np.repeat(np.arange(len(trees)), sizes)
        self.roots = offsets.astype(np.int64)
        self.feature = nodes["feature_idx"].astype(np.int64)
        self.threshold = nodes["num_threshold"]
        self.left = nodes["left"].astype(np.int64) + offsets[owner]
        self.right = nodes["right"].astype(np.int64) + offsets[owner]
        self.is_leaf = nodes["is_leaf"].astype(bool)
        self.missing_left = nodes["missing_go_to_left"].astype(bool)
        self.is_categorical = nodes["is_categorical"].astype(bool)
        self.bitset = nodes["bitset_idx"].astype(np.int64) + bitset_offsets[owner]
        self.value = nodes["value"]
        self.left_bitsets = np.concatenate([t.raw_left_cat_bitsets for t in trees])
        known = classifier._bin_mapper.make_known_categories_bitsets()
        self.known_bitsets, self.known_index = known
        self.baseline = float(np.ravel(classifier._baseline_prediction)[0])

    @staticmethod
    def _in(bitsets: np.ndarray, rows: np.ndarray, codes: np.ndarray) -> np.ndarray:
        found = (bitsets[rows, codes // 32] >> (codes % 32).astype(np.uint32)) & 1
        return np.asarray(found, dtype=bool)

    def raw(self, x: np.ndarray) -> np.ndarray:
        """The raw score (log-odds) of each row of `x`."""
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        active = ~self.is_leaf[node]
        while active.any():
            at = node[active]
            value = x[np.nonzero(active)[0], self.feature[at]]
            missing = np.isnan(value)
            left = np.where(missing, self.missing_left[at], value <= self.threshold[at])
            categorical = self.is_categorical[at] & ~missing
            if categorical.any():
                code = value[categorical]
                negative = code < 0
                code = np.where(negative, 0, code).astype(np.int64) & 0xFF  # uint8, as sklearn
                cat_at = at[categorical]
                in_left = self._in(self.left_bitsets, self.bitset[cat_at], code)
                known = self._in(self.known_bitsets, self.known_index[self.feature[cat_at]], code)
                as_missing = negative | (~in_left & ~known)
                left[categorical] = np.where(as_missing, self.missing_left[cat_at], in_left)
            node[active] = np.where(left, self.left[at], self.right[at])
            active = ~self.is_leaf[node]
        return np.asarray(self.value[node].sum(axis=1) + self.baseline, dtype=np.float64)
