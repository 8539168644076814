"""`make bench-serve`: our FastAPI service against `mlflow models serve`, same model, one run.

Both servers load models/model.skops and bind 127.0.0.1 on free ports:
- ours: `python -m flight_delay.serve --model models/model.skops`, prediction log ON
  (a scratch SQLite file), as in production: validation, metrics and the log are timed;
- mlflow: the same file logged with skops into a scratch sqlite store, exactly as
  `model_registry.log_verified_model` logs it, served with `--env-manager local`.
Both get OMP/OpenBLAS/MKL thread counts of 1 (PINNED_THREADS): this machine may have
only 2 cores shared with the client, and one thread for each lets neither oversubscribe.

Rows are test rows (data/features/test.parquet) whose categories the model knows; a
body is a JSON list of records (NaN as null), for mlflow wrapped in
{"dataframe_records": ...}. Per scenario (1 or 100 rows per request; 1 client or
CONCURRENT clients, each a thread with its own keep-alive connection) each server gets
a warm-up, then `--seconds` of requests; every latency is recorded (request sent to
body read). Every response must be 200, and both servers must give the same
probabilities to 1e-9 on a sample of rows, or the run fails. Results: a Markdown table
on stdout and reports/bench/serve.json, plus the issue's target for 1-row requests.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

MODEL_FILE = Path("models/model.skops")
TEST_FILE = Path("data/features/test.parquet")
RESULTS_FILE = Path("reports/bench/serve.json")
PINNED_THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
CONCURRENT = 4
POOL_ROWS = 2000
CHECK_ROWS = 200
TOLERANCE = 1e-9
HEADERS = {"Content-Type": "application/json"}
TARGET_THROUGHPUT, TARGET_P99 = 5.0, 3.0  # from the issue: >= 5x req/s at <= 1/3 of p99


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body, HEADERS)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # own session: stop() also reaches a child (mlflow's uvicorn)
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group this PID leads, SIGKILL if it is still there after 15 s."""
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            process.wait(grace)
            return


def wait_ready(process: subprocess.Popen[bytes], port: int, path: str, log: Path) -> float:
    began = time.monotonic()
    while time.monotonic() - began < 180:
        if process.poll() is not None:
            raise SystemExit(f"bench: {process.args} exited:\n{log.read_text()[-3000:]}")
        try:
            if request(port, "GET", path)[0] == 200:
                return time.monotonic() - began
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"bench: no 200 from {path} on port {port} in 180 s")


def log_to_mlflow(tracking_uri: str, artifacts: Path) -> str:
    """The model file logged as `log_verified_model` does; returns its model URI."""
    import mlflow

    from flight_delay.persistence import TRUSTED_TYPES, load_model
    from flight_delay.train import pip_requirements

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(experiment_id=mlflow.create_experiment(
        "serve-bench", artifact_location=artifacts.as_uri()))  # fmt: skip
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            load_model(MODEL_FILE), name="model", serialization_format="skops",
            skops_trusted_types=TRUSTED_TYPES, pyfunc_predict_fn="predict_proba",
            pip_requirements=pip_requirements(),
        )  # fmt: skip
    return str(info.model_uri)


def request_rows(columns: list[str], categories: dict[str, list[str]]) -> pd.DataFrame:
    """POOL_ROWS test rows the model can score: known categories, its inputs + identity."""
    test = pd.read_parquet(TEST_FILE).drop(columns="delayed")
    known = np.logical_and.reduce([test[c].isin(v) for c, v in categories.items()])
    return test[known].sample(POOL_ROWS, random_state=0)[["time_hour", "flight", *columns]]


def bodies(rows: pd.DataFrame, size: int, mlflow: bool) -> list[bytes]:
    chunks = [rows.iloc[i : i + size] for i in range(0, len(rows) - size + 1, size)]
    texts = [chunk.to_json(orient="records") for chunk in chunks]
    return [(f'{{"dataframe_records": {t}}}' if mlflow else t).encode() for t in texts]


def positive_class(server: str, payload: bytes) -> list[float]:
    answer = json.loads(payload)
    if server == "ours":
        return [p["probability"] for p in answer["predictions"]]
    return [pair[1] for pair in answer["predictions"]]  # predict_proba: [P(0), P(1)]


