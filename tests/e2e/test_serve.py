"""The service over real HTTP: uvicorn on a free port, serving the model `dvc repro` fitted
in a scratch repo on the tests' own dataset (tests/synthetic.py: orders, late or on time),
with its prediction log."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import pytest
import yaml

from flight_delay.infra.persistence import load_model
from flight_delay.infra.processes import free_port, stop_child, wait_ready
from flight_delay.operate.prediction_log import partitions, read_log
from tests import synthetic
from tests.conftest import VENV_BIN, repro_and_commit, scratch_env

SECRET = "s3cr3t-VALUE"  # planted in bad requests: must never come back
SPLITS = ("train", "valid", "test")
LABEL = synthetic.SPEC["label"]["column"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """The orders' pipeline, reproduced: its model, features and raw tables."""
    repo = synthetic.scratch_repo(tmp_path_factory.mktemp("serve"))
    repro_and_commit(repo, "the orders")
    return repo


@pytest.fixture(scope="module")
def features(repo) -> dict[str, pd.DataFrame]:
    return {split: pd.read_parquet(repo / f"data/features/{split}.parquet") for split in SPLITS}


@pytest.fixture(scope="module")
def service(repo, tmp_path_factory):
    log = tmp_path_factory.mktemp("log") / "predictions.sqlite"
    model = repo / "models/model.skops"
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "flight_delay.operate.serve",
         "--model", str(model), "--port", str(port), "--log", str(log)],
        cwd=repo, env=scratch_env(repo), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_ready(port, process).close()
        yield {"url": f"http://127.0.0.1:{port}", "log": log, "model": model, "repo": repo}
    finally:
        stop_child(process)


def call(url: str, body: bytes | None = None, **headers: str) -> tuple[int, str]:
    return answer_to(url, body, **headers)[:2]


def answer_to(url: str, body: bytes | None = None, **headers: str) -> tuple[int, str, dict]:
    """Status, body and headers (lower-case names); headers given as Content_Type=..."""
    sent = {"Content-Type": "application/json"} | {
        k.replace("_", "-"): v for k, v in headers.items()
    }
    request = urllib.request.Request(url, data=body, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return (
                answer.status,
                answer.read().decode(),
                {k.lower(): v for k, v in answer.headers.items()},
            )
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), {k.lower(): v for k, v in err.headers.items()}


