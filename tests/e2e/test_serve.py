"""The service over real HTTP: uvicorn on a free port, serving a model fitted on the
real train split, with its prediction log."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request

import numpy as np
import pytest

from flight_delay.infra.persistence import load_model
from flight_delay.infra.processes import free_port, stop_child, wait_ready
from flight_delay.operate.prediction_log import read_log
from tests.conftest import REPO_ROOT, VENV_BIN, scratch_env

SECRET = "s3cr3t-VALUE"  # planted in bad requests: must never come back


@pytest.fixture(scope="module")
def service(real_model_file, tmp_path_factory):
    log = tmp_path_factory.mktemp("log") / "predictions.sqlite"
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "flight_delay.operate.serve",
         "--model", str(real_model_file), "--port", str(port), "--log", str(log)],
        cwd=REPO_ROOT, env=scratch_env(REPO_ROOT), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_ready(port, process).close()
        yield {"url": f"http://127.0.0.1:{port}", "log": log, "model": real_model_file}
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
def rows(real_features):
    frame = real_features["test"].drop(columns=["delayed"]).head(40)
    return json.loads(frame.to_json(orient="records"))


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and ",".join(sorted((match.group(1) or "").split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def test_predictions_are_the_models_and_are_logged(service, rows, real_features):
    status, body = call(service["url"] + "/predict", json.dumps(rows).encode())
    assert status == 200
    answer = json.loads(body)
    served = np.array([p["probability"] for p in answer["predictions"]])
    frame = real_features["test"].head(40)
    model = load_model(service["model"])
    expected = model.predict_proba(frame[model.feature_names_in_])[:, 1]
    np.testing.assert_allclose(served, expected, rtol=0, atol=1e-12)
    assert [p["delayed"] for p in answer["predictions"]] == (expected >= 0.3).astype(int).tolist()

    log = read_log(service["log"])
    mine = log[log["request_id"] == answer["request_id"]]
    assert mine["row"].tolist() == list(range(40))
    assert mine["flight"].astype(int).tolist() == frame["flight"].tolist()
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
    "malformed JSON": (lambda rows: b'[{"temp": ' + SECRET.encode(), 400, None),
    "empty list": (lambda rows: b"[]", 422, None),
    "not an object": (lambda rows: json.dumps([SECRET]).encode(), 422, None),
    "missing field": (lambda rows: _bad(rows, lambda r: r.pop("distance")), 422, "distance"),
    "wrong type": (lambda rows: _bad(rows, lambda r: r.update(temp=SECRET)), 422, "temp"),
    "null in a required field": (lambda rows: _bad(rows, lambda r: r.update(dep_hour=None)),
                                 422, "dep_hour"),
    "out of range": (lambda rows: _bad(rows, lambda r: r.update(humid=1e6 + 0.123)), 422, "humid"),
    "unknown category": (lambda rows: _bad(rows, lambda r: r.update(dest="ZQX")), 422, "dest"),
    "extra field": (lambda rows: _bad(rows, lambda r: r.update(gate_no=SECRET)), 422, "gate_no"),
    "null category": (lambda rows: _bad(rows, lambda r: r.update(origin=None)), 422, "origin"),
    "not a whole flight number": (lambda rows: _bad(rows, lambda r: r.update(flight=12.5)),
                                  422, "flight"),
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
    body = call(service["url"] + "/predict", _bad(rows, lambda r: r.update(origin=None)))[1]
    assert {"row": 0, "field": "origin", "rule": "must not be null"} in json.loads(body)["errors"]


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
                              [b'[{"temp": "' + SECRET.encode()])  # fmt: skip
    assert status == 413 and b"larger than 1048576 bytes" in body and SECRET.encode() not in body


def test_a_streamed_body_over_the_limit_is_refused_without_reading_it_all(service):
    chunk = 65536
    parts = [b"%x\r\n%s\r\n" % (chunk, b" " * chunk) for _ in range(17)]  # 1.1 MB, no end
    status, body = _send_part(service, {"Transfer-Encoding": "chunked"}, parts)
    assert status == 413 and b"larger than 1048576 bytes" in body


def test_the_service_will_not_listen_beyond_this_machine(real_model_file):
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "flight_delay.operate.serve",
         "--model", str(real_model_file), "--host", "0.0.0.0", "--log", ""],
        cwd=REPO_ROOT, env=scratch_env(REPO_ROOT), capture_output=True, text=True, timeout=120,
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
    assert status == 200 and meta["version"] == "workspace" and meta["threshold"] == 0.3
    assert "temp" in meta["inputs"]["numeric"] and "JFK" in meta["inputs"]["categories"]["origin"]
    assert len(meta["model_md5"]) == 32


def module(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(VENV_BIN / "python"), "-m", *args], cwd=REPO_ROOT,
                          env=scratch_env(REPO_ROOT), capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def test_the_log_becomes_labelled_feedback_then_a_drift_report(
    service, rows, real_raw, real_features, tmp_path
):
    """The commands behind `make feedback` and `make monitor`, on what the service logged."""
    import pandas as pd

    call(service["url"] + "/predict", json.dumps(rows).encode())
    outcomes, feedback = tmp_path / "flights.parquet", tmp_path / "feedback.parquet"
    real_raw["flights"].to_parquet(outcomes)
    module("flight_delay.operate.feedback", "--log", str(service["log"]),
           "--outcomes", str(outcomes), "--out", str(feedback))  # fmt: skip
    labelled = pd.read_parquet(feedback)
    truth = real_features["test"].set_index(["time_hour", "carrier", "flight", "origin"])["delayed"]
    keys = list(labelled[["time_hour", "carrier", "flight", "origin"]].itertuples(index=False))
    assert len(labelled) >= 40 and labelled["delayed"].tolist() == truth.loc[keys].tolist()

    train, valid = tmp_path / "train.parquet", tmp_path / "valid.parquet"
    real_features["train"].to_parquet(train)
    real_features["valid"].to_parquet(valid)
    module("flight_delay.operate.monitor", "--current", str(feedback), "--reference", str(train),
           "--validation", str(valid), "--model", str(service["model"]),
           "--out", str(tmp_path / "monitoring"))  # fmt: skip
    report = json.loads((tmp_path / "monitoring/drift.json").read_text())
    assert report["performance"]["labelled_rows"] == len(labelled)
    assert report["rows"]["reference"] == len(real_features["train"])
    assert "<table>" in (tmp_path / "monitoring/drift.html").read_text()


def test_make_predicts_command_scores_a_features_file(service, real_features, tmp_path):
    import pandas as pd

    batch, scored = tmp_path / "batch.parquet", tmp_path / "scored.parquet"
    real_features["test"].head(500).to_parquet(batch)
    done = module("flight_delay.operate.predict", "--input", str(batch), "--output", str(scored),
                  "--model", str(service["model"]))  # fmt: skip
    out = pd.read_parquet(scored)
    assert len(out) == 500 and "rows scored by flight-delay workspace" in done.stderr
    assert out["probability"].notna().sum() == (out["problem"] == "").sum()
