"""Score a few rows in a fraction of a millisecond: the fitted pipeline, flattened.

For one row, sklearn spends ~7 ms of overhead: the ColumnTransformer copies a
DataFrame, and HistGradientBoosting calls its trees one by one. For the pipeline
`core.models.build_model` makes for hist_gradient_boosting (categories ordinal-encoded,
numbers passed through, a binary classifier), `FastScorer` builds the same matrix
with dictionary lookups and walks all trees at once with numpy, following sklearn's
own rules (_predictor.pyx: missing values, categorical bitsets, unknown categories).
`FastScorer.of` checks it against the pipeline on rows that straddle every split
threshold and returns None (use the pipeline) for any other model or any mismatch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from flight_delay.core.flat_forest import FlatForest

TOLERANCE = 1e-9  # on probabilities; tree sums differ from sklearn's only in rounding
FLAT_MAX_ROWS = 50  # above this, sklearn's tree-by-tree Cython loop is as fast


class FastScorer:
    """Rows (dicts of validated values) -> probability of the positive class."""

    def __init__(self, pipeline: Any) -> None:
        columns = pipeline.named_steps["columns"]
        self.categorical = list(columns.transformers_[0][2])
        self.numeric = list(columns.transformers_[1][2])
        from flight_delay.core.models import fitted_categories

        self.codes = [{str(v): float(i) for i, v in enumerate(values)}
                      for values in fitted_categories(pipeline)]  # fmt: skip
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
