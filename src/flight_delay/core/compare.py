"""Pure comparisons of a base and a candidate: metrics, slices, re-run stages, the gate."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flight_delay.core.intervals import DeltaInterval
from flight_delay.infra.config import HIGHER_IS_BETTER, GateConfig

# Values in metrics.json are rounded to 6 decimals; smaller differences are noise.
EPSILON = 5e-7
DESCRIPTIVE = ("rows", "base_rate", "mean_score")  # about the data, not quality


@dataclass(frozen=True)
class MetricChange:
    """A metric of one split on both sides; with the `interval` of the change when both
    models were scored on the same rows (then base and new are those scores')."""

    split: str
    metric: str
    base: float | None
    new: float | None
    interval: DeltaInterval | None = None

    @property
    def delta(self) -> float | None:
        if self.base is None or self.new is None:
            return None
        return self.new - self.base

    @property
    def mark(self) -> str:
        """▲ better, ▼ worse, = unchanged; with an interval, "clear" when it excludes zero
        and "within noise" when it does not; blank for descriptive metrics or a missing
        side."""
        delta = self.delta
        if delta is None or self.metric not in HIGHER_IS_BETTER:
            return ""
        if abs(delta) < EPSILON:
            return "="
        better = (delta > 0) == HIGHER_IS_BETTER[self.metric]
        said = "▲ better" if better else "▼ worse"
        if self.interval is None:
            return said
        return f"**{said}, clear**" if self.interval.clear else f"{said}, within noise"


def as_number(value: object) -> float | None:
    """A finite int or float as float; anything else (NaN, text, None) as None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def lookup(tree: object, *keys: str) -> object:
    """tree[k1][k2]... or None when a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(tree, dict):
            return None
        tree = tree.get(key)
    return tree


def metric_changes(
    base: dict[str, Any], new: dict[str, Any],
    intervals: dict[str, dict[str, DeltaInterval]] | None = None,
) -> list[MetricChange]:  # fmt: skip
    """Quality metrics, then descriptive ones, of every split either side has; a metric
    with an interval (split -> metric -> interval) takes both sides' values from it."""
    order = [*HIGHER_IS_BETTER, *DESCRIPTIVE]
    changes = []
    for split in sorted({*base, *new}, key=lambda s: (s != "test", str(s))):
        scored = (intervals or {}).get(split) or {}
        for metric in order:
            old = as_number(lookup(base, split, metric))
            fresh = as_number(lookup(new, split, metric))
            interval = scored.get(metric)
            if interval is not None and interval.finite:
                old, fresh = interval.base, interval.new
            else:
                interval = None
            if scored and metric in DESCRIPTIVE:  # both models on the PR's rows
                old = fresh if metric in ("rows", "base_rate") else None
            if old is not None or fresh is not None:
                changes.append(MetricChange(split, metric, old, fresh, interval))
    return changes


@dataclass(frozen=True)
class SliceChange:
    column: str
    value: str
    rows: int
    base: float
    new: float
    interval: DeltaInterval | None = None

    @property
    def delta(self) -> float:
        return self.new - self.base

    @property
    def evidence(self) -> float:
        """How far the change stands out of its own noise: |delta| over the distance from
        the delta to the interval's bound on zero's side (above 1 exactly when that bound
        is past zero: the change is clear); 0 without a settled interval (one of a few
        rows, or of one class in many draws). Capped at 99.9."""
        i = self.interval
        if i is None or not i.settled or i.delta == 0:
            return 0.0
        room = i.delta - i.low if i.delta > 0 else i.high - i.delta
        return min(abs(i.delta) / room, 99.9) if room > 0 else 99.9


def moved_slices(
    base: dict[str, Any],
    new: dict[str, Any],
    metric: str = "roc_auc",
    top: int = 5,
    min_rows: int = 100,
) -> list[SliceChange]:
    """The slices (e.g. carrier=AA) whose `metric` moved most, largest change first."""
    changes = []
    for column, values in new.items():
        if not isinstance(values, dict):
            continue
        for value in values:
            old = as_number(lookup(base, column, value, metric))
            fresh = as_number(lookup(new, column, value, metric))
            rows = as_number(lookup(new, column, value, "rows")) or 0
            if old is not None and fresh is not None and rows >= min_rows:
                changes.append(SliceChange(column, str(value), int(rows), old, fresh))
    changes.sort(key=lambda c: (-abs(c.delta), c.column, c.value))
    return [c for c in changes[:top] if abs(c.delta) >= EPSILON]


def ranked_slices(
    intervals: dict[tuple[str, str], DeltaInterval], top: int = 5, min_rows: int = 100,
) -> list[SliceChange]:  # fmt: skip
    """The `top` slices whose change (both models on the slice's rows) stands out most of
    its own noise, most evidence first, slices under `min_rows` after the others; those
    whose metric is undefined (one class) and unchanged ones are left out."""
    changes = [
        SliceChange(column, value, i.rows, i.base, i.new, i)
        for (column, value), i in intervals.items()
        if i.finite and abs(i.delta) >= EPSILON
    ]
    changes.sort(key=lambda c: (c.rows < min_rows, -c.evidence, -abs(c.delta), c.column, c.value))
    return changes[:top]


def changed_stages(base_lock: dict[str, Any], new_lock: dict[str, Any]) -> dict[str, list[str]]:
    """Stages whose dvc.lock entry differs (they re-ran), was added, or was removed."""
    old, new = lookup(base_lock, "stages"), lookup(new_lock, "stages")
    old, new = (side if isinstance(side, dict) else {} for side in (old, new))
    return {
        "re-ran": [name for name in new if name in old and new[name] != old[name]],
        "new": [name for name in new if name not in old],
        "removed": [name for name in old if name not in new],
    }


@dataclass(frozen=True)
class GateResult:
    passed: bool
    message: str


def trivial_baseline(metric: str, positive_rate: float) -> float:
    """`metric` of a model that scores every row with the positive rate `positive_rate`."""
    p = positive_rate
    if metric == "roc_auc":
        return 0.5
    if metric == "pr_auc":
        return p
    if metric == "brier":
        return p * (1 - p)
    if metric == "log_loss":
        return -sum(q * math.log(q) for q in (p, 1 - p) if q > 0)
    raise ValueError(f"no trivial baseline for {metric}")


def _floor(gate: GateConfig, new: dict[str, Any]) -> tuple[float | None, str] | str:
    """The floor (a ceiling for lower-is-better metrics) and how it was set, or why it
    cannot be set: the stricter of gate.floor and the trivial baseline's margin."""
    bounds: list[tuple[float, str]] = []
    if gate.floor is not None:
        bounds.append((gate.floor, str(gate.floor)))
    if gate.floor_over_baseline is not None:
        rate = as_number(lookup(new, gate.split, "base_rate"))
        if rate is None:
            return f"{gate.split}.base_rate is missing from the candidate's metrics"
        baseline = trivial_baseline(gate.metric, rate)
        sign = 1 if gate.higher_is_better else -1
        value = round(baseline + sign * gate.floor_over_baseline, 6)
        how = f"{value:g} (the trivial baseline {baseline:.4f} {'+' if sign > 0 else '-'} "
        bounds.append((value, how + f"{gate.floor_over_baseline})"))
    if not bounds:
        return None, ""
    pick = max if gate.higher_is_better else min
    return pick(bounds, key=lambda bound: bound[0])


def gate_verdict(
    gate: GateConfig, base: dict[str, Any] | None, new: dict[str, Any],
    interval: DeltaInterval | None = None,
) -> GateResult:  # fmt: skip
    """Fail when the candidate is worse than the floor (gate.floor, or the trivial baseline
    plus gate.floor_over_baseline), or worse than base by over `tolerance`: with the
    `interval` of the change (both models on the same rows), only when even its best
    bound is (interval_verdict)."""
    name = f"{gate.split}.{gate.metric}"
    value = as_number(lookup(new, gate.split, gate.metric))
    if value is None:
        return GateResult(False, f"gate: FAIL {name} is missing from the candidate's metrics")
    sign = 1 if gate.higher_is_better else -1  # positive = better
    floor = _floor(gate, new)
    if isinstance(floor, str):
        return GateResult(False, f"gate: FAIL {floor}: no floor over the trivial baseline")
    bound, how = floor
    if bound is not None and sign * (value - bound) < -EPSILON:
        kind = "floor" if gate.higher_is_better else "ceiling"
        return GateResult(False, f"gate: FAIL {name} = {value:.4f} is worse than the {kind} {how}")
    if interval is not None:
        return interval_verdict(gate, interval)
    old = as_number(lookup(base, gate.split, gate.metric))
    if old is None:
        return GateResult(True, f"gate: PASS {name} = {value:.4f} (no baseline to compare with)")
    change = value - old
    if sign * change < -(gate.tolerance + EPSILON):
        return GateResult(
            False,
            f"gate: FAIL {name} {old:.4f} -> {value:.4f} ({change:+.4f}); "
            f"a regression of more than the tolerance {gate.tolerance} is not allowed",
        )
    return GateResult(
        True,
        f"gate: PASS {name} {old:.4f} -> {value:.4f} ({change:+.4f}, tolerance {gate.tolerance})",
    )


def interval_verdict(gate: GateConfig, interval: DeltaInterval) -> GateResult:
    """FAIL when the change is clearly worse than the tolerance (the interval's best bound
    is); PASS otherwise, marked inconclusive when only the point estimate is."""
    name = f"{gate.split}.{gate.metric}"
    i = interval
    said = (f"{name} {i.base:.4f} -> {i.new:.4f} ({i.delta:+.4f}, {i.confidence:.0%} interval "
            f"[{i.low:+.4f}, {i.high:+.4f}] on {i.rows:,} rows)")  # fmt: skip
    if i.worse_beyond(gate.tolerance):
        return GateResult(False, f"gate: FAIL {said}: clearly worse, by more than the "
                                 f"tolerance {gate.tolerance}")  # fmt: skip
    sign = 1 if gate.higher_is_better else -1
    if sign * i.delta < -(gate.tolerance + EPSILON):
        doubt = f"worse than the tolerance {gate.tolerance} by the point estimate, not clearly"
        return GateResult(True, f"gate: PASS {said}: inconclusive, {doubt}")
    return GateResult(True, f"gate: PASS {said}, tolerance {gate.tolerance}")
