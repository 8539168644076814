"""`make log-export`: the prediction log's closed partitions to parquet, and the disk kept
bounded.

A partition is closed once the service writes a later one (a new UTC day, or a new
part when `serve.log_max_mb` was reached) or its day is over. Each closed partition is
written to `serve.log_export/<partition>.parquet` (atomically, the rows as stored, and
again only if it gained rows since: another worker's last append), for `dvc add` like
the rest of the data; `read_log` reads exported and live partitions alike. Then every
SQLite partition older than `serve.log_retention_days` whose export holds all its rows
is deleted; one without an export is never deleted.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

from flight_delay.operate.prediction_log import (
    Partition,
    exported_path,
    partition_rows,
    partitions,
    read_partition,
)


def closed(found: list[Partition], today: date) -> list[Partition]:
    """The partitions the service no longer writes: all but today's newest."""
    newest_today = max((p for p in found if p.day == today.isoformat()), default=None)
    return [p for p in found if p != newest_today and p.day <= today.isoformat()]


def expired(found: list[Partition], today: date, retention_days: int) -> list[Partition]:
    """Closed partitions whose day is more than `retention_days` before today."""
    oldest_kept = (today - timedelta(days=retention_days)).isoformat()
    return [p for p in closed(found, today) if p.day < oldest_kept]


def exported_rows(target: Path) -> int | None:
    """The rows of an export (from the parquet footer), None when there is none."""
    import pyarrow.parquet as pq

    return pq.read_metadata(target).num_rows if target.exists() else None


def export_log(stem: Path, folder: Path, today: date, retention_days: int) -> dict[str, list]:
    """Export the closed partitions not yet exported (or grown since); delete the expired
    ones whose export holds all their rows. Rows are counted, not read, to decide."""
    from flight_delay.infra.io import write_parquet

    found = partitions(stem)
    done: dict[str, list] = {"exported": [], "deleted": [], "kept": []}
    for partition in closed(found, today):
        source, target = partition.sqlite(stem), exported_path(stem, partition, folder)
        # again if a row landed after the export (another worker's last append to it)
        if exported_rows(target) != partition_rows(source):
            write_parquet(read_partition(source), target)
            done["exported"].append(target.name)
    for partition in expired(found, today, retention_days):
        source, target = partition.sqlite(stem), exported_path(stem, partition, folder)
        if exported_rows(target) == partition_rows(source):
            for path in (source, *(source.with_name(source.name + s) for s in ("-wal", "-shm"))):
                path.unlink(missing_ok=True)
            done["deleted"].append(source.name)
        else:
            done["kept"].append(source.name)
    return done


def main(argv: list[str] | None = None) -> None:
    from datetime import UTC, datetime

    from flight_delay.infra.config import load_config
    from flight_delay.infra.progress import say

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", help="the log's stem (default: serve.prediction_log)")
    parser.add_argument("--out", help="the parquet folder (default: serve.log_export)")
    args = parser.parse_args(argv)
    serve = load_config().serve
    stem = Path(args.log or serve.prediction_log)
    folder = Path(args.out or serve.log_export)
    done = export_log(stem, folder, datetime.now(UTC).date(), serve.log_retention_days)
    say("log-export", f"exported {len(done['exported'])} closed partition(s) to {folder}, "
        f"deleted {len(done['deleted'])} older than {serve.log_retention_days} day(s)"
        + (f", kept {done['kept']} (their export is missing or short)" if done["kept"] else "")
        + f"; version them with `dvc add {folder}`")  # fmt: skip


if __name__ == "__main__":
    main()
