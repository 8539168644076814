from __future__ import annotations

import sqlite3
from datetime import date

import pandas as pd
import pytest

from flight_delay.operate.prediction_log import Partition, PredictionLog, partitions, read_log

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


class Clock:
    """The service's UTC day, moved by the test."""

    def __init__(self, day: str) -> None:
        self.day = date.fromisoformat(day)

    def __call__(self) -> date:
        return self.day


def test_a_new_day_or_a_full_file_starts_a_new_partition_and_the_log_reads_as_one(tmp_path):
    stem, clock = tmp_path / "predictions.sqlite", Clock("2026-12-04")
    log = PredictionLog(stem, MODEL, max_bytes=40_000, today=clock)
    log.append("a", [{"x": 1}], [0.1], [0])
    clock.day = date(2026, 12, 5)
    log.append("b", [{"x": 2}], [0.2], [0])
    for i in range(300):  # past 40 kB: the next append goes to part 1
        log.append(f"c{i:03}", [{"x": "y" * 100}], [0.3], [0])
    log.close()
    found = partitions(stem)
    assert [(p.day, p.part) for p in found[:2]] == [("2026-12-04", 0), ("2026-12-05", 0)]
    assert found[-1] == Partition("2026-12-05", len(found) - 2) and len(found) > 2
    assert not stem.exists()  # only partitions
    assert len(read_log(stem)) == 302
    again = PredictionLog(stem, MODEL, max_bytes=40_000, today=clock)  # a restart continues
    assert again.partition == found[-1]
    again.close()


def test_export_writes_closed_partitions_once_and_deletes_only_expired_exported_ones(tmp_path):
    from flight_delay.operate.log_export import export_log

    stem, clock, folder = tmp_path / "predictions.sqlite", Clock("2026-11-20"), tmp_path / "out"
    log = PredictionLog(stem, MODEL, today=clock)
    for day, request in (("2026-11-20", "old"), ("2026-12-01", "recent"), ("2026-12-05", "now")):
        clock.day = date.fromisoformat(day)
        log.append(request, [{"x": 1}, {"x": 2}], [0.1, 0.2], [0, 0])
    before = read_log(stem)
    today = date(2026, 12, 5)

    done = export_log(stem, folder, today, retention_days=7)
    assert done["exported"] == [
        "predictions.2026-11-20.0.parquet",
        "predictions.2026-12-01.0.parquet",
    ]  # not today's, still open
    assert done["deleted"] == ["predictions.2026-11-20.0.sqlite"]  # older than 7 days
    assert [p.day for p in partitions(stem)] == ["2026-12-01", "2026-12-05"]
    pd.testing.assert_frame_equal(read_log(stem, folder), before)  # nothing lost
    log.append("later", [{"x": 3}], [0.3], [0])  # the service goes on writing today's
    log.close()
    assert export_log(stem, folder, today, retention_days=7)["exported"] == []  # once


def test_an_expired_partition_without_its_export_is_kept(tmp_path):
    from flight_delay.operate.log_export import export_log

    stem, clock = tmp_path / "predictions.sqlite", Clock("2026-11-01")
    log = PredictionLog(stem, MODEL, today=clock)
    log.append("a", [{"x": 1}], [0.1], [0])
    clock.day = date(2026, 12, 5)
    log.append("b", [{"x": 1}], [0.1], [0])
    log.close()
    folder = tmp_path / "out"
    export_log(stem, folder, date(2026, 12, 5), retention_days=100)
    (folder / "predictions.2026-11-01.0.parquet").unlink()  # lost, or never pushed
    done = export_log(stem, folder, date(2026, 12, 5), retention_days=0)
    assert done["exported"] == ["predictions.2026-11-01.0.parquet"]  # written again first
    assert done["deleted"] == ["predictions.2026-11-01.0.sqlite"]
    assert len(read_log(stem, folder)) == 2


def test_a_closed_partition_that_gained_a_row_is_exported_again(tmp_path):
    from flight_delay.operate.log_export import export_log

    stem, folder, today = tmp_path / "predictions.sqlite", tmp_path / "out", date(2026, 12, 5)
    for day in ("2026-12-04", "2026-12-05"):
        log = PredictionLog(stem, MODEL, today=Clock(day))
        log.append(f"r{day}", [{"x": 1}], [0.1], [0])
        log.close()
    assert export_log(stem, folder, today, 7)["exported"] == ["predictions.2026-12-04.0.parquet"]
    late = PredictionLog(stem, MODEL, today=Clock("2026-12-04"))  # a worker still on it
    late.append("late", [{"x": 2}], [0.2], [0])
    late.close()
    assert export_log(stem, folder, today, 7)["exported"] == ["predictions.2026-12-04.0.parquet"]
    assert len(pd.read_parquet(folder / "predictions.2026-12-04.0.parquet")) == 2


def test_a_rotation_that_fails_keeps_the_open_partition_and_the_next_append_rotates(
    tmp_path, monkeypatch
):
    from flight_delay.operate.prediction_log import LogUnavailable

    stem, clock = tmp_path / "predictions.sqlite", Clock("2026-12-04")
    log = PredictionLog(stem, MODEL, today=clock)
    log.append("a", [{"x": 1}], [0.1], [0])
    clock.day = date(2026, 12, 5)
    opens = log._open

    def cannot_open() -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(log, "_open", cannot_open)
    with pytest.raises(LogUnavailable):  # the service answers 503, not 500
        log.append("b", [{"x": 2}], [0.2], [0])
    monkeypatch.setattr(log, "_open", opens)
    log.append("c", [{"x": 3}], [0.3], [0])
    log.close()
    assert read_log(stem)["request_id"].tolist() == ["a", "c"]
    assert [p.day for p in partitions(stem)] == ["2026-12-04", "2026-12-05"]