@pytest.fixture(scope="module")
def rows(features):
    """What a client sends: the identity (order_id) and the model's inputs."""
    spec = synthetic.SPEC
    fields = [
        *spec["data"]["identity"],
        *spec["features"]["numeric"],
        *spec["features"]["categorical"],
    ]
    return json.loads(features["test"][fields].head(40).to_json(orient="records"))


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and ",".join(sorted((match.group(1) or "").split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def test_predictions_are_the_models_and_are_logged(service, rows, features):
    status, body = call(service["url"] + "/predict", json.dumps(rows).encode())
    assert status == 200, body
    answer = json.loads(body)
    served = np.array([p["probability"] for p in answer["predictions"]])
    frame = features["test"].head(40)
    model = load_model(service["model"])
    expected = model.predict_proba(frame[model.feature_names_in_])[:, 1]
    np.testing.assert_allclose(served, expected, rtol=0, atol=1e-12)
    threshold = synthetic.SPEC["evaluate"]["decision_threshold"]
    assert [p[LABEL] for p in answer["predictions"]] == (expected >= threshold).astype(int).tolist()

    log = read_log(service["log"])
    mine = log[log["request_id"] == answer["request_id"]]
    assert mine["row"].tolist() == list(range(40))
    assert mine["order_id"].astype(int).tolist() == frame["order_id"].tolist()
    np.testing.assert_allclose(mine["probability"], expected, atol=1e-12)
    assert set(mine["model_version"]) == {"workspace"}


def test_one_object_is_one_row(service, rows):
    status, body = call(service["url"] + "/predict", json.dumps(rows[0]).encode())
    assert status == 200 and len(json.loads(body)["predictions"]) == 1


def _bad(rows: list[dict], change) -> bytes:
    row = dict(rows[0])
    change(row)
    return json.dumps([row]).encode()


BAD_PAYLOADS = {
    "malformed JSON": (lambda rows: b'[{"items": ' + SECRET.encode(), 400, None),
    "empty list": (lambda rows: b"[]", 422, None),
    "not an object": (lambda rows: json.dumps([SECRET]).encode(), 422, None),
    "missing field": (lambda rows: _bad(rows, lambda r: r.pop("distance_km")), 422, "distance_km"),
    "wrong type": (lambda rows: _bad(rows, lambda r: r.update(items=SECRET)), 422, "items"),
    "null in a required field": (lambda rows: _bad(rows, lambda r: r.update(hour=None)),
                                 422, "hour"),
    "out of range": (lambda rows: _bad(rows, lambda r: r.update(staff=1e6 + 0.123)), 422, "staff"),
    "unknown category": (lambda rows: _bad(rows, lambda r: r.update(region="ZQX")), 422, "region"),
    "extra field": (lambda rows: _bad(rows, lambda r: r.update(gate_no=SECRET)), 422, "gate_no"),
    "null category": (lambda rows: _bad(rows, lambda r: r.update(weekday=None)), 422, "weekday"),
    "not a whole order number": (lambda rows: _bad(rows, lambda r: r.update(order_id=12.5)),
                                 422, "order_id"),
    "two objects, no list": (lambda rows: json.dumps(rows[0]).encode() + b","
                             + json.dumps(rows[1]).encode(), 400, None),
    "too many rows": (lambda rows: json.dumps(rows * 30).encode(), 422, None),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_PAYLOADS))
def test_bad_payload_gets_4xx_naming_the_field_without_the_value(service, rows, case):
    make_body, status, field = BAD_PAYLOADS[case]
    got, body = call(service["url"] + "/predict", make_body(rows))
    assert got == status, body
    answer = json.loads(body)
    assert answer["message"]
    for planted in (SECRET, "ZQX", "1000000.123"):
        assert planted not in body
    if field:
        assert field in [e["field"] for e in answer["errors"]], answer


def test_null_is_named_as_such_for_a_category(service, rows):
    body = call(service["url"] + "/predict", _bad(rows, lambda r: r.update(weekday=None)))[1]
    assert {"row": 0, "field": "weekday", "rule": "must not be null"} in json.loads(body)["errors"]


def _send_part(service: dict, headers: dict[str, str], parts: list[bytes]) -> tuple[int, bytes]:
    """Send the headers and only these parts of the body, then read the answer: a
    client that kept sending after an early 413 could see the connection reset."""
    import http.client

    connection = http.client.HTTPConnection(service["url"].removeprefix("http://"), timeout=30)
    connection.putrequest("POST", "/predict")
    for name, value in {"Content-Type": "application/json", **headers}.items():
        connection.putheader(name, value)
    connection.endheaders()
    for part in parts:
        connection.send(part)
    answer = connection.getresponse()
    return answer.status, answer.read()


def test_a_declared_oversized_body_is_refused_before_it_is_read(service):
    status, body = _send_part(service, {"Content-Length": "2000000"},
                              [b'[{"items": "' + SECRET.encode()])  # fmt: skip
    assert status == 413 and b"larger than 1048576 bytes" in body and SECRET.encode() not in body


def test_a_streamed_body_over_the_limit_is_refused_without_reading_it_all(service):
    chunk = 65536
    parts = [b"%x\r\n%s\r\n" % (chunk, b" " * chunk) for _ in range(17)]  # 1.1 MB, no end
    status, body = _send_part(service, {"Transfer-Encoding": "chunked"}, parts)
    assert status == 413 and b"larger than 1048576 bytes" in body


def test_the_service_will_not_listen_beyond_this_machine_without_a_token(service):
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "flight_delay.operate.serve",
         "--model", str(service["model"]), "--host", "0.0.0.0", "--log", ""],
        cwd=service["repo"], env=scratch_env(service["repo"]), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "refusing to listen on 0.0.0.0, beyond this machine, without a bearer token" in (
        done.stderr
    )


