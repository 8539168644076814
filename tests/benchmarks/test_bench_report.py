from __future__ import annotations

import pytest
from bench_report import write_doc
from pipeline_bench import spread, stage_modules, stage_paths, steps_done

from tests.conftest import REPO_ROOT


def test_spread_is_median_min_max_of_the_runs():
    assert spread([3.0, 1.0, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0, "runs": 3}


def test_stages_come_from_dvc_yaml_in_order_with_their_data_paths():
    modules = stage_modules(REPO_ROOT)
    assert (
        list(modules)[:2] == ["compose", "ingest"]
        and modules["train"] == "flight_delay.stages.train"
    )
    deps, outs = stage_paths(REPO_ROOT, "deps"), stage_paths(REPO_ROOT, "outs")
    assert deps["train"] == ["data/features/train.parquet"]  # code and params left out
    assert "metrics/metrics.json" in outs["evaluate"] and "models/model.skops" in outs["train"]


def test_step_lines_are_read_as_seconds():
    log = "train: fitting x on 10 rows ...\ntrain: fitting x on 10 rows done (6.0 s)\nnoise\n"
    assert steps_done(log) == {"train: fitting x on 10 rows": 6.0}


def test_the_generated_block_is_replaced_and_the_prose_kept(tmp_path, monkeypatch):
    import bench_report

    monkeypatch.setattr(bench_report, "render", lambda results: f"table {results['n']}")
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# B\n\nprose before\n<!-- b -->\nold table\n<!-- e -->\nprose after\n")
    write_doc({"n": 2}, doc, "<!-- b -->", "<!-- e -->")
    assert doc.read_text() == "# B\n\nprose before\n<!-- b -->\ntable 2\n<!-- e -->\nprose after\n"


def test_a_doc_without_markers_is_refused(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# B\n")
    with pytest.raises(ValueError, match="markers"):
        write_doc({}, doc, "<!-- b -->", "<!-- e -->")


def test_serving_figures_are_read_from_serve_bench_json():
    from pipeline_bench import serve_figures

    server = {"p50_ms": 1.0, "p99_ms": 2.0, "requests": 10, "requests_per_s": 5.0}
    found = {
        "scenarios": {"1_row_1_client": {"ours": server, "mlflow": server | {"p99_ms": 9.0},
                                         "throughput_ratio": 1.0, "p99_ratio": 4.5}},
        "target": {"1_row_1_client": {"status": "MISS"}},
    }  # fmt: skip
    figures = serve_figures(found, 2.0)
    assert figures["scenarios"]["1_row_1_client"] == {
        "throughput_ratio": 1.0, "p99_ratio": 4.5, "ours_requests_per_s": 5.0,
        "ours_p99_ms": 2.0, "mlflow_requests_per_s": 5.0, "mlflow_p99_ms": 9.0,
    }  # fmt: skip
    assert figures["target"]["1_row_1_client"]["status"] == "MISS"
