"""`make bench`: the pipeline against its own floor, at growing scale -> reports/bench/bench.json.

Every figure is a ratio or a time measured in this one run, each the median of REPEATS
runs (min and max kept), with thread counts pinned (THREADS, default: the cores) in
every process. All work happens in scratch copies of this repository's HEAD commit (a
fresh git repo and DVC cache); the repository itself is only read, and uncommitted
edits are not measured.

- P1 orchestration: `dvc repro -f` from a clean state (no outputs, no DVC cache or run
  cache, an MLflow store with its tables but no runs, so every run logs its model as a
  new model's first run does) / the same stage modules run in one Python process on
  the same data. Between the two, the stages run one process each without DVC: that
  splits the overhead into process start-up (imports) and DVC's own work.
- P2 no-op: `dvc repro` with nothing changed / `dvc --version`.
- P3 incremental: model.learning_rate changed in params.yaml (what `dvc exp run -S`
  does), `dvc repro`: which stages ran, and the time / P1's full `dvc repro`.
- E1 experiment loop: that `dvc repro`'s wall time / the model's fit alone (train's
  "fitting ... done (N s)" step in the same run), with the timed steps of the run
  (fit, permutation importance, SHAP, MLflow) and the rest (processes, imports, data,
  plots, DVC).
- P4 scale: benchmarks/scale_data.py replicates the data 1x, 4x, 16x; each stage runs
  as its own process, timed, with its peak RSS (VmHWM of that process).
- P5 serving: benchmarks/serve_bench.py (our service vs `mlflow models serve`).
- P6 tracking: MLflow logging in a pipeline run (import, store, params, model, metrics,
  plots: evaluate logs them) / the train stage's fit, as the stages report them.
- P7 install: `uv sync --locked` into a new environment, cold (empty uv cache, wheels
  from PyPI) and warm (cache filled), and the environment's size.
- P8 dask engine: benchmarks/scale_bench.py, the pipeline on a local Dask cluster at 1x,
  16x, 64x: time and every process's peak RSS per stage, slopes, ratio to the embedded
  path at 1x.
- Floor: per stage, bytes read / page-cache read bandwidth + bytes written / single-core
  md5 rate (DVC hashes every output), both measured here; the stage's time / its floor.

`python benchmarks/pipeline_bench.py --help` for the knobs; `make bench` runs it all.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
RESULTS_FILE = REPO / "reports/bench/bench.json"
DOC_FILE = REPO / "docs/benchmarks.md"
DOC_BEGIN, DOC_END = "<!-- bench:begin -->", "<!-- bench:end -->"
VENV_BIN = Path(sys.executable).parent
TARGETS = {
    "E1": 3.0, "P1": 1.25, "P2_ratio": 5.0, "P2_seconds": 3.0, "P4_slope": 1.1, "P4_rss_gb": 6.0,
}  # fmt: skip
IN_PROCESS_FILE = Path(".dvc/tmp/in-process.json")  # relative to the scratch repo
STEP_DONE = re.compile(r"^(\w+): (.+) done \(([\d.]+) s\)$", re.M)


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "runs": len(values),
    }


def stage_modules(repo: Path) -> dict[str, str]:
    """Stage name -> module, in dvc.yaml's order (which is a topological order)."""
    stages = yaml.safe_load((repo / "dvc.yaml").read_text())["stages"]
    return {name: stage["cmd"].split()[-1] for name, stage in stages.items()}


def stage_paths(repo: Path, key: str) -> dict[str, list[str]]:
    """Stage name -> its deps other than code (key 'deps') or its outputs ('outs')."""
    stages = yaml.safe_load((repo / "dvc.yaml").read_text())["stages"]
    found = {}
    for name, stage in stages.items():
        entries = stage.get(key, []) + (stage.get("metrics", []) if key == "outs" else [])
        paths = [e if isinstance(e, str) else next(iter(e)) for e in entries]
        found[name] = [p for p in paths if not p.startswith("src/")]
    return found


