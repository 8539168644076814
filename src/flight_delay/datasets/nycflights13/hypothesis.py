"""The hypothesis of docs/data-definition.md §6, tested by ablation: "Beyond carrier
and route, weather at the origin and the time of day (schedule) carry most of the
remaining signal."

Models that may use only some feature groups are trained on the train split and
scored on the valid split (core/ablation.py); `verdict` applies the decision rule to
their ROC AUC. Pure functions: the notebook (notebooks/eda.ipynb) reads the data and
calls them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from flight_delay.core import ablation as core_ablation
from flight_delay.infra.config import FeaturesConfig, PipelineConfig

BASE, SCHEDULE, WEATHER = "carrier_route", "schedule", "weather"
ALL = "all"
# The nested sets of the ablation, by the groups they add up; ALL is every model input.
GROUP_SETS = {
    BASE: [BASE],
    f"{BASE}+{SCHEDULE}": [BASE, SCHEDULE],
    f"{BASE}+{WEATHER}": [BASE, WEATHER],
    f"{BASE}+{SCHEDULE}+{WEATHER}": [BASE, SCHEDULE, WEATHER],
}
SET_NAMES = [*GROUP_SETS, ALL]
MOST = 0.5  # "most of the remaining signal": at least this share of the gain of all features


class HypothesisError(ValueError):
    """The configuration or the ablation table cannot test the hypothesis."""


def feature_sets(features: FeaturesConfig) -> dict[str, list[str]]:
    """The columns of each ablation set, in the order of `features.columns`."""
    groups = features.resolved_groups()
    missing = [g for g in (BASE, SCHEDULE, WEATHER) if g not in groups]
    if missing:
        raise HypothesisError(
            f"features.groups: the hypothesis needs the groups {[BASE, SCHEDULE, WEATHER]} "
            f"with model inputs in them; missing {missing} (have {sorted(groups)})"
        )
    sets = {}
    for name, members in GROUP_SETS.items():
        chosen = {c for g in members for c in groups[g]}
        sets[name] = [c for c in features.columns if c in chosen]
    return sets | {ALL: list(features.columns)}


def ablation(
    train: pd.DataFrame,
    valid: pd.DataFrame,
    config: PipelineConfig,
    max_rows: int | None = None,
) -> pd.DataFrame:
    """Valid ROC AUC of the configured model fitted on each set's columns of `train`
    (a seeded sample of `max_rows` rows when given)."""
    sets = feature_sets(config.features)
    label = config.label.column
    return core_ablation.ablation(train, valid, sets, config.features, config.model, label,
                                  config.seed, max_rows)  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    schedule_weather_gain: float  # AUC[carrier_route+schedule+weather] - AUC[carrier_route]
    all_gain: float  # AUC[all] - AUC[carrier_route]
    share: float  # schedule_weather_gain / all_gain; nan when all_gain <= 0
    schedule_adds: bool  # AUC[carrier_route+schedule] > AUC[carrier_route]
    weather_adds: bool  # AUC[carrier_route+weather] > AUC[carrier_route]
    holds: bool
    text: str

    @property
    def headline(self) -> str:
        return f"HYPOTHESIS: {'holds' if self.holds else 'does not hold'}"


def verdict(table: pd.DataFrame) -> Verdict:
    """The decision rule of docs/data-definition.md §6 applied to an `ablation` table.
    With no gain from all features over carrier_route the share is undefined and
    the hypothesis does not hold (there is no remaining signal to carry)."""
    missing = [s for s in SET_NAMES if s not in set(table["set"])]
    if missing:
        raise HypothesisError(f"ablation table: no row for {missing}")
    auc = {name: float(value) for name, value in zip(table["set"], table["roc_auc"], strict=True)}
    base = auc[BASE]
    sw_gain = round(auc[f"{BASE}+{SCHEDULE}+{WEATHER}"] - base, 6)
    all_gain = round(auc[ALL] - base, 6)
    share = sw_gain / all_gain if all_gain > 0 else math.nan
    schedule_adds = auc[f"{BASE}+{SCHEDULE}"] > base
    weather_adds = auc[f"{BASE}+{WEATHER}"] > base
    reasons = []
    if all_gain <= 0:
        reasons.append(f"all features together add nothing to {BASE}")
    elif share < MOST:
        reasons.append(f"schedule and weather deliver less than {MOST:.0%} of the gain")
    reasons += [f"{g} alone adds nothing" for g, adds in
                ((SCHEDULE, schedule_adds), (WEATHER, weather_adds)) if not adds]  # fmt: skip
    holds = not reasons
    steps = "; ".join(f"{name} {auc[name]:.4f} ({auc[name] - base:+.4f})" for name in SET_NAMES[1:])
    if all_gain > 0:
        found = f"{sw_gain:+.4f} of the {all_gain:+.4f} that all features add ({share:.0%})"
    else:
        found = f"{sw_gain:+.4f}, all features {all_gain:+.4f}"
    conclusion = "holds" if holds else f"does not hold: {'; '.join(reasons)}"
    text = (
        f"Validation ROC AUC of {BASE} alone: {base:.4f}; with more groups (gain over it): "
        f"{steps}. Schedule and weather together add {found}; schedule alone "
        f"{'adds' if schedule_adds else 'does not add'}, weather alone "
        f"{'adds' if weather_adds else 'does not add'}. The hypothesis {conclusion}."
    )
    return Verdict(sw_gain, all_gain, share, schedule_adds, weather_adds, holds, text)
