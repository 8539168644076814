"""Stage `ingest`: copy the source tables, as they are, to parquet under data/raw/.

A file that cannot be read (missing, empty, corrupt) becomes an empty table that
carries the reason in its metadata, so that `validate` reports it with the rest.

To use your own data, point `data.source` and `data.files` at it; if it is not
CSV or parquet, change `read_table` (the one function that parses a source).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd

from flight_delay.config import DataConfig, load_config
from flight_delay.io import write_parquet
from flight_delay.log import run_stage, say, step
from flight_delay.paths import RAW_DIR

UNREADABLE = "ingest_error"  # key in DataFrame.attrs (kept in the parquet metadata)


class IngestError(RuntimeError):
    """A source table is missing or cannot be parsed."""


def resolve_source(source: str, root: Path = Path(".")) -> Path:
    """`package:NAME` is the data folder inside an installed package (not imported)."""
    if source.startswith("package:"):
        name = source.removeprefix("package:")
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise IngestError(f"data.source: package {name!r} is not installed")
        return Path(spec.submodule_search_locations[0]) / "data"
    return (root / source).resolve()


def read_table(path: Path) -> pd.DataFrame:
    """Parse one source file (CSV, zipped CSV or parquet) with inferred dtypes."""
    if not path.exists():
        raise IngestError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise IngestError(f"{path}: file is empty (0 bytes)")
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, low_memory=False)  # one dtype per column, not per chunk
    except Exception as err:  # any parser failure means a corrupt or truncated file
        raise IngestError(f"{path}: cannot be parsed ({type(err).__name__}: {err})") from None


def keep_months(frame: pd.DataFrame, months: list[int] | None) -> pd.DataFrame:
    if months is None or "month" not in frame.columns:
        return frame
    return frame[frame["month"].isin(months)].reset_index(drop=True)


def unreadable_table(reason: str) -> pd.DataFrame:
    frame = pd.DataFrame()
    frame.attrs[UNREADABLE] = reason
    return frame


def read_source(path: Path, months: list[int] | None) -> pd.DataFrame:
    try:
        return keep_months(read_table(path), months)
    except IngestError as err:
        return unreadable_table(str(err))


def read_sources(data: DataConfig, root: Path = Path(".")) -> dict[str, pd.DataFrame]:
    folder = resolve_source(data.source, root)
    return {
        table: read_source(folder / file_name, data.months)
        for table, file_name in sorted(data.files.items())
    }


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