def size_of(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def bench_env(repo: Path, threads: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_", "GIT_"))}
    pinned = {
        n: str(threads)
        for n in (
            "OMP_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS",
            "NUMEXPR_NUM_THREADS",
        )
    }
    return (
        env
        | pinned
        | {
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            # the copy's own code, not the editable install's (the working tree)
            "PYTHONPATH": str(repo / "src"),
            "DVC_NO_ANALYTICS": "1",
            "ITERATIVE_DO_NOT_TRACK": "1",
            "MLFLOW_TRACKING_URI": f"sqlite:///{repo / 'mlflow.db'}",
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.invalid",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        }
    )


def sh(repo: Path, env: dict, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(list(args), cwd=repo, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed in {repo}:\n{done.stdout}\n{done.stderr}")
    return done


def timed(repo: Path, env: dict, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = sh(repo, env, *args)
    return time.perf_counter() - start, done.stdout + done.stderr


def head_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip()


# HEAD when the run starts (main sets it): a commit made during the run changes nothing
MEASURED: dict[str, str] = {}


def scratch_repo(target: Path, env: dict) -> Path:
    """The files of the commit that was HEAD when the run started (the figures are
    recorded against it) in a fresh git repo: no outputs, no DVC cache, no edits."""
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", MEASURED["commit"]], cwd=REPO, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    sh(target, env, "git", "init", "-q", "-b", "main")
    sh(target, env, "git", "add", "-A")
    sh(target, env, "git", "commit", "-qm", "bench copy")
    return target


EMPTY_STORE = ".git/mlflow-empty.db"  # in the copy: the store with its tables, no runs


def empty_store(repo: Path, env: dict) -> None:
    """Create the MLflow store's tables once (what a repository that has used MLflow
    before has), and keep a copy that `clean` restores."""
    probe = "import mlflow; mlflow.MlflowClient().search_experiments()"
    sh(repo, env, sys.executable, "-c", probe)
    shutil.copy2(repo / "mlflow.db", repo / EMPTY_STORE)


def clean(repo: Path) -> None:
    """No stage output, no DVC cache or run cache, no MLflow run: the next run starts
    from nothing and logs its model as a new model's first run does."""
    shutil.copy2(repo / EMPTY_STORE, repo / "mlflow.db")
    shutil.rmtree(repo / "mlruns", ignore_errors=True)
    for paths in stage_paths(repo, "outs").values():
        for name in paths:
            path = repo / name
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    for name in (".dvc/cache", ".dvc/tmp"):
        shutil.rmtree(repo / name, ignore_errors=True)


# Runs a stage module and records its peak RSS (VmHWM of its own memory map: getrusage
# of a child would also count the memory of this process, which forked it).
PEAK_RSS = """
import runpy, sys
module, record = sys.argv[1], sys.argv[2]
sys.argv = [module]
try:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
finally:
    status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
    open(record, "w").write(status)
"""


def run_processes(repo: Path, env: dict) -> dict[str, Any]:
    """Each stage as its own Python process, in order: wall time and peak RSS per stage."""
    stages, log = {}, ""
    record = repo / ".git/peak-rss-kb"
    for name, module in stage_modules(repo).items():
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", PEAK_RSS, module, str(record)],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"stage {name} failed:\n{done.stdout}")
        stages[name] = {
            "seconds": round(seconds, 3),
            "peak_rss_mb": round(int(record.read_text()) * 1024 / 1e6, 1),  # kB -> MB
        }
        log += done.stdout
    total = sum(s["seconds"] for s in stages.values())
    return {"total": round(total, 3), "stages": stages, "steps": steps_done(log)}


def run_in_process(repo: Path, env: dict) -> dict[str, Any]:
    """The stage modules one after another in one fresh Python process (this file)."""
    seconds, _ = timed(repo, env, sys.executable, __file__, "in-process")
    found = json.loads((repo / IN_PROCESS_FILE).read_text())
    return {"total": round(seconds, 3), "stages": found}  # the process's whole life


def in_process_child() -> None:
    timings = {}
    for name, module in stage_modules(Path(".")).items():
        sys.argv = [module]
        start = time.perf_counter()
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        timings[name] = round(time.perf_counter() - start, 3)
    IN_PROCESS_FILE.parent.mkdir(parents=True, exist_ok=True)
    IN_PROCESS_FILE.write_text(json.dumps(timings))


def import_seconds(repo: Path, env: dict, repeats: int) -> dict[str, dict[str, float]]:
    """What a fresh process spends importing each stage's module (before any work)."""
    found = {}
    for name, module in stage_modules(repo).items():
        found[name] = spread([timed(repo, env, sys.executable, "-c", f"import {module}")[0]
                              for _ in range(repeats)])  # fmt: skip
    found["python"] = spread([timed(repo, env, sys.executable, "-c", "pass")[0]
                              for _ in range(repeats)])  # fmt: skip
    return found


def steps_done(log: str) -> dict[str, float]:
    """`stage: what done (N s)` lines (flight_delay.infra.progress.step) -> {"stage: what": N}."""
    return {f"{stage}: {what}": float(s) for stage, what, s in STEP_DONE.findall(log)}


def ran(log: str) -> list[str]:
    return sorted(set(re.findall(r"Running stage '([\w-]+)'", log)))


def measure_p1(repo: Path, env: dict, repeats: int) -> dict[str, Any]:
    dvc, processes, inproc = [], [], []
    for _ in range(repeats):  # interleaved, so drift in the machine's speed hits all three
        clean(repo)
        inproc.append(run_in_process(repo, env))
        clean(repo)
        processes.append(run_processes(repo, env))
        clean(repo)
        seconds, log = timed(repo, env, "dvc", "repro", "-f")
        dvc.append({"total": seconds, "ran": ran(log)})
    ratios = [d["total"] / i["total"] for d, i in zip(dvc, inproc, strict=True)]
    per_stage = {
        name: spread([p["stages"][name]["seconds"] for p in processes])
        for name in processes[0]["stages"]
    }
    in_stage = {name: spread([i["stages"][name] for i in inproc]) for name in inproc[0]["stages"]}
    return {
        "ratio": spread(ratios),
        "target": TARGETS["P1"],
        "met": statistics.median(ratios) <= TARGETS["P1"],
        "dvc_repro_s": spread([d["total"] for d in dvc]),
        "processes_no_dvc_s": spread([p["total"] for p in processes]),
        "in_process_s": spread([i["total"] for i in inproc]),
        "stages_ran": dvc[-1]["ran"],
        "stage_s_one_process_each": per_stage,
        "stage_s_in_process": in_stage,
        "import_s": import_seconds(repo, env, repeats),
        "_steps": [p["steps"] for p in processes],
        "_processes": processes,
    }


def measure_p2(repo: Path, env: dict, repeats: int) -> dict[str, Any]:
    noop, version = [], []
    for _ in range(repeats):
        seconds, log = timed(repo, env, "dvc", "repro")
        if ran(log):
            raise RuntimeError(f"P2: `dvc repro` with nothing changed ran {ran(log)}")
        noop.append(seconds)
        version.append(timed(repo, env, "dvc", "--version")[0])
    ratios = [n / v for n, v in zip(noop, version, strict=True)]
    median_noop = statistics.median(noop)
    return {
        "profile": {
            "noop": noop_profile(repo, env, "repro"),
            "version": noop_profile(repo, env, "--version"),
        },  # fmt: skip
        "ratio": spread(ratios),
        "target_ratio": TARGETS["P2_ratio"],
        "noop_s": spread(noop),
        "dvc_version_s": spread(version),
        "target_s": TARGETS["P2_seconds"],
        "met": statistics.median(ratios) <= TARGETS["P2_ratio"]
        and median_noop < TARGETS["P2_seconds"],
    }


PROFILED = {  # (file suffix, function) -> what it is, in a profile of a DVC command
    ("<frozen importlib._bootstrap>", "_find_and_load"): "imports",
    ("dvc/repo/reproduce.py", "reproduce"): "reproduce",
    ("dvc/repo/graph.py", "build_graph"): "stage graph",
    ("dvc/stage/__init__.py", "changed"): "checking stages",
    ("dvc/utils/serialize/_yaml.py", "parse_yaml"): "parsing YAML",
}


def noop_profile(repo: Path, env: dict, *args: str) -> dict[str, float]:
    """One `dvc <args>` under cProfile: the total and the cumulative seconds of PROFILED
    (profiling slows every call down, so compare these with each other only)."""
    import pstats

    with tempfile.TemporaryDirectory(prefix="dvc-profile-") as scratch:
        target = Path(scratch) / "dvc.prof"
        sh(repo, env, str(VENV_BIN / "python"), "-m", "cProfile", "-o", str(target), "-m",
           "dvc", *args)  # fmt: skip
        stats = pstats.Stats(str(target))
    found = {"total": round(stats.total_tt, 3)}  # type: ignore[attr-defined]
    for (file, _, name), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        what = next((w for (f, n), w in PROFILED.items() if file.endswith(f) and name == n), None)
        if what:
            found[what] = round(max(found.get(what, 0.0), cumulative), 3)
    return found


def measure_p3(repo: Path, env: dict, repeats: int, full_s: float) -> dict[str, Any]:
    """P3 and E1 (the same runs)."""
    params_file = repo / "params.yaml"
    original = params_file.read_text()
    seconds, stages, steps = [], set(), []
    try:
        for i in range(repeats):  # a new value each time: the run cache cannot answer
            params = yaml.safe_load(original)
            params["model"]["learning_rate"] = round(0.1 + 0.01 * (i + 1), 2)
            params_file.write_text(yaml.safe_dump(params, sort_keys=False))
            took, log = timed(repo, env, "dvc", "repro")
            seconds.append(took)
            stages.add(tuple(ran(log)))
            steps.append(steps_done(log))
    finally:
        params_file.write_text(original)
    ran_stages = sorted({s for run in stages for s in run})
    return {
        "stages_ran": ran_stages,
        "same_every_run": len(stages) == 1,
        "met": ran_stages == ["evaluate", "train"] and len(stages) == 1,
        "seconds": spread(seconds),
        "ratio_to_full": round(statistics.median(seconds) / full_s, 3),
        "E1": experiment_loop(seconds, steps),
    }


def loop_floor(e1: dict[str, Any], p1: dict[str, Any], p2: dict[str, Any]) -> dict[str, Any]:
    """What E1 cannot go below while `train` and `evaluate` are two processes under DVC:
    a no-op `dvc repro` (P2), both stages' imports alone (P1), and the fit; over the fit."""
    imports = sum(p1["import_s"][stage]["median"] for stage in ("train", "evaluate"))
    seconds = p2["noop_s"]["median"] + imports + e1["fit_s"]["median"]
    return {"seconds": round(seconds, 2), "imports_s": round(imports, 2),
            "ratio": round(seconds / e1["fit_s"]["median"], 2)}  # fmt: skip


def experiment_loop(seconds: list[float], steps: list[dict[str, float]]) -> dict[str, Any]:
    """E1: each run's `dvc repro` / its fit, and where the rest of the time went."""
    fits = [next((v for k, v in run.items() if k.startswith("train: fitting")), 0.0)
            for run in steps]  # fmt: skip
    if not all(fit > 0 for fit in fits):
        raise RuntimeError(f"E1: a run without a timed fit (train's steps: {steps})")
    ratios = [total / fit for total, fit in zip(seconds, fits, strict=True)]
    common = [k for k in steps[0] if all(k in run for run in steps)]  # a step every run timed
    named = {k.split(" on ")[0].split(" of ")[0]: [run[k] for run in steps] for k in common}
    parts = {name: round(statistics.median(v), 2) for name, v in named.items()}
    parts["rest: processes, imports, data, scoring, plots, DVC"] = round(
        statistics.median(seconds) - sum(parts.values()), 2)  # fmt: skip
    return {
        "ratio": spread(ratios),
        "target": TARGETS["E1"],
        "met": statistics.median(ratios) <= TARGETS["E1"],
        "fit_s": spread(fits),
        "parts_s": parts,
    }


def use_scaled_source(repo: Path, source: Path) -> None:
    conf = repo / "conf/data/nycflights13.yaml"
    data = yaml.safe_load(conf.read_text())
    data["source"] = str(source)
    data["files"] = {table: f"{table}.parquet" for table in data["files"]}
    conf.write_text(yaml.safe_dump(data, sort_keys=False))


def measure_p4(work: Path, env_for, scales: list[int]) -> dict[str, Any]:
    from scale_data import write_scaled  # benchmarks/ is on sys.path (this script's folder)

    runs = {}
    for copies in scales:
        source = work / f"flights-x{copies}"
        rows = write_scaled(source, copies)
        repo = scratch_repo(work / f"repo-x{copies}", env_for(None))
        env = env_for(repo)
        use_scaled_source(repo, source)
        runs[copies] = run_processes(repo, env) | {
            "flights_rows": rows["flights"],
            "floor": floors(repo, env),
        }
        shutil.rmtree(source)
    x = np.log(scales)

    def slope(seconds: list[float]) -> float | None:
        return round(float(np.polyfit(x, np.log(seconds), 1)[0]), 3) if len(x) > 1 else None

    first = runs[scales[0]]["stages"]
    slopes = {name: slope([runs[c]["stages"][name]["seconds"] for c in scales]) for name in first}
    total_slope = slope([runs[c]["total"] for c in scales])
    peak = max(s["peak_rss_mb"] for s in runs[scales[-1]]["stages"].values()) / 1000
    return {
        "runs": {f"x{c}": r for c, r in runs.items()},
        "slope_total": total_slope,
        "slope_by_stage": slopes,
        "target_slope": TARGETS["P4_slope"],
        "peak_rss_gb_largest": round(peak, 2),
        "target_rss_gb": TARGETS["P4_rss_gb"],
        "met": (total_slope or 0) <= TARGETS["P4_slope"] and peak <= TARGETS["P4_rss_gb"],
    }


def physical_rates(work: Path) -> dict[str, float]:
    """Page-cache read bandwidth and single-core md5 rate, in MB/s (256 MiB each)."""
    block = np.random.default_rng(0).bytes(256 * 2**20)
    probe = work / "bandwidth.bin"
    probe.write_bytes(block)
    reads = []
    for _ in range(3):
        start = time.perf_counter()
        with probe.open("rb") as handle:
            while handle.read(2**20):
                pass
        reads.append(time.perf_counter() - start)
    start = time.perf_counter()
    hashlib.md5(block).hexdigest()
    md5_s = time.perf_counter() - start
    probe.unlink()
    return {
        "read_mb_s": round(256 * 1.048576 / min(reads), 1),
        "md5_mb_s": round(256 * 1.048576 / md5_s, 1),
    }


RATES: dict[str, float] = {}


def floors(repo: Path, env: dict) -> dict[str, dict[str, float]]:
    """Per stage: bytes read and written, and the time to read them and hash the outputs."""
    from flight_delay.infra.sources import resolve_source

    params = yaml.safe_load((repo / "params.yaml").read_text())
    source = resolve_source(params["data"]["source"], repo)
    deps, outs = stage_paths(repo, "deps"), stage_paths(repo, "outs")
    found = {}
    for name in deps:
        read = sum(size_of(repo / p) for p in deps[name])
        if name == "ingest":
            read += sum(size_of(source / f) for f in params["data"]["files"].values())
        written = sum(size_of(repo / p) for p in outs[name])
        floor = read / 1e6 / RATES["read_mb_s"] + written / 1e6 / RATES["md5_mb_s"]
        found[name] = {
            "read_mb": round(read / 1e6, 2),
            "written_mb": round(written / 1e6, 2),
            "floor_s": round(floor, 6),
        }
    return found


def measure_p6(steps: list[dict[str, float]]) -> dict[str, Any]:
    """MLflow logging (every `... MLflow` step of a run) / the train stage's fit."""
    fits = [v for s in steps for k, v in s.items() if k.startswith("train: fitting")]
    logging = [sum(v for k, v in s.items() if k.endswith("MLflow")) for s in steps]
    ratios = [t / f for t, f in zip(logging, fits, strict=True)]
    steps_named = sorted({k for s in steps for k in s if k.endswith("MLflow")})
    return {"ratio": spread(ratios), "logging_s": spread(logging), "train_fit_s": spread(fits),
            "logging_steps": steps_named}  # fmt: skip


def measure_p5(repo: Path, env: dict, seconds: float) -> dict[str, Any]:
    sh(repo, env, sys.executable, "benchmarks/serve_bench.py", "--seconds", str(seconds))
    return serve_figures(json.loads((repo / "reports/bench/serve.json").read_text()), seconds)


def serve_figures(found: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The ratios and each server's req/s and p99 per scenario, from serve_bench's JSON."""
    scenarios = {
        key: {"throughput_ratio": s["throughput_ratio"], "p99_ratio": s["p99_ratio"]}
        | {f"{server}_{m}": s[server][m] for server in ("ours", "mlflow")
           for m in ("requests_per_s", "p99_ms", "health_p99_ms", "health_max_ms")
           if m in s[server]}
        for key, s in found["scenarios"].items()
    }  # fmt: skip
    return {"target": found["target"], "scenarios": scenarios, "seconds_per_scenario": seconds}


def measure_p7(work: Path, env: dict, uv_command: str) -> dict[str, Any]:
    found = shutil.which(uv_command)  # make passes its UV, maybe a relative path
    uv = str(Path(found).resolve()) if found else str(REPO / ".uv/bin/uv")
    project = scratch_repo(work / "install", env)
    cache, venv = work / "uv-cache", work / "venv"
    install_env = env | {
        "UV_CACHE_DIR": str(cache),
        "UV_PROJECT_ENVIRONMENT": str(venv),
        "UV_COMPILE_BYTECODE": "1",
    }
    cold, _ = timed(project, install_env, uv, "sync", "--locked")
    size = size_of(venv)
    shutil.rmtree(venv)
    warm, _ = timed(project, install_env, uv, "sync", "--locked")
    return {
        "cold_s": round(cold, 1),
        "warm_s": round(warm, 1),
        "installed_mb": round(size / 1e6),
        "download_cache_mb": round(size_of(cache) / 1e6),
        "uv": uv,
    }


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "commit": MEASURED["commit"][:7],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = ["all", "in-process", "render"]  # render: the doc again from bench.json
    parser.add_argument("mode", nargs="?", default="all", choices=modes)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--serve-seconds", type=float, default=2.0)
    parser.add_argument("--engine-scales", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--skip", nargs="*", default=[], help="e.g. P5 P7 P8 (quick runs)")
    parser.add_argument("--uv", default="uv", help="the uv command P7 installs with (make: its UV)")
    args = parser.parse_args(argv)
    if args.mode == "in-process":
        return in_process_child()

    from bench_report import write_doc  # benchmarks/bench_report.py

    if args.mode == "render":
        return write_doc(json.loads(RESULTS_FILE.read_text()), DOC_FILE, DOC_BEGIN, DOC_END)

    started = time.perf_counter()
    MEASURED["commit"] = head_commit()
    results: dict[str, Any] = {"machine": machine() | {"threads": args.threads}}
    if "P8" in args.skip and RESULTS_FILE.is_file():  # keep the last P8, with its commit
        earlier = json.loads(RESULTS_FILE.read_text()).get("P8")
        if earlier:
            results["P8"] = earlier
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as scratch:
        work = Path(scratch)
        RATES.update(physical_rates(work))

        def env_for(repo: Path | None) -> dict[str, str]:
            return bench_env(repo or work, args.threads)

        repo = scratch_repo(work / "repo", env_for(None))
        env = env_for(repo)
        results["stage_order"] = list(stage_modules(repo))  # the JSON's keys are sorted
        empty_store(repo, env)
        print("P1: full runs (in one process, one process per stage, dvc repro -f)", flush=True)
        p1 = measure_p1(repo, env, args.repeats)
        steps, processes = p1.pop("_steps"), p1.pop("_processes")
        results["P1"] = p1
        save(results, complete=False)
        print("P2: no-op dvc repro", flush=True)
        results["P2"] = measure_p2(repo, env, max(args.repeats, 5))
        save(results, complete=False)
        print("P3 and E1: one model parameter changed", flush=True)
        results["P3"] = measure_p3(repo, env, args.repeats, p1["dvc_repro_s"]["median"])
        results["P3"]["E1"]["floor"] = loop_floor(results["P3"]["E1"], p1, results["P2"])
        save(results, complete=False)
        if "P5" not in args.skip:
            print("P5: serving", flush=True)
            results["P5"] = measure_p5(repo, env, args.serve_seconds)
        results["P6"] = measure_p6(steps)
        results["floor"] = {
            "rates": dict(RATES),
            "stages": floor_ratios(floors(repo, env), p1["stage_s_one_process_each"]),
        }
        del processes
        print(f"P4: scale {args.scales}", flush=True)
        results["P4"] = measure_p4(work, env_for, args.scales)
        save(results, complete=False)
        if "P7" not in args.skip:
            print("P7: install", flush=True)
            results["P7"] = measure_p7(work, env_for(None), args.uv)
            save(results, complete=False)
        if "P8" not in args.skip:
            from scale_bench import measure_p8  # benchmarks/scale_bench.py

            print(f"P8: the dask engine at scale {args.engine_scales}", flush=True)
            results["P8"] = measure_p8(work, env_for, args.engine_scales, scratch_repo,
                                       use_scaled_source, stage_modules)  # fmt: skip
    results["bench_minutes"] = round((time.perf_counter() - started) / 60, 1)
    save(results, complete=True)
    write_doc(results, DOC_FILE, DOC_BEGIN, DOC_END)
    print(
        f"wrote {RESULTS_FILE.relative_to(REPO)} and {DOC_FILE.relative_to(REPO)} "
        f"({results['bench_minutes']} min)"
    )


def save(results: dict[str, Any], complete: bool) -> None:
    """After each part, so that a run cut short keeps what it measured (complete: false)."""
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results | {"complete": complete}, indent=2, sort_keys=True)
    RESULTS_FILE.write_text(text + "\n")


def floor_ratios(found: dict, stage_s: dict) -> dict[str, dict[str, float]]:
    return {
        name: f
        | {
            "seconds": stage_s[name]["median"],
            "times_floor": round(stage_s[name]["median"] / f["floor_s"]) if f["floor_s"] else None,
        }
        for name, f in found.items()
    }


if __name__ == "__main__":
    main()
