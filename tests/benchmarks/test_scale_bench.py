"""P8's own pieces: the peak RSS of every process of a tree, and the figures and targets
made of the runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench_report import scale_engine_table
from scale_bench import TreePeaks, summarize

CHILD = """
import subprocess, sys, time
block = bytearray({mb} * 1024 * 1024)  # touched: resident
if {spawn}:
    subprocess.run([sys.executable, "-c", {grandchild!r}], check=True)
time.sleep(0.3)
"""
GRANDCHILD = "import time; block = bytearray(300 * 1024 * 1024); time.sleep(0.5)"


def test_the_peak_of_every_process_in_the_tree_is_recorded():
    code = CHILD.format(mb=150, spawn=True, grandchild=GRANDCHILD)
    process = subprocess.Popen([sys.executable, "-c", code])
    peaks = TreePeaks(process.pid)
    peaks.start()
    process.wait(timeout=60)
    found = peaks.stop()
    assert process.returncode == 0
    (stage,) = found["stage"]
    (child,) = found[Path(sys.executable).name]  # the grandchild, seen before it ended
    assert 150 < stage < 300, found
    assert 300 < child < 450, found


def run(total: float, largest: float, seconds: dict[str, float], rows: int) -> dict:
    stages = {
        name: {"seconds": s, "largest_process_mb": largest, "peak_rss_mb": {"stage": [largest]}}
        for name, s in seconds.items()
    }
    return {"total_s": total, "largest_process_mb": largest, "stages": stages,
            "test_roc_auc": 0.7, "flights_rows": rows}  # fmt: skip


def test_the_slope_is_taken_from_16x_on_and_the_targets_are_judged():
    runs = {
        1: run(40.0, 500.0, {"train": 10.0}, 1),
        16: run(100.0, 900.0, {"train": 40.0}, 16),
        64: run(400.0, 1800.0, {"train": 200.0}, 64),
    }
    embedded = run(25.0, 450.0, {"train": 5.0}, 1) | {"same_rows": {"prepared/train": True}}
    found = summarize(runs, embedded, [1, 16, 64])
    assert found["time_slope_scales"] == ["x16", "x64"]
    assert found["time_slope_total"] == 1.0  # 100 s -> 400 s for 4x the rows
    assert found["time_slope_by_stage"]["train"] == 1.161
    assert found["ratio_to_embedded_x1"] == 1.6 and found["largest_process_gb"] == 1.8
    assert found["met"] == {"rss": True, "time_slope": True, "ratio_1x": True, "same_rows": True}
    runs[64] = run(700.0, 7000.0, {"train": 500.0}, 64)
    worse = summarize(runs, embedded | {"same_rows": {"prepared/train": False}}, [1, 16, 64])
    assert worse["met"] == {"rss": False, "time_slope": False, "ratio_1x": True,
                            "same_rows": False}  # fmt: skip
    table = "\n".join(scale_engine_table({"P8": worse}))
    assert "| train | 5.0 | 10.0 | 500 | 40.0 | 900 | 500.0 | 7,000 |" in table
    assert "DIFFERENT" in table
