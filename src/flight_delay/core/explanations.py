"""SHAP values of the model's raw feature columns.

The model is a Pipeline (encoding, then the estimator); SHAP explains the
estimator on the encoded columns, and an encoded column's values are added back
to the raw feature it came from (SHAP values are additive), so one-hot encoded
features are explained as one feature, like the others.

Histogram gradient boosting: exact TreeSHAP in tree_shap.py (shap 0.51's
TreeExplainer gets native categorical splits wrong); LightGBM: its own exact TreeSHAP
(`pred_contrib`); random forest: shap's
TreeExplainer; logistic regression: shap's LinearExplainer. All in log-odds
except the forest's, which shap explains in probability.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

from flight_delay.infra.figures import new_axes, save_png

TOP_SHOWN = 12


class ExplainError(RuntimeError):
    """The model is of a kind SHAP is not computed for here."""


def source_columns(columns: ColumnTransformer) -> list[str]:
    """For each encoded column, the raw feature column it was made from."""
    sources: list[str] = []
    for name, transformer, inputs in columns.transformers_:
        if name == "remainder" or transformer == "drop":
            continue
        width = columns.output_indices_[name].stop - columns.output_indices_[name].start
        if width == len(inputs):
            sources += list(inputs)
            continue
        encoded = transformer.get_feature_names_out(inputs)  # one-hot: `carrier_AA`, ...
        by_length = sorted(inputs, key=len, reverse=True)  # `route` before `r`-prefixed names
        sources += [next(c for c in by_length if e.startswith(f"{c}_")) for e in encoded]
    return sources


def _estimator_shap(estimator: Any, encoded: np.ndarray) -> np.ndarray:
    kind = type(estimator).__name__
    if kind == "HistGradientBoostingClassifier":
        from flight_delay.core.tree_shap import hist_gradient_boosting_shap

        return hist_gradient_boosting_shap(estimator, encoded)[0]
    if kind == "LGBMClassifier":  # LightGBM's own exact TreeSHAP; the last column: the base
        return np.asarray(estimator.predict_proba(encoded, pred_contrib=True))[:, :-1]
    if kind not in {"RandomForestClassifier", "LogisticRegression"}:
        raise ExplainError(f"no SHAP explainer configured for {kind}")
    import shap

    if kind == "RandomForestClassifier":
        values = shap.TreeExplainer(estimator).shap_values(encoded)
    else:
        values = shap.LinearExplainer(estimator, encoded).shap_values(encoded)
    values = np.asarray(values)
    return values[..., 1] if values.ndim == 3 else values  # class 1 of a two-class output


def shap_by_feature(model: Pipeline, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """SHAP values (one row per row of `frame`, one column per raw feature)."""
    transformer, estimator = model[:-1], model[-1]
    encoded = transformer.transform(frame[columns])
    encoded = encoded.toarray() if hasattr(encoded, "toarray") else np.asarray(encoded)
    values = _estimator_shap(estimator, encoded.astype(np.float64))
    per_encoded = pd.DataFrame(values, columns=source_columns(model[0]))
    return per_encoded.T.groupby(level=0, sort=False).sum().T[columns]


def shap_importance(values: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame(
        {"feature": values.columns, "mean_abs_shap": values.abs().mean().to_numpy()}
    )
    return table.sort_values(["mean_abs_shap", "feature"], ascending=[False, True]).round(6)


def group_shap(values: pd.DataFrame, groups: dict[str, list[str]]) -> pd.Series:
    """Mean absolute SHAP value of each group (its members' values added per row)."""
    return pd.Series(
        {
            group: float(values[members].sum(axis=1).abs().mean())
            for group, members in groups.items()
        }
    ).round(6)


def shap_summary_png(
    values: pd.DataFrame, frame: pd.DataFrame, numeric: list[str], target: Path, seed: int,
    event: str,
) -> None:  # fmt: skip
    """A beeswarm of the top features: one dot per row at its SHAP value, coloured by
    the feature's value (rank within the feature; grey for categories). `event`: what
    the positive class stands for, as a noun."""
    order = values.abs().mean().sort_values(ascending=False).index[:TOP_SHOWN][::-1]
    figure, axes = new_axes(
        "SHAP values, test sample",
        f"SHAP value (log-odds of {event}); colour: low → high value",
        "",
    )
    figure.set_size_inches(6, 0.35 * len(order) + 1.5)
    rng = np.random.default_rng(seed)
    for row, feature in enumerate(order):
        jitter = rng.uniform(-0.3, 0.3, len(values))
        if feature in numeric:
            colour = frame[feature].rank(pct=True).fillna(0.5).to_numpy()
            axes.scatter(values[feature], row + jitter, c=colour, cmap="coolwarm", s=2,
                         vmin=0, vmax=1, rasterized=True)  # fmt: skip
        else:
            axes.scatter(values[feature], row + jitter, color="grey", s=2, rasterized=True)
    axes.set_yticks(range(len(order)), list(order))
    axes.axvline(0, color="black", linewidth=0.5)
    save_png(figure, target)
