from __future__ import annotations

import pytest

from flight_delay.core.compare import (
    MetricChange,
    changed_stages,
    gate_verdict,
    metric_changes,
    moved_slices,
    trivial_baseline,
)
from flight_delay.infra.config import GateConfig

GATE = GateConfig(metric="roc_auc", split="test", tolerance=0.005, floor=0.68)


def metrics(roc_auc: float, **extra) -> dict:
    return {"test": {"roc_auc": roc_auc, "rows": 1000, **extra}}


@pytest.mark.parametrize(
    ("metric", "base", "new", "mark"),
    [
        ("roc_auc", 0.70, 0.71, "▲ better"),
        ("roc_auc", 0.70, 0.69, "▼ worse"),
        ("log_loss", 0.50, 0.49, "▲ better"),
        ("log_loss", 0.50, 0.51, "▼ worse"),
        ("roc_auc", 0.700001, 0.7000012, "="),
        ("rows", 10, 20, ""),
        ("roc_auc", None, 0.7, ""),
    ],
)
def test_mark_follows_the_direction_of_the_metric(metric, base, new, mark):
    assert MetricChange("test", metric, base, new).mark == mark


def test_metric_changes_put_test_first_and_keep_one_sided_metrics():
    base = {"valid": {"roc_auc": 0.6}, "test": {"roc_auc": 0.7, "f1": 0.4}}
    new = {"valid": {"roc_auc": 0.65}, "test": {"roc_auc": 0.72, "brier": 0.2}}
    changes = metric_changes(base, new)
    assert [(c.split, c.metric) for c in changes] == [
        ("test", "roc_auc"), ("test", "f1"), ("test", "brier"), ("valid", "roc_auc"),
    ]  # fmt: skip
    f1, brier = changes[1], changes[2]
    assert (f1.base, f1.new, f1.delta) == (0.4, None, None)
    assert (brier.base, brier.new) == (None, 0.2)
    assert changes[0].delta == pytest.approx(0.02)


def test_metric_changes_tolerate_a_base_of_another_shape():
    flat_base = {"roc_auc": 0.7, "note": "older pipeline wrote one flat dict"}
    changes = metric_changes(flat_base, metrics(0.71))
    assert {(c.split, c.metric, c.base) for c in changes} == {
        ("test", "roc_auc", None), ("test", "rows", None),
    }  # fmt: skip


def test_moved_slices_rank_by_absolute_change_and_skip_small_or_one_sided_slices():
    def stats(auc, rows=500):
        return {"roc_auc": auc, "rows": rows}

    base = {"carrier": {"AA": stats(0.70), "UA": stats(0.70), "XX": stats(0.5, rows=10)},
            "origin": {"JFK": stats(0.70)}}  # fmt: skip
    new = {"carrier": {"AA": stats(0.69), "UA": stats(0.75), "XX": stats(0.9, rows=10),
                       "NEW": stats(0.8)},
           "origin": {"JFK": stats(0.70)}, "month": {"3": stats(0.7)}}  # fmt: skip
    moved = moved_slices(base, new, top=5)
    assert [(m.column, m.value) for m in moved] == [("carrier", "UA"), ("carrier", "AA")]
    assert moved[0].delta == pytest.approx(0.05)
    assert moved_slices(base, new, top=1)[0].value == "UA"


def test_changed_stages_names_reran_new_and_removed():
    base = {"stages": {"ingest": {"outs": [1]}, "train": {"outs": [1]}, "old": {}}}
    new = {"stages": {"ingest": {"outs": [1]}, "train": {"outs": [2]}, "report": {}}}
    assert changed_stages(base, new) == {"re-ran": ["train"], "new": ["report"], "removed": ["old"]}
    assert changed_stages({}, new)["new"] == ["ingest", "train", "report"]


def test_gate_passes_within_tolerance_and_names_the_numbers():
    result = gate_verdict(GATE, metrics(0.700), metrics(0.696))
    assert result.passed
    assert "0.7000 -> 0.6960" in result.message and "tolerance 0.005" in result.message


def test_gate_fails_on_a_drop_beyond_tolerance_with_metric_amount_and_threshold():
    result = gate_verdict(GATE, metrics(0.700), metrics(0.690))
    assert not result.passed
    assert result.message.startswith("gate: FAIL test.roc_auc 0.7000 -> 0.6900 (-0.0100)")
    assert "tolerance 0.005" in result.message
    assert "\n" not in result.message


def test_gate_fails_under_the_floor_even_without_a_baseline():
    result = gate_verdict(GATE, None, metrics(0.65))
    assert not result.passed and "floor 0.68" in result.message


def test_gate_passes_with_a_note_when_there_is_no_baseline():
    for base in (None, {}, {"test": {"f1": 0.4}}):
        result = gate_verdict(GATE, base, metrics(0.70))
        assert result.passed and "no baseline" in result.message


def test_gate_fails_when_the_candidate_lacks_the_metric():
    result = gate_verdict(GATE, metrics(0.7), {"valid": {"roc_auc": 0.7}})
    assert not result.passed and "missing" in result.message


