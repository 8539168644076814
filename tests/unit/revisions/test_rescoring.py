from __future__ import annotations

from flight_delay.infra.config import GateConfig
from flight_delay.revisions.rescoring import like_with_like, moved

GATE = GateConfig(metric="roc_auc", split="valid", tolerance=0.005, floor=None)


def params(valid: list[int]) -> dict:
    split = {"kind": "ordered", "column": "month", "train": [1], "valid": valid, "test": [12]}
    return {"split": split, "evaluate": {"decision_threshold": 0.3}}


def test_the_window_moved_only_when_both_sides_name_different_months():
    assert moved(params([9]), params([10]), "valid")
    assert not moved(params([9]), params([9]), "valid")
    assert not moved({}, params([9]), "valid")  # a base without a split: nothing to say
    shuffled = {"split": {"kind": "random", "valid_fraction": 0.2, "test_fraction": 0.2}}
    assert moved(params([9]), shuffled, "valid")  # another kind of split: other rows
    old_format = {"split": {"valid_months": [9]}}  # keys of an older template
    assert moved(old_format, params([9]), "valid")


def test_an_unmoved_window_keeps_the_recorded_metrics():
    recorded = {"valid": {"roc_auc": 0.7}}
    kept = like_with_like(GATE, params([9]), params([9]), "abc", None, ".", recorded, "main",
                          "delayed")  # fmt: skip
    assert kept == (recorded, [])


def test_when_the_files_cannot_be_had_the_recorded_metrics_stand_with_a_note(tmp_path):
    recorded = {"valid": {"roc_auc": 0.7}}
    metrics, notes = like_with_like(GATE, params([9]), params([10]), "HEAD", None, tmp_path,
                                    recorded, "main", "delayed")  # fmt: skip
    assert metrics == recorded
    assert notes == ["valid rows moved (month [9] -> month [10]); could not rescore the baseline "
                     "on the same "
                     "rows (FileNotFoundError): comparing the recorded metrics"]  # fmt: skip


def test_the_report_intervals_say_why_when_the_base_model_cannot_be_had(tmp_path):
    from flight_delay.infra.config import GateConfig
    from flight_delay.revisions.rescoring import comparison_intervals

    gate = GateConfig(metric="roc_auc", split="valid", tolerance=0.005)
    found = comparison_intervals(gate, 0.5, "no-such-rev", tmp_path, "late", ["valid"], [])
    assert isinstance(found, str) and found.startswith("could not score both models")
    assert "\n" not in found
    zero = comparison_intervals(gate.model_copy(update={"resamples": 0}), 0.5, "x", tmp_path,
                                "late", ["valid"], [])  # fmt: skip
    assert zero == "gate.resamples is 0"
