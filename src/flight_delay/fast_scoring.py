"""Score a few rows in a fraction of a millisecond: the fitted pipeline, flattened.

For one row, sklearn spends ~7 ms of overhead: the ColumnTransformer copies a
DataFrame, and HistGradientBoosting calls its trees one by one. For the pipeline
`models.build_model` makes for hist_gradient_boosting (categories ordinal-encoded,
numbers passed through, a binary classifier), `FastScorer` builds the same matrix
with dictionary lookups and walks all trees at once with numpy, following sklearn's
own rules (_predictor.pyx: missing values, categorical bitsets, unknown categories).
`FastScorer.of` checks it against the pipeline on rows that straddle every split
threshold and returns None (use the pipeline) for any other model or any mismatch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

TOLERANCE = 1e-9  # on probabilities; tree sums differ from sklearn's only in rounding
FLAT_MAX_ROWS = 50  # above this, sklearn's tree-by-tree Cython loop is as fast


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
        return ((bitsets[rows, codes // 32] >> (codes % 32).astype(np.uint32)) & 1).astype(bool)

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
        return self.value[node].sum(axis=1) + self.baseline


class FastScorer:
    """Rows (dicts of validated values) -> probability of the positive class."""

    def __init__(self, pipeline: Any) -> None:
        columns = pipeline.named_steps["columns"]
        self.categorical = list(columns.transformers_[0][2])
        self.numeric = list(columns.transformers_[1][2])
        encoder = columns.named_transformers_["categorical"]
        self.codes = [{str(v): float(i) for i, v in enumerate(values)}
                      for values in encoder.categories_]  # fmt: skip
        self.classifier = pipeline.named_steps["classifier"]
        self.forest = FlatForest(self.classifier)

    def matrix(self, rows: list[dict[str, Any]]) -> np.ndarray:
        nan = float("nan")
        return np.array(
            [[codes.get(row[c], nan) for c, codes in zip(self.categorical, self.codes, strict=True)]
             + [nan if row[c] is None else row[c] for c in self.numeric] for row in rows],
            dtype=np.float64,
        )  # fmt: skip

    def flat_probabilities(self, rows: list[dict[str, Any]]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.forest.raw(self.matrix(rows))))

    def probabilities(self, rows: list[dict[str, Any]]) -> np.ndarray:
        if len(rows) > FLAT_MAX_ROWS:
            return self.classifier.predict_proba(self.matrix(rows))[:, 1]
        return self.flat_probabilities(rows)

    @classmethod
    def of(cls, pipeline: Any) -> FastScorer | None:
        """A scorer that agrees with `pipeline`, or None when it cannot be built or checked."""
        if not _supported(pipeline):
            return None
        scorer = cls(pipeline)
        rows = probe_rows(scorer, pipeline)
        import pandas as pd

        frame = pd.DataFrame.from_records(rows, columns=[*scorer.numeric, *scorer.categorical])
        frame = frame.astype(dict.fromkeys(scorer.numeric, "float64"))
        expected = pipeline.predict_proba(frame)[:, 1]
        both = (scorer.flat_probabilities(rows), scorer.probabilities(rows))
        agrees = all(np.allclose(got, expected, rtol=0, atol=TOLERANCE) for got in both)
        return scorer if agrees else None


def _supported(pipeline: Any) -> bool:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.preprocessing import OrdinalEncoder

    try:
        columns, classifier = pipeline.named_steps["columns"], pipeline.named_steps["classifier"]
        names = [(name, kind) for name, kind, _ in columns.transformers]  # as configured
        fitted = [name for name, _, _ in columns.transformers_]
    except (AttributeError, KeyError):
        return False
    return (
        fitted == ["categorical", "numeric"] and names[1] == ("numeric", "passthrough")
        and isinstance(columns.named_transformers_["categorical"], OrdinalEncoder)
        and isinstance(classifier, HistGradientBoostingClassifier)
        and classifier.n_trees_per_iteration_ == 1
    )  # fmt: skip


def probe_rows(scorer: FastScorer, pipeline: Any, n: int = 256, seed: int = 0) -> list[dict]:
    """Rows whose numbers sit on, just below and just above the model's split thresholds
    (and are sometimes missing), with known categories and, now and then, an unknown or
    missing one: both sides of every split, and sklearn's rules for the odd cases."""
    rng = np.random.default_rng(seed)
    thresholds = pipeline.named_steps["classifier"]._bin_mapper.bin_thresholds_
    offset = len(scorer.categorical)
    rows = []
    for _ in range(n):
        row: dict[str, Any] = {}
        for column, codes in zip(scorer.categorical, scorer.codes, strict=True):
            draw, known = rng.random(), str(rng.choice(list(codes)))
            row[column] = None if draw < 0.03 else "?" if draw < 0.06 else known
        for j, column in enumerate(scorer.numeric):
            cuts = np.asarray(thresholds[offset + j], dtype=np.float64)
            if rng.random() < 0.1 or cuts.size == 0:
                row[column] = None
            else:
                row[column] = float(rng.choice(cuts) + rng.choice([-1e-6, 0.0, 1e-6]))
        rows.append(row)
    return rows