def test_gate_on_a_lower_is_better_metric_treats_an_increase_as_a_drop():
    gate = GateConfig(metric="log_loss", split="test", tolerance=0.01, floor=0.6)
    worse = gate_verdict(gate, {"test": {"log_loss": 0.50}}, {"test": {"log_loss": 0.52}})
    better = gate_verdict(gate, {"test": {"log_loss": 0.50}}, {"test": {"log_loss": 0.45}})
    ceiling = gate_verdict(gate, None, {"test": {"log_loss": 0.61}})
    assert not worse.passed and better.passed
    assert not ceiling.passed and "ceiling 0.6" in ceiling.message


def test_gate_without_floor_only_compares():
    gate = GateConfig(metric="roc_auc", split="test", tolerance=0.0)
    assert gate_verdict(gate, None, metrics(0.1)).passed
    assert not gate_verdict(gate, metrics(0.7), metrics(0.6999)).passed


def test_nan_or_infinite_metrics_are_missing_not_numbers():
    nan = float("nan")
    assert not gate_verdict(GATE, metrics(0.7), metrics(nan)).passed
    assert "no baseline" in gate_verdict(GATE, metrics(nan), metrics(0.7)).message
    assert metric_changes({}, {"test": {"roc_auc": nan, "f1": float("inf")}}) == []


def test_every_gate_metric_has_a_direction():
    from typing import get_args

    from flight_delay.infra.config import HIGHER_IS_BETTER

    metric_type = GateConfig.model_fields["metric"].annotation
    assert set(get_args(metric_type)) == set(HIGHER_IS_BETTER)


def test_changed_stages_tolerates_a_lock_of_another_shape():
    assert changed_stages({"stages": ["train"]}, {"stages": {"train": {}}})["new"] == ["train"]
    assert changed_stages({"schema": "1.0"}, {"stages": None}) == {
        "re-ran": [], "new": [], "removed": [],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("metric", "baseline"),
    [("roc_auc", 0.5), ("pr_auc", 0.2), ("brier", 0.16), ("log_loss", 0.500402)],
)
def test_the_trivial_baseline_scores_every_row_with_the_positive_rate(metric, baseline):
    assert trivial_baseline(metric, 0.2) == pytest.approx(baseline, abs=1e-6)


def test_a_floor_over_the_trivial_baseline_follows_the_positive_rate():
    gate = GateConfig(metric="pr_auc", split="test", tolerance=0.01, floor_over_baseline=0.1)
    rare = {"test": {"pr_auc": 0.25, "base_rate": 0.1}}  # 0.15 over the baseline 0.1
    common = {"test": {"pr_auc": 0.25, "base_rate": 0.2}}  # 0.05 over the baseline 0.2
    assert gate_verdict(gate, None, rare).passed
    refused = gate_verdict(gate, None, common)
    assert not refused.passed
    assert "worse than the floor 0.3 (the trivial baseline 0.2000 + 0.1)" in refused.message


def test_the_stricter_of_two_floors_applies_and_a_ceiling_sits_below_the_baseline():
    both = GateConfig(metric="roc_auc", split="test", tolerance=0.01, floor=0.55,
                      floor_over_baseline=0.1)  # fmt: skip
    assert not gate_verdict(both, None, metrics(0.58, base_rate=0.3)).passed  # under 0.6
    loss = GateConfig(metric="brier", split="test", tolerance=0.01, floor_over_baseline=0.05)
    assert gate_verdict(loss, None, {"test": {"brier": 0.10, "base_rate": 0.2}}).passed
    worse = gate_verdict(loss, None, {"test": {"brier": 0.12, "base_rate": 0.2}})
    assert not worse.passed and "ceiling 0.11 (the trivial baseline 0.1600 - 0.05)" in worse.message


def test_a_floor_over_the_baseline_needs_the_positive_rate():
    gate = GateConfig(metric="pr_auc", split="test", tolerance=0.01, floor_over_baseline=0.1)
    result = gate_verdict(gate, None, {"test": {"pr_auc": 0.5}})
    assert not result.passed and "test.base_rate is missing" in result.message


def test_a_floor_over_the_baseline_is_refused_for_metrics_a_constant_cannot_score():
    with pytest.raises(ValueError, match="gate.floor_over_baseline: no trivial baseline for f1"):
        GateConfig(metric="f1", split="test", tolerance=0.01, floor_over_baseline=0.1)


def planted(rows: slice, drop_noise: float, seed: int = 0):
    """The interval of a real, small regression (the candidate's scores noisier, ROC AUC
    -0.017 over all 60,000 rows) on `rows` of the same planted data."""
    import numpy as np

    from flight_delay.core.intervals import paired_delta

    rng = np.random.default_rng(seed)
    truth = (rng.random(60_000) < 0.3).astype(int)
    good = 1 / (1 + np.exp(-(0.8 * (2 * truth - 1) + rng.normal(size=60_000))))
    worse = np.clip(good + rng.normal(scale=drop_noise, size=60_000), 0, 1)
    return paired_delta("roc_auc", truth[rows], good[rows], worse[rows], resamples=300)


