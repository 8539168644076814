"""Stage `ingest`: copy the source tables, as they are, to parquet under data/raw/.

A table whose schema has no key (`key: row_number`) gets a first column, `row_number`,
its rows' positions in the source file, which names them from then on; the schema's
float columns are read as floats (values like 1001 would otherwise make an int column). A file that
cannot be read (missing, empty, corrupt) becomes an empty table that carries the reason
in its metadata, so that `validate` reports it with the rest (infra/sources.py reads
them).
"""

from __future__ import annotations

import sys

from flight_delay.datasets import load_dataset
from flight_delay.datasets.preparation import read_source_tables
from flight_delay.infra.config import ConfigError, load_config
from flight_delay.infra.io import write_parquet
from flight_delay.infra.paths import RAW_DIR
from flight_delay.infra.progress import run_stage, say, step
from flight_delay.infra.sources import UNREADABLE, IngestError


def main() -> None:
    config = load_config()
    try:
        schema = load_dataset(config.data).schema
    except ConfigError as err:
        sys.exit(f"ingest: {err}")
    try:
        with step("ingest", f"reading {config.data.source}"):
            tables = read_source_tables(config.data, schema)
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
