"""E1's arithmetic: the loop's `dvc repro` over the fit, its parts, and its floor."""

from __future__ import annotations

import pytest
from bench_report import summary_rows
from pipeline_bench import experiment_loop, loop_floor

STEPS = {
    "train: fitting hist_gradient_boosting on 217,727 rows": 2.0,
    "evaluate: permutation importance": 3.0,
    "evaluate: SHAP values of 1,000 rows": 1.0,
}


def spread_of(value: float) -> dict[str, float]:
    return {"median": value, "min": value, "max": value, "runs": 1}


def test_e1_is_the_repro_over_the_fit_with_the_rest_named_and_a_floor():
    e1 = experiment_loop([12.0, 14.0], [STEPS, STEPS | {next(iter(STEPS)): 2.0}])
    assert e1["ratio"]["median"] == pytest.approx(6.5) and not e1["met"]
    assert e1["parts_s"] == {
        "train: fitting hist_gradient_boosting": 2.0, "evaluate: permutation importance": 3.0,
        "evaluate: SHAP values": 1.0, "rest: processes, imports, data, scoring, plots, DVC": 7.0,
    }  # fmt: skip
    p1 = {"import_s": {"train": spread_of(1.5), "evaluate": spread_of(1.7)}}
    floor = loop_floor(e1, p1, {"noop_s": spread_of(0.8)})
    assert floor == {"seconds": 6.0, "imports_s": 3.2, "ratio": 3.0}
    e1["floor"] = floor
    results = {
        "P1": {"ratio": spread_of(1.3), "dvc_repro_s": spread_of(20), "target": 1.25,
               "processes_no_dvc_s": spread_of(18), "in_process_s": spread_of(15), "met": False},
        "P2": {"ratio": spread_of(5.5), "noop_s": spread_of(0.8), "target_ratio": 5,
               "target_s": 3, "met": False},
        "P3": {"stages_ran": ["evaluate", "train"], "seconds": spread_of(13),
               "ratio_to_full": 0.65, "met": True, "E1": e1},
        "P6": {"ratio": spread_of(0.9), "logging_s": spread_of(2), "logging_steps": ["x"],
               "train_fit_s": spread_of(2)},
    }  # fmt: skip
    row = next(r for r in summary_rows(results) if r.startswith("| E1"))
    assert "| 6.50 (min 6.00, max 7.00, 2 runs); fit 2.0 s;" in row
    assert "floor with two stage processes under DVC 3.00" in row and row.endswith("**missed** |")
    assert "the explanations and tracking alone 2.00× the fit" in row  # (3 + 1) / 2


def test_the_no_op_profile_says_what_dvc_version_does_not_do():
    from bench_report import profiled

    p2 = {"profile": {
        "noop": {"total": 0.93, "imports": 0.48, "reproduce": 0.54, "stage graph": 0.15,
                 "checking stages": 0.15, "parsing YAML": 0.11},
        "version": {"total": 0.12, "imports": 0.08}}}  # fmt: skip
    assert profiled(p2) == (
        "; profiled, a no-op 0.93 s (imports 0.48 s, DVC's `reproduce` 0.54 s: stage graph "
        "0.15 s, checking stages 0.15 s, parsing YAML 0.11 s) against `dvc --version` 0.12 s "
        "(imports 0.08 s)"
    )
    assert profiled({}) == ""