def test_with_an_interval_a_small_real_regression_on_many_rows_fails_in_one_line():
    interval = planted(slice(None), 0.08)
    result = gate_verdict(GATE, metrics(0.70), metrics(0.69), interval)
    assert not result.passed and "\n" not in result.message
    assert result.message.startswith(
        f"gate: FAIL test.roc_auc {interval.base:.4f} -> {interval.new:.4f} "
        f"({interval.delta:+.4f}, 95% interval [{interval.low:+.4f}, {interval.high:+.4f}] "
        "on 60,000 rows): clearly worse, by more than the tolerance 0.005"
    )


def test_with_an_interval_the_same_drop_on_few_rows_passes_marked_inconclusive():
    interval = planted(slice(1200, 1350), 0.08)  # 150 rows whose drop is like all rows'
    assert -0.025 < interval.delta < -0.01  # beyond the tolerance, by the point estimate
    result = gate_verdict(GATE, metrics(0.70), metrics(0.69), interval)
    assert result.passed, result.message
    assert "on 150 rows): inconclusive, worse than the tolerance 0.005" in result.message


def test_with_an_interval_identical_models_pass_and_the_floor_still_applies():
    import numpy as np

    from flight_delay.core.intervals import paired_delta

    truth = np.array([0, 1] * 500)
    score = np.linspace(0.2, 0.8, 1000)
    same = paired_delta("roc_auc", truth, score, score, resamples=100)
    passed = gate_verdict(GATE, metrics(0.70), metrics(0.70), same)
    assert passed.passed and "(+0.0000, 95% interval [+0.0000, +0.0000]" in passed.message
    under = gate_verdict(GATE, metrics(0.70), metrics(0.60), same)  # absolute, as before
    assert not under.passed and "worse than the floor 0.68" in under.message


def interval_of(metric: str, base: float, new: float, low: float, high: float, **kw):
    from flight_delay.core.intervals import DeltaInterval

    return DeltaInterval(metric, kw.pop("rows", 1000), base, new, low, high, 0.95, 1000, **kw)


def test_marks_read_the_interval_on_the_side_of_the_change_and_turn_round_for_losses():
    from flight_delay.core.compare import MetricChange

    def mark(metric, base, new, low, high):
        return MetricChange(
            "test", metric, base, new, interval_of(metric, base, new, low, high)
        ).mark

    assert mark("roc_auc", 0.70, 0.69, -0.015, -0.005) == "**▼ worse, clear**"
    assert mark("roc_auc", 0.70, 0.69, -0.02, 0.001) == "▼ worse, within noise"
    assert mark("log_loss", 0.50, 0.52, 0.01, 0.03) == "**▼ worse, clear**"  # higher: worse
    assert mark("brier", 0.20, 0.19, -0.02, -0.001) == "**▲ better, clear**"
    # a percentile interval need not hold the point estimate: past zero on the other side
    assert mark("roc_auc", 0.70, 0.71, -0.03, -0.001) == "▲ better, within noise"


def test_evidence_is_clear_exactly_above_one_and_nothing_on_unsettled_intervals():
    from flight_delay.core.compare import SliceChange

    def evidence(low, high, delta=0.05, **kw):
        i = interval_of("roc_auc", 0.7, 0.7 + delta, low, high, **kw)
        return SliceChange("c", "v", i.rows, i.base, i.new, i).evidence, i.clear

    assert evidence(-0.01, 0.07) == (pytest.approx(0.05 / 0.06), False)  # asymmetric
    assert evidence(0.001, 0.2, delta=0.01) == (pytest.approx(0.01 / 0.009), True)
    assert evidence(-0.05, -0.05, delta=-0.05)[0] == 0  # zero width: a few rows
    assert evidence(0.01, 0.09, defined=600)[0] == 0  # one class in 40% of the draws
    assert evidence(float("nan"), float("nan"))[0] == 0


def test_slices_rank_by_evidence_small_ones_after_and_undefined_ones_out():
    from flight_delay.core.compare import ranked_slices

    nan = float("nan")
    intervals = {
        ("carrier", "big-swing-few-rows"): interval_of("roc_auc", 0.6, 0.5, -0.2, -0.01, rows=60),
        ("carrier", "clear"): interval_of("roc_auc", 0.7, 0.69, -0.015, -0.004, rows=9000),
        ("carrier", "noise"): interval_of("roc_auc", 0.7, 0.68, -0.05, 0.01, rows=3000),
        ("carrier", "one-class"): interval_of("roc_auc", nan, nan, nan, nan, rows=40),
        ("origin", "same"): interval_of("roc_auc", 0.7, 0.7, 0.0, 0.0, rows=9000),
    }
    ranked = [c.value for c in ranked_slices(intervals, top=5, min_rows=100)]
    assert ranked == ["clear", "noise", "big-swing-few-rows"]
