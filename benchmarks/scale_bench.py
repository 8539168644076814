"""P8 (`make bench`, or `make bench-scale` alone): the `dask` engine at growing scale.

The pipeline with `engine: dask` (a local cluster of conf/engine/dask.yaml's workers, each
with its memory limit) and `model: lightgbm`, on the flights replicated 1x, 16x and 64x
(benchmarks/scale_data.py), each stage as its own process, in scratch copies of HEAD.
Per stage: the wall time and the peak RSS of every process of its tree (the stage's own,
which holds the scheduler, and each worker's), read from /proc/<pid>/status (VmHWM, the
high-water mark, polled every POLL_S while the process lives). Then the log-log slope of
time against scale from 16x to 64x, the slope of the largest process's peak RSS against
scale, and, at 1x, the ratio of the whole run to the embedded path's (the default
configuration: `engine: local`, `hist_gradient_boosting`), both models' test ROC AUC, and
whether the two paths prepared the same rows and features.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

TARGETS = {"rss_gb": 6.0, "time_slope": 1.1, "ratio_1x": 2.0}
POLL_S = 0.05
STAGE_TIMEOUT_S = 3600
DASK_CHOICES = {"engine": "dask", "model": "lightgbm"}


def vmhwm_kb(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


class TreePeaks(threading.Thread):
    """The peak RSS of every process in the tree under `root`, while it runs."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peaks: dict[int, int] = {}
        self.roles: dict[int, str] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.sample()
            time.sleep(POLL_S)

    def sample(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.root)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for process in tree:
            kb = vmhwm_kb(process.pid)
            if kb is None:
                continue
            self.peaks[process.pid] = max(self.peaks.get(process.pid, 0), kb)
            if process.pid not in self.roles:
                self.roles[process.pid] = role(process, self.root)

    def stop(self) -> dict[str, Any]:
        self.sample()
        self.done.set()
        self.join()
        by_role: dict[str, list[float]] = {}
        for pid, kb in self.peaks.items():
            by_role.setdefault(self.roles[pid], []).append(round(kb * 1024 / 1e6, 1))
        return {role: sorted(mbs, reverse=True) for role, mbs in sorted(by_role.items())}


def role(process: Any, root: int) -> str:
    if process.pid == root:
        return "stage"  # the stage's process: with a local cluster, also its scheduler
    try:
        command = " ".join(process.cmdline())
    except Exception:  # noqa: BLE001 - gone already
        return "other"
    if "resource_tracker" in command:
        return "resource tracker"
    if "spawn_main" in command or "forkserver" in command:
        return "worker"  # a Dask worker process (its nanny lives in the stage's process)
    return Path(process.cmdline()[0]).name if process.cmdline() else "other"


def kill_tree(root: int) -> None:
    """The stage and its local cluster's workers, after a time-out."""
    import psutil

    with contextlib.suppress(psutil.NoSuchProcess):
        parent = psutil.Process(root)
        for process in [*parent.children(recursive=True), parent]:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()


