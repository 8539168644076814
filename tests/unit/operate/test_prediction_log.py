from __future__ import annotations

import sqlite3

import pytest

from flight_delay.operate.prediction_log import PredictionLog, read_log

MODEL = {"artifact": "flight-delay", "version": "v1.0.0", "stage": "prod", "model_md5": "ab"}


def test_rows_come_back_with_their_model_and_features(tmp_path):
    log = PredictionLog(tmp_path / "log.sqlite", MODEL)
    log.append("r1", [{"temp": 50.0, "origin": "JFK"}, {"temp": None, "origin": "LGA"}],
               [0.1, 0.7], [0, 1])  # fmt: skip
    log.close()
    frame = read_log(tmp_path / "log.sqlite")
    assert frame[["request_id", "row", "model_version", "probability", "predicted"]].values.tolist(
    ) == [["r1", 0, "v1.0.0", 0.1, 0], ["r1", 1, "v1.0.0", 0.7, 1]]  # fmt: skip
    assert frame["origin"].tolist() == ["JFK", "LGA"] and frame["temp"].isna().tolist() == [
        False, True]  # fmt: skip


def test_a_failed_append_is_rolled_back_and_the_next_one_works(tmp_path):
    log = PredictionLog(tmp_path / "log.sqlite", MODEL)
    log.append("r1", [{"a": 1}], [0.1], [0])
    log.append("r2", [{"a": 1}, {"a": 2}], [0.1, 0.2], [0, 0])
    with pytest.raises(sqlite3.IntegrityError):  # the same request id again: none of it lands
        log.append("r1", [{"a": 3}], [0.3], [0])
    log.append("r3", [{"a": 4}], [0.4], [0])
    log.close()
    assert read_log(tmp_path / "log.sqlite")["request_id"].tolist() == ["r1", "r2", "r2", "r3"]


def test_reading_a_missing_log_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no prediction log"):
        read_log(tmp_path / "none.sqlite")