def check_same(servers: dict[str, tuple[int, str]], rows: pd.DataFrame) -> float:
    """Largest difference between the two servers' probabilities; fails above TOLERANCE."""
    sample = rows.iloc[:CHECK_ROWS]
    got: dict[str, list[float]] = {}
    for name, (port, path) in servers.items():
        requests = bodies(sample, CHECK_ROWS, name == "mlflow") + bodies(
            sample.iloc[:20], 1, name == "mlflow")  # fmt: skip
        got[name] = []
        for body in requests:
            status, payload = request(port, "POST", path, body)
            if status != 200:
                raise SystemExit(f"bench: {name} answered {status}: {payload[:500]!r}")
            got[name] += positive_class(name, payload)
    diff = float(np.max(np.abs(np.subtract(got["ours"], got["mlflow"]))))
    if diff > TOLERANCE:
        raise SystemExit(f"bench: the servers disagree by up to {diff:.3g} (> {TOLERANCE})")
    return diff


def run_clients(port: int, path: str, payloads: list[bytes], clients: int, seconds: float
                ) -> list[float]:  # fmt: skip
    """Latencies (s) of every request `clients` threads send in `seconds`."""
    gate = threading.Barrier(clients)

    def client(k: int) -> list[float]:
        conn, latencies = http.client.HTTPConnection("127.0.0.1", port, timeout=60), []
        gate.wait()
        deadline = time.perf_counter() + seconds
        try:
            while (begin := time.perf_counter()) < deadline:
                body = payloads[(k + len(latencies) * clients) % len(payloads)]
                conn.request("POST", path, body, HEADERS)
                response = conn.getresponse()
                answer = response.read()
                latencies.append(time.perf_counter() - begin)
                if response.status != 200:
                    raise SystemExit(f"bench: {path} on port {port} answered "
                                     f"{response.status}: {answer[:300]!r}")  # fmt: skip
        finally:
            conn.close()
        return latencies

    with ThreadPoolExecutor(clients) as pool:  # map re-raises a client's failure
        return [x for per_client in pool.map(client, range(clients)) for x in per_client]


