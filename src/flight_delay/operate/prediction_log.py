"""The prediction log: every served row, its prediction and the model that made it.

SQLite, not parquet: the service appends a few rows per request, and one SQLite
transaction per request is atomic and survives a crash (WAL mode lets readers, such
as `make monitor`, work while it serves). Parquet would mean one tiny file per request,
or a buffer that a crash loses. The labelled feedback dataset built from this log
(`make feedback`) is parquet, for DVC to version.

The log is partitioned so that it never grows without bound: `serve.prediction_log`
(`data/predictions/predictions.sqlite`) names the partitions' stem, and the service
writes `predictions.<UTC day>.<part>.sqlite`, starting the next part when the day
changes or the file reaches `serve.log_max_mb`. `make log-export` (log_export.py) writes
each closed partition to parquet (`serve.log_export`, for `dvc add`) and deletes the
SQLite partitions older than `serve.log_retention_days` once exported. `read_log` reads
them all, exported or not, as one log.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
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


@dataclass(frozen=True, order=True)
class Partition:
    """One file of the log: the UTC day its rows were served and its part of that day."""

    day: str  # YYYY-MM-DD
    part: int

    def name(self, stem: Path) -> str:
        return f"{stem.stem}.{self.day}.{self.part}"

    def sqlite(self, stem: Path) -> Path:
        return stem.with_name(self.name(stem) + stem.suffix)


def partitions(stem: Path) -> list[Partition]:
    """The log's SQLite partitions on disk, oldest first."""
    pattern = re.compile(rf"{re.escape(stem.stem)}\.(\d{{4}}-\d{{2}}-\d{{2}})\.(\d+)"
                         rf"{re.escape(stem.suffix)}")  # fmt: skip
    found = []
    if stem.parent.is_dir():
        for path in stem.parent.iterdir():
            match = pattern.fullmatch(path.name)
            if match:
                found.append(Partition(match.group(1), int(match.group(2))))
    return sorted(found)


def _utc_today() -> date:
    return datetime.now(UTC).date()


class PredictionLog:
    """Appends from any thread of the service (one connection, one lock) to the current
    partition. An append waits at most `wait` seconds for the log, then raises
    LogUnavailable, having written nothing. A new partition starts when the UTC day
    changes or the current one holds `max_bytes` (None: no size limit)."""

    def __init__(self, stem: Path, model: dict[str, str], wait: float = 2.0,
                 max_bytes: int | None = None,
                 today: Callable[[], date] = _utc_today) -> None:  # fmt: skip
        stem.parent.mkdir(parents=True, exist_ok=True)
        self.stem, self.wait, self.max_bytes, self._today = stem, wait, max_bytes, today
        self._model = [model.get(k, "") for k in ("artifact", "version", "stage", "model_md5")]
        self._lock = threading.Lock()
        existing = [p for p in partitions(stem) if p.day == today().isoformat()]
        self.partition = existing[-1] if existing else Partition(today().isoformat(), 0)
        self._db = self._open()

    @property
    def path(self) -> Path:
        """The partition being written."""
        return self.partition.sqlite(self.stem)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                             timeout=self.wait)  # fmt: skip
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(SCHEMA)
        return db

    def _size(self) -> int:
        wal = self.path.with_name(self.path.name + "-wal")
        return sum(p.stat().st_size for p in (self.path, wal) if p.exists())

    def _rotate(self) -> None:
        """Close the partition and open the next, when the day changed or it is full."""
        day = self._today().isoformat()
        if day != self.partition.day:
            following = Partition(day, 0)
        elif self.max_bytes is not None and self._size() >= self.max_bytes:
            following = Partition(day, self.partition.part + 1)
        else:
            return
        current, self.partition = self.partition, following
        try:
            opened = self._open()  # the new one first: a failure leaves the old one in use
        except BaseException:
            self.partition = current
            raise
        self._db.close()  # checkpoints the WAL into the file
        self._db = opened

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
            try:
                self._rotate()
            except sqlite3.OperationalError as err:
                raise LogUnavailable(f"{self.path}: {err}") from None
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
            if self._db.in_transaction:  # SQLite may have rolled back itself (disk full)
                with suppress(sqlite3.OperationalError):
                    self._db.execute("ROLLBACK")  # or every later append fails too
            if isinstance(err, sqlite3.OperationalError):  # disk full, I/O error
                raise LogUnavailable(f"{self.path}: {err}") from None
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()


def read_partition(path: Path) -> pd.DataFrame:
    """One SQLite file of the log, its rows as stored (features as JSON text)."""
    import pandas as pd

    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM predictions").fetchall()
    return pd.DataFrame.from_records(rows, columns=COLUMNS)


def partition_rows(path: Path) -> int:
    """How many rows one SQLite file of the log holds (without reading them)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute("SELECT count(*) FROM predictions").fetchone()[0]


def exported_path(stem: Path, partition: Partition, folder: Path) -> Path:
    return folder / f"{partition.name(stem)}.parquet"


def read_log(stem: Path, exported: Path | None = None) -> pd.DataFrame:
    """The whole log as a frame: one row per served row, its features as columns, in the
    order served (request, then row). `stem` is serve.prediction_log: its partitions
    (an exported one read from its parquet in `exported`, serve.log_export, when its
    SQLite file is gone), or a single SQLite file of an older log at that path."""
    import pandas as pd

    folder = exported
    sources: dict[str, Path] = {}
    if folder is not None and folder.is_dir():
        pattern = re.compile(rf"{re.escape(stem.stem)}\.\d{{4}}-\d{{2}}-\d{{2}}\.\d+")
        sources |= {p.stem: p for p in folder.glob("*.parquet") if pattern.fullmatch(p.stem)}
    sources |= {p.name(stem): p.sqlite(stem) for p in partitions(stem)}  # the live file wins
    if stem.is_file():
        sources[stem.name] = stem
    if not sources:
        raise FileNotFoundError(f"{stem}: no prediction log (serve some requests first)")
    frames = [pd.read_parquet(p) if p.suffix == ".parquet" else read_partition(p)
              for _, p in sorted(sources.items())]  # fmt: skip
    log = pd.concat(frames, ignore_index=True).sort_values(["served_at", "request_id", "row"])
    log = log.reset_index(drop=True)
    features = pd.DataFrame.from_records([json.loads(text) for text in log.pop("features")])
    return pd.concat([log, features], axis=1)