def test_metrics_count_requests_rows_and_rejections(service, rows):
    before = call(service["url"] + "/metrics")[1]
    call(service["url"] + "/predict", json.dumps(rows[:5]).encode())
    call(service["url"] + "/predict", json.dumps(rows[:3]).encode())
    call(service["url"] + "/predict", b"[]")
    status, after = call(service["url"] + "/metrics")
    assert status == 200

    def grew(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert grew("flight_delay_requests_total", path="/predict", status="200") == 2
    assert grew("flight_delay_requests_total", path="/predict", status="422") == 1
    assert grew("flight_delay_rejected_requests_total", reason="422") == 1
    assert grew("flight_delay_rows_scored_total") == 8
    assert grew("flight_delay_predicted_probability_count") == 8
    assert grew("flight_delay_request_latency_seconds_count", path="/predict") == 3


def test_health_and_metadata(service):
    assert call(service["url"] + "/health")[0] == 200
    status, body = call(service["url"] + "/metadata")
    meta = json.loads(body)
    threshold = synthetic.SPEC["evaluate"]["decision_threshold"]
    assert status == 200 and meta["version"] == "workspace" and meta["threshold"] == threshold
    inputs = meta["inputs"]
    assert "distance_km" in inputs["numeric"] and "north" in inputs["categories"]["region"]
    assert len(meta["model_md5"]) == 32


def module(repo, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(VENV_BIN / "python"), "-m", *args], cwd=repo,
                          env=scratch_env(repo), capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def test_the_log_becomes_labelled_feedback_then_a_drift_report(service, rows, features, tmp_path):
    """The commands behind `make feedback` and `make monitor`, on what the service logged."""
    repo = service["repo"]
    call(service["url"] + "/predict", json.dumps(rows).encode())
    feedback = tmp_path / "feedback.parquet"
    module(repo, "flight_delay.operate.feedback", "--log", str(service["log"]),
           "--outcomes", str(repo / "data/raw/orders.parquet"), "--out", str(feedback))  # fmt: skip
    labelled = pd.read_parquet(feedback)
    truth = features["test"].set_index("order_id")[LABEL]
    assert (
        len(labelled) >= 40 and labelled[LABEL].tolist() == truth.loc[labelled["order_id"]].tolist()
    )

    train, valid = tmp_path / "train.parquet", tmp_path / "valid.parquet"
    features["train"].to_parquet(train)
    features["valid"].to_parquet(valid)
    module(repo, "flight_delay.operate.monitor", "--current", str(feedback), "--reference",
           str(train), "--validation", str(valid), "--model", str(service["model"]),
           "--out", str(tmp_path / "monitoring"))  # fmt: skip
    report = json.loads((tmp_path / "monitoring/drift.json").read_text())
    assert report["performance"]["labelled_rows"] == len(labelled)
    assert report["rows"]["reference"] == len(features["train"])
    assert "<table>" in (tmp_path / "monitoring/drift.html").read_text()


def test_make_predicts_command_scores_a_features_file(service, features, tmp_path):
    batch, scored = tmp_path / "batch.parquet", tmp_path / "scored.parquet"
    features["test"].head(200).to_parquet(batch)
    done = module(service["repo"], "flight_delay.operate.predict", "--input", str(batch),
                  "--output", str(scored), "--model", str(service["model"]))  # fmt: skip
    out = pd.read_parquet(scored)
    artifact = yaml.safe_load((service["repo"] / "params.yaml").read_text())["registry"]["artifact"]
    assert len(out) == 200 and f"rows scored by {artifact} workspace" in done.stderr
    assert out["probability"].notna().sum() == (out["problem"] == "").sum()


def logged_rows(log) -> int:
    return len(read_log(log))


def test_the_published_contract_holds_against_a_schema_driven_fuzzer(service):
    status, text = call(service["url"] + "/openapi.json")
    document = json.loads(text)
    row = document["components"]["schemas"]["Row"]
    assert set(row["required"]) == set(synthetic.SPEC["features"]["numeric"]) | set(
        synthetic.SPEC["features"]["categorical"]
    )  # the identity fields are optional
    assert {"order_id", "placed_at"} <= set(row["properties"]) and not row["additionalProperties"]
    assert row["properties"]["placed_at"]["anyOf"][0]["format"] == "date-time"
    assert set(document["paths"]["/predict"]["post"]["responses"]) == {
        "200", "400", "401", "413", "415", "422", "503"
    }  # fmt: skip
    before = logged_rows(service["log"])
    done = subprocess.run(
        [str(VENV_BIN / "st"), "run", service["url"] + "/openapi.json", "--checks", "all",
         "--max-examples", "30", "--seed", "7", "--workers", "1", "--max-time", "120",
         "--no-color"],
        capture_output=True, text=True, timeout=300, cwd=service["repo"],
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:]
    assert "No issues found" in done.stdout
    assert logged_rows(service["log"]) > before  # it sent valid rows, and they were scored


def test_only_json_bodies_are_read(service, rows):
    before = logged_rows(service["log"])
    body = json.dumps(rows[:2]).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        status, text = call(service["url"] + "/predict", body, Content_Type=content_type)
        assert status == 415 and "application/json" in json.loads(text)["message"]
    assert (
        call(service["url"] + "/predict", body, Content_Type="application/json; charset=utf-8")[0]
        == 200
    )
    assert logged_rows(service["log"]) == before + 2


def test_foreign_host_names_and_origins_get_nothing(service, rows):
    body = json.dumps(rows[:1]).encode()
    port = service["url"].rsplit(":", 1)[1]
    status, text, _ = answer_to(service["url"] + "/predict", body, Host="evil.example")
    assert status == 400 and "Host header" in json.loads(text)["message"]
    assert answer_to(service["url"] + "/health", Host=f"evil.example:{port}")[0] == 400
    status, _, headers = answer_to(service["url"] + "/predict", body, Host=f"localhost:{port}",
                                   Origin="http://evil.example")  # fmt: skip
    assert status == 200 and not any(h.startswith("access-control-") for h in headers)


def test_integral_floats_and_impossible_moments_are_judged_alike_by_both_paths(
    service, rows, features, tmp_path
):
    row = dict(rows[0])
    whole = json.dumps([row | {"order_id": float(row["order_id"])}]).encode()  # 2243.0
    status, text = call(service["url"] + "/predict", whole)
    assert status == 200
    mine = read_log(service["log"]).query(f"request_id == '{json.loads(text)['request_id']}'")
    assert mine["order_id"].tolist() == [row["order_id"]]  # logged as the integer it is
    impossible = ("2024-13-45T99:00:00Z", "2023-02-29T10:00:00Z", "2024-01-01T10:00:00")
    for broken in ({"order_id": row["order_id"] + 0.5}, *({"placed_at": t} for t in impossible)):
        status, text = call(service["url"] + "/predict", json.dumps([row | broken]).encode())
        assert status == 422 and [e["field"] for e in json.loads(text)["errors"]] == list(broken)
    # make predict, on the same values
    batch = features["test"].head(4).assign(order_id=lambda f: f["order_id"].astype(float))
    batch.loc[batch.index[1], "placed_at"] = "2023-02-29T10:00:00Z"
    batch.loc[batch.index[2], "order_id"] += 0.5
    path, scored = tmp_path / "batch.parquet", tmp_path / "scored.parquet"
    batch.to_parquet(path)
    module(service["repo"], "flight_delay.operate.predict", "--input", str(path),
           "--output", str(scored), "--model", str(service["model"]))  # fmt: skip
    scored = pd.read_parquet(scored)
    assert scored["problem"].str.split(":").str[0].tolist() == ["", "placed_at", "order_id", ""]


def test_a_locked_log_gets_503_and_health_answers_meanwhile(service, rows):
    import sqlite3
    import threading

    answers: list = []
    before = logged_rows(service["log"])
    [current] = partitions(service["log"])  # today's: predictions.<day>.0.sqlite
    holder = sqlite3.connect(current.sqlite(service["log"]), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing: the log is locked
    try:
        client = threading.Thread(target=lambda: answers.append(
            answer_to(service["url"] + "/predict", json.dumps(rows[:3]).encode())))  # fmt: skip
        client.start()
        health = call(service["url"] + "/health")
        waiting = client.is_alive()  # the request still waits for the log (2 s)
        client.join(timeout=60)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert health[0] == 200 and waiting
    [(status, text, headers)] = answers
    assert status == 503 and headers["retry-after"] == "1", text
    assert "predictions" not in json.loads(text)  # no prediction handed out unlogged
    assert logged_rows(service["log"]) == before
    assert call(service["url"] + "/predict", json.dumps(rows[:3]).encode())[0] == 200
    assert logged_rows(service["log"]) == before + 3


def test_with_a_token_beyond_loopback_every_returned_prediction_survives_kill_9(
    service, rows, tmp_path
):
    """Listening on 127.0.0.2 (an address other than 127.0.0.1) needs a token; the
    requests that got their predictions are in the log after SIGKILL."""
    import http.client
    import time

    token, port, log = "t0ken-" + "x" * 20, free_port(), tmp_path / "predictions.sqlite"
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "flight_delay.operate.serve", "--model",
         str(service["model"]), "--host", "127.0.0.2", "--port", str(port), "--log", str(log)],
        cwd=service["repo"], env=scratch_env(service["repo"]) | {"SERVE_TOKEN": token},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.2:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if call(url + "/health")[0] == 200:
                    break
            except (ConnectionError, http.client.HTTPException, OSError):
                assert process.poll() is None and time.monotonic() < deadline, "no service"
                time.sleep(0.3)
        body = json.dumps(rows[:4]).encode()
        status, _, headers = answer_to(url + "/predict", body)
        assert status == 401 and headers["www-authenticate"] == "Bearer"
        assert call(url + "/predict", body, Authorization="Bearer wrong")[0] == 401
        assert call(url + "/metadata")[0] == 401 and call(url + "/openapi.json")[0] == 200
        fuzzed = subprocess.run(
            [str(VENV_BIN / "st"), "run", url + "/openapi.json", "--checks", "all",
             "--max-examples", "10", "--seed", "7", "--workers", "1", "--max-time", "90",
             "--no-color", "-H", f"Authorization: Bearer {token}"],
            capture_output=True, text=True, timeout=300, cwd=service["repo"],
        )  # fmt: skip
        assert fuzzed.returncode == 0, fuzzed.stdout[-4000:]  # 401 documented where it is
        returned = []
        for _ in range(15):
            status, text = call(url + "/predict", body, Authorization=f"Bearer {token}")
            assert status == 200
            returned.append(json.loads(text)["request_id"])
        process.kill()  # SIGKILL: no shutdown, no flush
        process.wait(timeout=30)
    finally:
        stop_child(process)
    kept = read_log(log).groupby("request_id").size()
    assert all(kept.get(r) == 4 for r in returned), "a returned prediction was lost"


def test_several_workers_share_one_log_and_their_metrics_add_up(service, rows, tmp_path):
    port, log = free_port(), tmp_path / "predictions.sqlite"
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "flight_delay.operate.serve", "--model",
         str(service["model"]), "--port", str(port), "--log", str(log), "--workers", "2"],
        cwd=service["repo"], env=scratch_env(service["repo"]), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(port, process).close()
        workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                                 text=True).stdout.split()  # fmt: skip
        body = json.dumps(rows[:3]).encode()
        for _ in range(24):  # a new connection each: the kernel spreads them over the workers
            assert call(url + "/predict", body)[0] == 200
        metrics = call(url + "/metrics")[1]
    finally:
        stop_child(process)
    assert len(workers) >= 2, workers  # uvicorn's workers (and its resource tracker)
    assert metric(metrics, "flight_delay_requests_total", path="/predict", status="200") == 24
    assert metric(metrics, "flight_delay_rows_scored_total") == 72
    assert len(read_log(log)) == 72


def test_make_log_export_writes_closed_partitions_for_dvc_and_feedback_still_reads_them(
    service, tmp_path
):
    """The command behind `make log-export`, on a log with a partition from long ago."""
    from datetime import date

    from flight_delay.operate.prediction_log import PredictionLog

    stem, repo = tmp_path / "predictions.sqlite", service["repo"]
    old = PredictionLog(stem, {"version": "v1"}, today=lambda: date(2020, 1, 1))
    old.append("long-ago", [{"order_id": 1}], [0.5], [1])
    old.close()
    new = PredictionLog(stem, {"version": "v1"})  # today's, still open
    new.append("today", [{"order_id": 2}], [0.5], [1])
    new.close()
    done = module(repo, "flight_delay.operate.log_export", "--log", str(stem))
    assert "exported 1 closed partition(s) to data/feedback/log, deleted 1 older than 7" in (
        done.stderr
    )
    assert (repo / "data/feedback/log/predictions.2020-01-01.0.parquet").is_file()
    [left] = partitions(stem)  # the old SQLite partition is gone, today's is kept
    assert left.day != "2020-01-01"
    log = read_log(stem, repo / "data/feedback/log")
    assert sorted(log["request_id"]) == ["long-ago", "today"]
