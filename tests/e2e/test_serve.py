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
from flight_delay.operate.prediction_log import read_log
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


def call(url: str, body: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


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


def test_the_service_will_not_listen_beyond_this_machine(service):
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "flight_delay.operate.serve",
         "--model", str(service["model"]), "--host", "0.0.0.0", "--log", ""],
        cwd=service["repo"], env=scratch_env(service["repo"]), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode != 0 and "refusing to listen on 0.0.0.0" in done.stderr


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
