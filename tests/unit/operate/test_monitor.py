"""Monitoring on the tests' own dataset (tests/synthetic.py): the training weeks against
themselves, and test weeks whose distances arrive in miles (the hook's planted drift)."""

from __future__ import annotations

import html

import pytest

from flight_delay.operate.monitor_report import drift_html
from flight_delay.operate.monitoring import MonitorError, compare, scores, verdict_line
from tests import synthetic

HELD_OUT = 0.7  # a reference score below what the model reaches in-sample


def scored_at(rows, score: float):
    """A model's Reference with its held-out score alone (no held-out rows)."""
    from flight_delay.operate.monitoring import Reference

    return Reference(rows, score, None)


@pytest.fixture(scope="module")
def served(orders_served):
    return orders_served


@pytest.fixture(scope="module")
def reference(served, orders_features):
    return scores(orders_features["train"], served, "train")


def test_the_reference_against_itself_has_no_drift(served, reference, orders_config):
    report = compare(
        reference, reference, served, orders_config.monitor, baseline=scored_at(reference, HELD_OUT)
    )
    assert report["drifted_features"] == [] and not report["predictions"]["drifted"]
    assert max(f["psi"] for f in report["features"].values()) < 1e-9
    assert not report["retrain"] and report["reasons"] == []
    assert report["performance"]["current"] > HELD_OUT  # in-sample: better than held-out


def test_distances_in_miles_drift_and_nothing_else(
    served, reference, orders_features, orders_config
):
    miles = synthetic.hook().simulated_drift(orders_features["test"])
    current = scores(miles, served, "test weeks, in miles")
    report = compare(
        reference, current, served, orders_config.monitor, baseline=scored_at(reference, HELD_OUT)
    )
    assert report["drifted_features"] == ["distance_km"]
    distance = report["features"]["distance_km"]
    assert distance["psi"] > 0.25 and distance["test"] == "ks"
    assert report["features"]["region"]["test"] == "chi2"
    assert report["performance"]["labelled_rows"] == len(current)
    assert '<img src="data:image/png;base64,' in drift_html(report, reference, current)


def test_the_verdict_in_words_says_why_there_is_none():
    assert (
        verdict_line({"enough_data": False, "retrain": False, "reasons": ["only 2 rows; need 30"]})
        == "no verdict: only 2 rows; need 30"
    )
    assert verdict_line({"enough_data": True, "retrain": True, "reasons": ["a", "b"]}) == (
        "RETRAIN: a; b"
    )
    assert verdict_line({"enough_data": True, "retrain": False, "reasons": []}) == "no retraining"


def test_too_few_rows_give_no_verdict(served, reference, orders_config):
    needed = orders_config.monitor.min_rows
    few = reference.head(needed - 1)
    report = compare(reference, few, served, orders_config.monitor)
    assert not report["retrain"] and report["reasons"][0].startswith(f"only {needed - 1} rows")


def test_a_performance_drop_asks_for_retraining(served, reference, orders_config):
    flipped = reference.head(1000).assign(late=lambda f: 1 - f["late"])
    report = compare(
        reference, flipped, served, orders_config.monitor, baseline=scored_at(reference, HELD_OUT)
    )
    assert report["performance"]["degraded"] and report["retrain"]
    assert any(r.startswith("roc_auc fell by") for r in report["reasons"])


def test_probabilities_logged_by_another_model_are_recomputed(served, orders_features):
    rows = orders_features["test"].head(300)
    mine = rows.assign(probability=0.5, model_md5=served.metadata["model_md5"])
    other = rows.assign(probability=0.5, model_md5="another model")
    assert (scores(mine, served, "mine")["probability"] == 0.5).all()
    recomputed = scores(other, served, "other")["probability"]
    assert recomputed.tolist() == served.probabilities(served.frame(
        rows[[*served.numeric, *served.categorical]].to_dict("records"))).tolist()  # fmt: skip


def test_an_empty_window_is_a_clear_error(served, orders_features):
    with pytest.raises(MonitorError, match="week 13: no rows"):
        scores(orders_features["test"].head(0), served, "week 13")


def test_a_performance_drop_counts_only_when_its_interval_says_it_is_clear(
    served, reference, orders_features, orders_config
):
    from flight_delay.operate.monitoring import Reference, metric_value

    held_out = scores(orders_features["valid"], served, "valid")
    label, metric = served.dataset.label, orders_config.monitor.metric
    score = metric_value(metric, held_out[label], held_out["probability"])
    baseline = Reference(reference, score, held_out["probability"], held_out[label])
    test = scores(orders_features["test"], served, "test")
    flipped = test.assign(**{label: 1 - test[label]})
    report = compare(reference, flipped, served, orders_config.monitor, baseline)
    perf = report["performance"]
    low, high = perf["interval"]
    assert perf["degraded"] and report["retrain"]
    assert high < -orders_config.monitor.performance_drop
    assert any(f"interval of the change [{low:+.4f}, {high:+.4f}]" in r for r in report["reasons"])
    # a drop beyond performance_drop by the point estimate, on too few rows to be sure
    few = test.assign(**{label: test[label].where(test.index % 9 != 0, 1 - test[label])})
    few = few.sample(n=orders_config.monitor.min_rows, random_state=1).reset_index(drop=True)
    report = compare(reference, few, served, orders_config.monitor, baseline)
    perf = report["performance"]
    assert perf["drop"] > orders_config.monitor.performance_drop, perf
    assert not perf["degraded"] and not report["retrain"]
    assert verdict_line(report).startswith("no retraining (roc_auc fell by")
    assert "but not clearly (95% interval of the change [" in verdict_line(report)
    assert "No retraining" not in drift_html(report, reference, few)
    assert html.escape(verdict_line(report)) in drift_html(report, reference, few)
    points = orders_config.monitor.model_copy(update={"resamples": 0})  # the point estimate
    report = compare(reference, few, served, points, baseline)
    assert report["performance"]["degraded"] and "interval" not in report["performance"]
