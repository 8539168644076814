"""Stage `ingest`: copy the source tables, as they are, to parquet under data/raw/.

A file that cannot be read (missing, empty, corrupt) becomes an empty table that
carries the reason in its metadata, so that `validate` reports it with the rest
(infra/sources.py reads them).
"""

from __future__ import annotations

import sys

from flight_delay.infra.config import load_config
from flight_delay.infra.io import write_parquet
from flight_delay.infra.paths import RAW_DIR
from flight_delay.infra.progress import run_stage, say, step
from flight_delay.infra.sources import UNREADABLE, IngestError, read_sources


def main() -> None:
    config = load_config()
    try:
        with step("ingest", f"reading {config.data.source}"):
            tables = read_sources(config.data)
    except IngestError as err:
        sys.exit(f"ingest: {err}")
    for table, frame in tables.items():
        write_parquet(frame, RAW_DIR / f"{table}.parquet")
        if UNREADABLE in frame.attrs:
            say(
                "ingest",
                f"{table}: unreadable, left for validate to report: {frame.attrs[UNREADABLE]}",
            )
        else:
            say("ingest", f"{table}: {len(frame):,} rows x {frame.shape[1]} columns")


if __name__ == "__main__":
    run_stage("ingest", main)