def summary(latencies: list[float], seconds: float, rows: int) -> dict[str, float]:
    ms = np.array(latencies) * 1000
    return {"requests": len(ms), "requests_per_s": round(len(ms) / seconds, 1),
            "rows_per_s": round(len(ms) * rows / seconds, 1),
            "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2)}  # fmt: skip


@contextmanager
def both_servers(tmp: Path) -> Iterator[tuple[dict[str, tuple[int, str]], dict[str, float]]]:
    """Start both, wait until ready; yields name -> (port, predict path), startup seconds."""
    env = {**os.environ, **PINNED_THREADS, "PYTHONUNBUFFERED": "1"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # uvicorn
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{tmp / 'mlflow.db'}"
    model_uri = log_to_mlflow(env["MLFLOW_TRACKING_URI"], tmp / "artifacts")
    ports = {"ours": free_port(), "mlflow": free_port()}
    commands = {
        "ours": [sys.executable, "-m", "flight_delay.serve", "--model", str(MODEL_FILE),
                 "--port", str(ports["ours"]), "--log", str(tmp / "predictions.sqlite")],
        "mlflow": [sys.executable, "-m", "mlflow", "models", "serve", "-m", model_uri,
                   "--env-manager", "local", "-h", "127.0.0.1", "-p", str(ports["mlflow"])],
    }  # fmt: skip
    paths = {"ours": ("/health", "/predict"), "mlflow": ("/ping", "/invocations")}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in commands.items():
            processes[name] = start(command, env, tmp / f"{name}.log")
        startup = {name: round(wait_ready(process, ports[name], paths[name][0],
                                          tmp / f"{name}.log"), 1)
                   for name, process in processes.items()}  # fmt: skip
        yield {name: (ports[name], paths[name][1]) for name in commands}, startup
    finally:
        for process in processes.values():
            stop(process)


def measure(servers: dict[str, tuple[int, str]], rows: pd.DataFrame, seconds: float,
            warmup: float) -> dict[str, Any]:  # fmt: skip
    """Every scenario on each server in turn: warm-up, then `seconds` of timed requests."""
    scenarios: dict[str, Any] = {}
    for size in (1, 100):
        for clients in (1, CONCURRENT):
            key = f"{size}_row{'s' * (size > 1)}_{clients}_client{'s' * (clients > 1)}"
            result: dict[str, Any] = {"rows_per_request": size, "clients": clients}
            for name, (port, path) in servers.items():
                payloads = bodies(rows, size, name == "mlflow")
                run_clients(port, path, payloads, clients, warmup)
                result[name] = summary(run_clients(port, path, payloads, clients, seconds),
                                       seconds, size)  # fmt: skip
                print(f"  {key} {name}: {result[name]}", flush=True)
            ours, theirs = result["ours"], result["mlflow"]
            result["throughput_ratio"] = round(ours["requests_per_s"] / theirs["requests_per_s"], 2)
            result["p99_ratio"] = round(theirs["p99_ms"] / ours["p99_ms"], 2)
            scenarios[key] = result
    return scenarios


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario and server")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each")
    args = parser.parse_args(argv)
    os.chdir(Path(__file__).resolve().parents[1])  # paths are relative to the repository

    from flight_delay.io import write_json
    from flight_delay.persistence import load_model
    from flight_delay.served_model import ServedModel

    known = ServedModel(load_model(MODEL_FILE), 0.5).categories
    with (
        tempfile.TemporaryDirectory(prefix="serve-bench-") as scratch,
        both_servers(Path(scratch)) as (servers, startup),
    ):
        inputs = json.loads(request(servers["ours"][0], "GET", "/metadata")[1])["inputs"]
        rows = request_rows([*inputs["numeric"], *inputs["categorical"]], known)
        max_diff = check_same(servers, rows)
        scenarios = measure(servers, rows, args.seconds, args.warmup)
    print_report(scenarios, startup, max_diff, args.seconds)
    config = {"seconds": args.seconds, "warmup_seconds": args.warmup, "pool_rows": POOL_ROWS,
              "pinned_threads": PINNED_THREADS, "startup_s": startup,
              "max_probability_diff": max_diff}  # fmt: skip
    write_json({"config": config, "scenarios": scenarios, "target": targets(scenarios)},
               RESULTS_FILE)  # fmt: skip
    print(f"\nwrote {RESULTS_FILE}")


def targets(scenarios: dict[str, Any]) -> dict[str, Any]:
    checks = {}
    for key in ("1_row_1_client", f"1_row_{CONCURRENT}_clients"):
        s = scenarios[key]
        met = s["throughput_ratio"] >= TARGET_THROUGHPUT and s["p99_ratio"] >= TARGET_P99
        checks[key] = {"throughput_ratio": s["throughput_ratio"], "p99_ratio": s["p99_ratio"],
                       "status": "PASS" if met else "MISS"}  # fmt: skip
    return checks


def print_report(scenarios: dict[str, Any], startup: dict, diff: float, seconds: float) -> None:
    print(f"\nstartup (s): {startup}; max |p_ours - p_mlflow| = {diff:.2g}; {seconds:g} s each\n")
    print("| scenario | server | req/s | rows/s | p50 ms | p99 ms |")
    print("|---|---|---:|---:|---:|---:|")
    for key, s in scenarios.items():
        for name in ("ours", "mlflow"):
            r = s[name]
            print(f"| {key} | {name} | {r['requests_per_s']:,.1f} | {r['rows_per_s']:,.0f} "
                  f"| {r['p50_ms']:.2f} | {r['p99_ms']:.2f} |")  # fmt: skip
        print(f"| {key} | ours/mlflow req/s, mlflow/ours p99 | {s['throughput_ratio']:.2f}x "
              f"| | | {s['p99_ratio']:.2f}x |")  # fmt: skip
    print(f"\nTarget (issue): >= {TARGET_THROUGHPUT:g}x the throughput of mlflow models serve "
          f"at <= 1/{TARGET_P99:g} of its p99, 1-row requests")  # fmt: skip
    for key, check in targets(scenarios).items():
        print(f"- {key}: {check['status']} (throughput {check['throughput_ratio']:.2f}x, "
              f"p99 {check['p99_ratio']:.2f}x lower)")  # fmt: skip


if __name__ == "__main__":
    main()
