"""Monitoring on the real data: the training months against themselves and a winter month."""

from __future__ import annotations

import pytest

from flight_delay.operate.monitor_report import drift_html
from flight_delay.operate.monitoring import MonitorError, compare, scores, verdict_line
from flight_delay.operate.served_model import from_file


@pytest.fixture(scope="module")
def served(real_model_file, real_config):
    return from_file(real_model_file, real_config)


@pytest.fixture(scope="module")
def reference(served, real_features):
    return scores(real_features["train"], served, "train")


def test_the_reference_against_itself_has_no_drift(served, reference, real_config):
    report = compare(reference, reference, served, real_config.monitor, reference_score=0.69)
    assert report["drifted_features"] == [] and not report["predictions"]["drifted"]
    assert max(f["psi"] for f in report["features"].values()) < 1e-9
    assert not report["retrain"] and report["reasons"] == []
    assert report["performance"]["current"] > 0.69  # in-sample: better than held-out


def test_december_drifts_on_temperature(served, reference, real_features, real_config):
    test = real_features["test"]
    december = scores(test[test["month"] == 12], served, "december")
    report = compare(reference, december, served, real_config.monitor, reference_score=0.69)
    assert "temp" in report["drifted_features"]
    assert report["features"]["temp"]["psi"] > 0.25 and report["features"]["temp"]["test"] == "ks"
    assert report["features"]["carrier"]["test"] == "chi2"
    assert report["performance"]["labelled_rows"] == len(december)
    assert '<img src="data:image/png;base64,' in drift_html(report, reference, december)


def test_the_verdict_in_words_says_why_there_is_none():
    assert (
        verdict_line({"enough_data": False, "retrain": False, "reasons": ["only 2 rows; need 30"]})
        == "no verdict: only 2 rows; need 30"
    )
    assert verdict_line({"enough_data": True, "retrain": True, "reasons": ["a", "b"]}) == (
        "RETRAIN: a; b"
    )
    assert verdict_line({"enough_data": True, "retrain": False, "reasons": []}) == "no retraining"


def test_too_few_rows_give_no_verdict(served, reference, real_config):
    few = reference.head(real_config.monitor.min_rows - 1)
    report = compare(reference, few, served, real_config.monitor)
    assert not report["retrain"] and report["reasons"][0].startswith("only 199 rows")


def test_a_performance_drop_asks_for_retraining(served, reference, real_config):
    flipped = reference.head(5000).assign(delayed=lambda f: 1 - f["delayed"])
    report = compare(reference, flipped, served, real_config.monitor, reference_score=0.69)
    assert report["performance"]["degraded"] and report["retrain"]
    assert any(r.startswith("roc_auc fell by") for r in report["reasons"])


def test_probabilities_logged_by_another_model_are_recomputed(served, real_features):
    rows = real_features["test"].head(500)
    mine = rows.assign(probability=0.5, model_md5=served.metadata["model_md5"])
    other = rows.assign(probability=0.5, model_md5="another model")
    assert (scores(mine, served, "mine")["probability"] == 0.5).all()
    recomputed = scores(other, served, "other")["probability"]
    assert recomputed.tolist() == served.probabilities(served.frame(
        rows[[*served.numeric, *served.categorical]].to_dict("records"))).tolist()  # fmt: skip


def test_an_empty_window_is_a_clear_error(served, real_features):
    with pytest.raises(MonitorError, match="december: no rows"):
        scores(real_features["test"].head(0), served, "december")
