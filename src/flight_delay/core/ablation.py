"""Ablation: the configured model fitted on named subsets of the features, each scored on
held-out rows, so that a hypothesis about which features carry the signal can be tested
(the dataset spec's `hypothesis` names the groups and the share; without one, each group
is scored alone)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from sklearn.metrics import roc_auc_score

from flight_delay.core.importance import importance_sample
from flight_delay.core.models import fit_model
from flight_delay.infra.config import FeaturesConfig, HypothesisConfig, ModelConfig


def restricted(features: FeaturesConfig, columns: list[str]) -> FeaturesConfig:
    """The features config with only `columns` as inputs (their kinds kept)."""
    return FeaturesConfig(
        numeric=[c for c in features.numeric if c in columns],
        categorical=[c for c in features.categorical if c in columns],
    )


def ablation(
    train: pd.DataFrame,
    valid: pd.DataFrame,
    sets: dict[str, list[str]],
    features: FeaturesConfig,
    model: ModelConfig,
    label: str,
    seed: int,
    max_rows: int | None = None,
) -> pd.DataFrame:
    """Valid ROC AUC of `model` fitted on each set's columns of `train` (a seeded sample of
    `max_rows` rows when given): one row per set (set, columns, roc_auc)."""
    if max_rows is not None:
        train = importance_sample(train, max_rows, seed)
    rows = []
    for name, columns in sets.items():
        chosen = restricted(features, columns)
        fitted = fit_model(train, label, chosen, model, seed)
        score = fitted.predict_proba(valid[chosen.columns])[:, 1]
        rows.append({"set": name, "columns": " ".join(columns),
                     "roc_auc": round(float(roc_auc_score(valid[label], score)), 6)})  # fmt: skip
    return pd.DataFrame(rows, columns=["set", "columns", "roc_auc"])


ALL = "all"
MISSING_HYPOTHESIS = "HYPOTHESIS: none declared (the dataset spec's `hypothesis`)"


class HypothesisError(ValueError):
    """The configuration or the ablation table cannot test the hypothesis."""


def feature_sets(
    features: FeaturesConfig, hypothesis: HypothesisConfig | None
) -> dict[str, list[str]]:
    """The columns of each ablation set, in the order of `features.columns`. With a
    hypothesis: the base groups, the base plus each tested group, the base plus all of
    them, and every input. Without: each group alone, and every input."""
    groups = features.resolved_groups()
    if hypothesis is None:
        named = {g: [g] for g in features.groups if g in groups}
    else:
        missing = [g for g in (*hypothesis.base, *hypothesis.groups) if g not in groups]
        if missing:
            raise HypothesisError(f"hypothesis: no model inputs in the groups {missing}")
        base = "+".join(hypothesis.base)
        named = {base: list(hypothesis.base)}
        named |= {f"{base}+{g}": [*hypothesis.base, g] for g in hypothesis.groups}
        if len(hypothesis.groups) > 1:
            named[together(hypothesis)] = [*hypothesis.base, *hypothesis.groups]
    sets = {}
    for name, members in named.items():
        chosen = {c for g in members for c in groups[g]}
        sets[name] = [c for c in features.columns if c in chosen]
    return sets | {ALL: list(features.columns)}


def together(hypothesis: HypothesisConfig) -> str:
    return "+".join([*hypothesis.base, *hypothesis.groups])


@dataclass(frozen=True)
class Verdict:
    tested_gain: float  # AUC[base + tested groups] - AUC[base]
    all_gain: float  # AUC[all] - AUC[base]
    share: float  # tested_gain / all_gain; nan when all_gain <= 0
    adds: dict[str, bool]  # tested group -> AUC[base + group] > AUC[base]
    holds: bool
    text: str

    @property
    def headline(self) -> str:
        return f"HYPOTHESIS: {'holds' if self.holds else 'does not hold'}"


def verdict(table: pd.DataFrame, hypothesis: HypothesisConfig) -> Verdict:
    """The hypothesis's decision rule applied to an `ablation` table of its feature sets.
    With no gain from all features over the base the share is undefined and the
    hypothesis does not hold (there is no remaining signal to carry)."""
    base = "+".join(hypothesis.base)
    alone = {g: f"{base}+{g}" for g in hypothesis.groups}
    names = [base, *alone.values(), together(hypothesis), ALL]
    missing = [s for s in dict.fromkeys(names) if s not in set(table["set"])]
    if missing:
        raise HypothesisError(f"ablation table: no row for {missing}")
    auc = {str(n): float(v) for n, v in zip(table["set"], table["roc_auc"], strict=True)}
    tested_gain = round(auc[together(hypothesis)] - auc[base], 6)
    all_gain = round(auc[ALL] - auc[base], 6)
    share = tested_gain / all_gain if all_gain > 0 else math.nan
    adds = {g: auc[name] > auc[base] for g, name in alone.items()}
    tested = " and ".join(hypothesis.groups)
    reasons = []
    if all_gain <= 0:
        reasons.append(f"all features together add nothing to {base}")
    elif share < hypothesis.share:
        reasons.append(f"{tested} deliver less than {hypothesis.share:.0%} of the gain")
    if len(hypothesis.groups) > 1:
        reasons += [f"{g} alone adds nothing" for g, added in adds.items() if not added]
    holds = not reasons
    steps = "; ".join(f"{n} {auc[n]:.4f} ({auc[n] - auc[base]:+.4f})"
                      for n in dict.fromkeys(names[1:]))  # fmt: skip
    if all_gain > 0:
        found = f"{tested_gain:+.4f} of the {all_gain:+.4f} that all features add ({share:.0%})"
    else:
        found = f"{tested_gain:+.4f}, all features {all_gain:+.4f}"
    alone_text = ", ".join(f"{g} alone {'adds' if a else 'does not add'}" for g, a in adds.items())
    conclusion = "holds" if holds else f"does not hold: {'; '.join(reasons)}"
    text = (
        f"Validation ROC AUC of {base} alone: {auc[base]:.4f}; with more groups (gain over "
        f"it): {steps}. {tested} add {found}; {alone_text}. The hypothesis {conclusion}."
    )
    return Verdict(tested_gain, all_gain, share, adds, holds, text)