def run_stages(repo: Path, env: dict[str, str], modules: dict[str, str]) -> dict[str, Any]:
    """Each stage as its own process, in order: time and every process's peak RSS."""
    stages: dict[str, Any] = {}
    log = repo / ".git/scale-bench.log"
    for name, module in modules.items():
        with log.open("a") as out:
            start = time.perf_counter()
            process = subprocess.Popen([sys.executable, "-m", module], cwd=repo, env=env,
                                       stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
            peaks = TreePeaks(process.pid)
            peaks.start()
            try:
                code = process.wait(timeout=STAGE_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                kill_tree(process.pid)
                raise
            finally:
                seconds = time.perf_counter() - start
                rss = peaks.stop()
        if code != 0:
            raise RuntimeError(f"stage {name} failed ({code}); see {log}:\n"
                               + log.read_text()[-3000:])  # fmt: skip
        largest = max(mb for mbs in rss.values() for mb in mbs)
        stages[name] = {"seconds": round(seconds, 2), "peak_rss_mb": rss,
                        "largest_process_mb": largest}  # fmt: skip
        print(f"  {name}: {seconds:.1f} s, largest process {largest:,.0f} MB {rss}", flush=True)
    metrics = json.loads((repo / "metrics/metrics.json").read_text())
    return {
        "total_s": round(sum(s["seconds"] for s in stages.values()), 2),
        "largest_process_mb": max(s["largest_process_mb"] for s in stages.values()),
        "stages": stages,
        "test_roc_auc": metrics["test"]["roc_auc"],
    }


def choose(repo: Path, choices: dict[str, str]) -> None:
    """conf/config.yaml's `- group: option` lines for `choices`."""
    config = repo / "conf/config.yaml"
    lines = config.read_text().splitlines()
    for group, option in choices.items():
        lines = [f"  - {group}: {option}" if line.strip().startswith(f"- {group}:") else line
                 for line in lines]  # fmt: skip
    config.write_text("\n".join(lines) + "\n")


def sorted_rows(folder: Path) -> Any:
    import pandas as pd

    frame = pd.read_parquet(folder)
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def same_rows(local: Path, dask: Path) -> dict[str, bool]:
    """Whether the two paths prepared the same rows and features (in any order)."""
    same = {}
    for kind in ("prepared", "features"):
        for split in ("train", "valid", "test"):
            a = sorted_rows(local / f"data/{kind}/{split}.parquet")
            b = sorted_rows(dask / f"data/{kind}/{split}.parquet")
            same[f"{kind}/{split}"] = bool(a.equals(b))
    return same


def slope(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < 2:
        return None
    return round(float(np.polyfit(np.log(xs), np.log(ys), 1)[0]), 3)


def measure_p8(
    work: Path, env_for: Callable[[Path | None], dict[str, str]], scales: list[int],
    scratch_repo: Callable[[Path, dict], Path], use_scaled_source: Callable[[Path, Path], None],
    modules_of: Callable[[Path], dict[str, str]],
) -> dict[str, Any]:  # fmt: skip
    from scale_data import write_scaled  # benchmarks/ is on sys.path (this script's folder)

    runs: dict[int, Any] = {}
    embedded = None
    for copies in scales:
        source = work / f"scale-x{copies}"
        rows = write_scaled(source, copies)
        paths = {}
        kinds = ["dask", "local"] if copies == scales[0] else ["dask"]
        for kind in kinds:
            repo = scratch_repo(work / f"scale-{kind}-x{copies}", env_for(None))
            env = env_for(repo)
            use_scaled_source(repo, source)
            if kind == "dask":
                choose(repo, DASK_CHOICES)
            subprocess.run([sys.executable, "-m", "flight_delay.stages.compose", "--force"],
                           cwd=repo, env=env, check=True, capture_output=True)  # fmt: skip
            print(f"P8: x{copies} on {kind} ({rows['flights']:,} flights)", flush=True)
            found = run_stages(repo, env, {n: m for n, m in modules_of(repo).items()
                                           if n != "compose"})  # fmt: skip
            found["flights_rows"] = rows["flights"]
            paths[kind] = repo
            if kind == "dask":
                runs[copies] = found
            else:
                embedded = found
        if embedded is not None and "same_rows" not in embedded:
            embedded["same_rows"] = same_rows(paths["local"], paths["dask"])
        for repo in paths.values():
            shutil.rmtree(repo)
        shutil.rmtree(source)
    return summarize(runs, embedded, scales)


def summarize(runs: dict[int, Any], embedded: dict[str, Any] | None,
              scales: list[int]) -> dict[str, Any]:  # fmt: skip
    top = [s for s in scales if s >= 16] or scales
    stages = list(runs[scales[0]]["stages"])
    time_slopes = {name: slope(top, [runs[c]["stages"][name]["seconds"] for c in top])
                   for name in stages}  # fmt: skip
    time_slope = slope(top, [runs[c]["total_s"] for c in top])
    rss_slope = slope(scales, [runs[c]["largest_process_mb"] for c in scales])
    largest_gb = round(max(runs[c]["largest_process_mb"] for c in scales) / 1000, 2)
    ratio = round(runs[scales[0]]["total_s"] / embedded["total_s"], 2) if embedded else None
    stage_ratios = {
        name: round(runs[scales[0]]["stages"][name]["seconds"] / s["seconds"], 2)
        for name, s in (embedded or {}).get("stages", {}).items()
    }
    met = {
        "rss": largest_gb <= TARGETS["rss_gb"],
        "time_slope": time_slope is not None and time_slope <= TARGETS["time_slope"],
        "ratio_1x": ratio is not None and ratio <= TARGETS["ratio_1x"],
        "same_rows": bool(embedded) and all(embedded.get("same_rows", {}).values()),
    }
    return {
        "runs": {f"x{c}": runs[c] for c in scales},
        "embedded_x1": embedded,
        "time_slope_scales": [f"x{c}" for c in top],
        "time_slope_total": time_slope,
        "time_slope_by_stage": time_slopes,
        "rss_slope": rss_slope,
        "largest_process_gb": largest_gb,
        "ratio_to_embedded_x1": ratio,
        "ratio_to_embedded_x1_by_stage": stage_ratios,
        "targets": TARGETS,
        "met": met,
    }


def main(argv: list[str] | None = None) -> None:
    """`make bench-scale`: P8 alone, merged into reports/bench/bench.json and the doc."""
    import tempfile

    import pipeline_bench as bench  # benchmarks/ is on sys.path (this script's folder)
    from bench_report import write_doc

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    bench.MEASURED["commit"] = bench.head_commit()
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as scratch:
        work = Path(scratch)
        p8 = measure_p8(work, lambda repo: bench.bench_env(repo or work, args.threads),
                        args.scales, bench.scratch_repo, bench.use_scaled_source,
                        bench.stage_modules)  # fmt: skip
    results = json.loads(bench.RESULTS_FILE.read_text()) if bench.RESULTS_FILE.exists() else {}
    results["P8"] = p8 | {"commit": bench.MEASURED["commit"][:7]}
    bench.RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    bench.RESULTS_FILE.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    if results.get("complete"):
        write_doc(results, bench.DOC_FILE, bench.DOC_BEGIN, bench.DOC_END)
    print(yaml.safe_dump({k: v for k, v in p8.items() if k not in ("runs", "embedded_x1")}))


if __name__ == "__main__":
    main()
