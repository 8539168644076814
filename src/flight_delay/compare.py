"""Pure comparisons of a base and a candidate: metrics, slices, re-run stages, the gate."""

from __future__ import annotations

from dataclasses import dataclass

from flight_delay.config import HIGHER_IS_BETTER, GateConfig

# Values in metrics.json are rounded to 6 decimals; smaller differences are noise.
EPSILON = 5e-7
DESCRIPTIVE = ("rows", "base_rate", "mean_score")  # about the data, not quality


@dataclass(frozen=True)
class MetricChange:
    split: str
    metric: str
    base: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        if self.base is None or self.new is None:
            return None
        return self.new - self.base

    @property
    def mark(self) -> str:
        """▲ better, ▼ worse, = unchanged; blank for descriptive metrics or a missing side."""
        delta = self.delta
        if delta is None or self.metric not in HIGHER_IS_BETTER:
            return ""
        if abs(delta) < EPSILON:
            return "="
        better = (delta > 0) == HIGHER_IS_BETTER[self.metric]
        return "▲ better" if better else "▼ worse"


def as_number(value: object) -> float | None:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if is_number else None


def metric_changes(base: dict, new: dict) -> list[MetricChange]:
    """Quality metrics, then descriptive ones, of every split either side has."""
    order = [*HIGHER_IS_BETTER, *DESCRIPTIVE]
    changes = []
    for split in sorted({*base, *new}, key=lambda s: (s != "test", s)):
        old_values, new_values = base.get(split), new.get(split)
        old_values = old_values if isinstance(old_values, dict) else {}
        new_values = new_values if isinstance(new_values, dict) else {}
        for metric in order:
            old, fresh = as_number(old_values.get(metric)), as_number(new_values.get(metric))
            if old is not None or fresh is not None:
                changes.append(MetricChange(split, metric, old, fresh))
    return changes


@dataclass(frozen=True)
class SliceChange:
    column: str
    value: str
    rows: int
    base: float
    new: float

    @property
    def delta(self) -> float:
        return self.new - self.base


def moved_slices(
    base: dict, new: dict, metric: str = "roc_auc", top: int = 5, min_rows: int = 100
) -> list[SliceChange]:
    """The slices (e.g. carrier=AA) whose `metric` moved most, largest change first."""
    changes = []
    for column, values in new.items():
        old_values = base.get(column)
        if not isinstance(values, dict) or not isinstance(old_values, dict):
            continue
        for value, stats in values.items():
            old_stats = old_values.get(value)
            if not isinstance(stats, dict) or not isinstance(old_stats, dict):
                continue
            old, fresh = as_number(old_stats.get(metric)), as_number(stats.get(metric))
            rows = as_number(stats.get("rows")) or 0
            if old is not None and fresh is not None and rows >= min_rows:
                changes.append(SliceChange(column, str(value), int(rows), old, fresh))
    changes.sort(key=lambda c: (-abs(c.delta), c.column, c.value))
    return [c for c in changes[:top] if abs(c.delta) >= EPSILON]


def changed_stages(base_lock: dict, new_lock: dict) -> dict[str, list[str]]:
    """Stages whose dvc.lock entry differs (they re-ran), was added, or was removed."""
    old = base_lock.get("stages") or {}
    new = new_lock.get("stages") or {}
    return {
        "re-ran": [name for name in new if name in old and new[name] != old[name]],
        "new": [name for name in new if name not in old],
        "removed": [name for name in old if name not in new],
    }


@dataclass(frozen=True)
class GateResult:
    passed: bool
    message: str


def _value(metrics: dict, split: str, metric: str) -> float | None:
    values = metrics.get(split)
    return as_number(values.get(metric)) if isinstance(values, dict) else None


def gate_verdict(gate: GateConfig, base: dict | None, new: dict) -> GateResult:
    """Fail when the candidate is worse than `floor`, or worse than base by over `tolerance`."""
    name = f"{gate.split}.{gate.metric}"
    value = _value(new, gate.split, gate.metric)
    if value is None:
        return GateResult(False, f"gate: FAIL {name} is missing from the candidate's metrics")
    sign = 1 if gate.higher_is_better else -1  # positive = better
    if gate.floor is not None and sign * (value - gate.floor) < -EPSILON:
        bound = "floor" if gate.higher_is_better else "ceiling"
        return GateResult(
            False, f"gate: FAIL {name} = {value:.4f} is worse than the {bound} {gate.floor}"
        )
    old = _value(base or {}, gate.split, gate.metric)
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
