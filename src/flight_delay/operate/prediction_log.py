"""The prediction log: every served row, its prediction and the model that made it.

SQLite, not parquet: the service appends a few rows per request, and one SQLite
transaction per request is atomic and survives a crash (WAL mode lets readers, such
as `make monitor`, work while it serves). Parquet would mean one tiny file per request,
or a buffer that a crash loses. The labelled feedback dataset built from this log
(`make feedback`) is parquet, for DVC to version.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS predictions (
    request_id    TEXT    NOT NULL,
    row           INTEGER NOT NULL,
    served_at     TEXT    NOT NULL,  -- UTC, ISO 8601
    artifact      TEXT    NOT NULL,
    model_version TEXT    NOT NULL,
    stage         TEXT    NOT NULL,
    model_md5     TEXT    NOT NULL,
    features      TEXT    NOT NULL,  -- JSON object: the validated row as received
    probability   REAL    NOT NULL,
    predicted     INTEGER NOT NULL,
    PRIMARY KEY (request_id, row)
)
"""
COLUMNS = ["request_id", "row", "served_at", "artifact", "model_version", "stage",
           "model_md5", "features", "probability", "predicted"]  # fmt: skip


class LogUnavailable(RuntimeError):
    """The log cannot take rows now (another process holds its lock, or the disk is full):
    nothing was written."""


class PredictionLog:
    """Appends from any thread of the service (one connection, one lock). An append waits
    at most `wait` seconds for the log, then raises LogUnavailable, having written nothing."""

    def __init__(self, path: Path, model: dict[str, str], wait: float = 2.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.wait = path, wait
        self._model = [model.get(k, "") for k in ("artifact", "version", "stage", "model_md5")]
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                   timeout=wait)  # fmt: skip
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(SCHEMA)

    def append(
        self, request_id: str, rows: list[dict[str, Any]], probabilities: list[float],
        predicted: list[int],
    ) -> None:  # fmt: skip
        served_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        records = [
            (request_id, i, served_at, *self._model, json.dumps(row, sort_keys=True), p, y)
            for i, (row, p, y) in enumerate(zip(rows, probabilities, predicted, strict=True))
        ]
        if not self._lock.acquire(timeout=self.wait):  # another thread waits on the log
            raise LogUnavailable(f"{self.path}: busy for more than {self.wait:g} s")
        try:
            self._write(records)
        finally:
            self._lock.release()

    def _write(self, records: list[tuple]) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")  # the write lock, or OperationalError
        except sqlite3.OperationalError as err:
            raise LogUnavailable(f"{self.path}: {err}") from None
        try:
            self._db.executemany(f"INSERT INTO predictions VALUES ({','.join('?' * 10)})", records)
            self._db.execute("COMMIT")
        except BaseException as err:
            self._db.execute("ROLLBACK")  # or every later append fails too
            if isinstance(err, sqlite3.OperationalError):  # disk full, I/O error
                raise LogUnavailable(f"{self.path}: {err}") from None
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()


def read_log(path: Path) -> pd.DataFrame:
    """The log as a frame: one row per served row, its features as columns, in the
    order served (request, then row)."""
    import pandas as pd

    if not path.is_file():
        raise FileNotFoundError(f"{path}: no prediction log (serve some requests first)")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        rows = db.execute(
            f"SELECT {', '.join(COLUMNS)} FROM predictions ORDER BY served_at, request_id, row"
        ).fetchall()
    log = pd.DataFrame.from_records(rows, columns=COLUMNS)
    features = pd.DataFrame.from_records([json.loads(text) for text in log.pop("features")])
    return pd.concat([log, features], axis=1)
