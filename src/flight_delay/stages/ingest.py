"""Stage `ingest`: copy the source tables, as they are, to parquet under data/raw/.

A table whose schema has no key (`key: row_number`) gets a first column, `row_number`,
its rows' positions in the source file, which names them from then on; the schema's
float columns are read as floats (values like 1001 would otherwise make an int column). A file that
cannot be read (missing, empty, corrupt) becomes an empty table that carries the reason
in its metadata, so that `validate` reports it with the rest (infra/sources.py reads
them). On the `dask` engine each table is streamed into a folder of parts of
`engine.partition_rows` rows (the same rows and dtypes; memory holds one part).
"""

from __future__ import annotations

import sys

from flight_delay.core.schema import DatasetSchema
from flight_delay.datasets import load_dataset
from flight_delay.datasets.preparation import read_source_tables, source_table_chunks
from flight_delay.infra.config import ConfigError, DataConfig, load_config
from flight_delay.infra.io import write_parquet
from flight_delay.infra.partitions import table_files, write_parts
from flight_delay.infra.paths import RAW_DIR
from flight_delay.infra.progress import run_stage, say, step
from flight_delay.infra.sources import UNREADABLE, IngestError, unreadable_table


def main() -> None:
    config = load_config()
    try:
        schema = load_dataset(config.data).schema
    except ConfigError as err:
        sys.exit(f"ingest: {err}")
    if config.engine.kind == "dask":
        stream_tables(config.data, schema, config.engine.partition_rows)
        return
    try:
        with step("ingest", f"reading {config.data.source}"):
            tables = read_source_tables(config.data, schema)
    except IngestError as err:
        sys.exit(f"ingest: {err}")
    for table, frame in tables.items():
        write_parquet(frame, RAW_DIR / f"{table}.parquet")
        if UNREADABLE in frame.attrs:
            unreadable(table, frame.attrs[UNREADABLE])
        else:
            say("ingest", f"{table}: {len(frame):,} rows x {frame.shape[1]} columns")


def unreadable(table: str, reason: str) -> None:
    say("ingest", f"{table}: unreadable, left for validate to report: {reason}")


def stream_tables(data: DataConfig, schema: DatasetSchema, chunk_rows: int) -> None:
    """The `dask` engine's ingest: each table streamed into a folder of parts of
    `chunk_rows` rows, the same rows and dtypes, one chunk in memory at a time (reading
    a file is sequential: no cluster needed)."""
    try:
        readers = source_table_chunks(data, schema, chunk_rows)
    except IngestError as err:
        sys.exit(f"ingest: {err}")
    for table, chunks in readers.items():
        target = RAW_DIR / f"{table}.parquet"
        try:
            with step("ingest", f"{table}: streaming in parts of {chunk_rows:,} rows"):
                rows = write_parts(chunks(), target)
        except IngestError as err:  # as read_source: an empty table carrying the reason
            write_parquet(unreadable_table(str(err)), target)
            unreadable(table, str(err))
            continue
        say("ingest", f"{table}: {rows:,} rows in {len(table_files(target))} part(s)")


if __name__ == "__main__":
    run_stage("ingest", main)
