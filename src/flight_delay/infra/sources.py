"""Reading the raw source tables: where they are, and parsing one file.

A file that cannot be read (missing, empty, corrupt) becomes an empty table that
carries the reason in its metadata, so that `validate` reports it with the rest.

To use your own data, point `data.source` and `data.files` at it; if it is not
CSV or parquet, change `read_table` (the one function that parses a source).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from flight_delay.infra.config import DataConfig

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


def check_file(path: Path) -> None:
    if not path.exists():
        raise IngestError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise IngestError(f"{path}: file is empty (0 bytes)")


def read_table(path: Path, floats: Sequence[str] = ()) -> pd.DataFrame:
    """Parse one source file (CSV, zipped CSV or parquet) with inferred dtypes, but the
    `floats` columns as floats (a float column whose values all look like integers would
    be inferred as integers)."""
    check_file(path)
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            ints = [c for c in floats if c in frame and pd.api.types.is_integer_dtype(frame[c])]
            return frame.astype(dict.fromkeys(ints, "float64")) if ints else frame
        header = pd.read_csv(path, nrows=0).columns
        as_float = {c: "float64" for c in floats if c in header}
        return pd.read_csv(path, low_memory=False, dtype=as_float or None)  # one dtype a column
    except Exception as err:  # any parser failure means a corrupt or truncated file
        raise IngestError(f"{path}: cannot be parsed ({type(err).__name__}: {err})") from None


def _column_types(path: Path, floats: Sequence[str], chunk_rows: int) -> dict[str, Any]:
    """Each CSV column's dtype as a whole-file read infers it, from a pass over chunks:
    the same in every chunk, or numbers in every chunk (some with a fraction or a missing
    value): float64, or text in any chunk: text."""
    seen: dict[str, set[str]] = {}
    for chunk in pd.read_csv(path, chunksize=chunk_rows, low_memory=False,
                             dtype=dict.fromkeys(floats, "float64") or None):  # fmt: skip
        for column, dtype in chunk.dtypes.items():
            seen.setdefault(str(column), set()).add(str(dtype))
    types: dict[str, Any] = {}
    for column, dtypes in seen.items():
        if len(dtypes) == 1:
            types[column] = dtypes.pop()
        elif all(d.startswith(("int", "float")) for d in dtypes):
            types[column] = "float64"
        else:
            types[column] = "object" if "bool" in dtypes else "str"
    return types


def read_table_chunks(
    path: Path, floats: Sequence[str] = (), chunk_rows: int = 250_000
) -> Iterator[pd.DataFrame]:
    """The file of `read_table` in chunks of `chunk_rows` rows, with the dtypes a
    whole-file read gives (a CSV is read twice: first for the types, then the rows), so
    that memory holds one chunk, never the table. IngestError as read_table's."""
    check_file(path)
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
                frame = batch.to_pandas()
                ints = [c for c in floats if c in frame and pd.api.types.is_integer_dtype(frame[c])]
                yield frame.astype(dict.fromkeys(ints, "float64")) if ints else frame
            return
        header = pd.read_csv(path, nrows=0).columns
        types = _column_types(path, [c for c in floats if c in header], chunk_rows)
        yield from pd.read_csv(path, chunksize=chunk_rows, dtype=types, low_memory=False)
    except IngestError:
        raise
    except Exception as err:  # any parser failure means a corrupt or truncated file
        raise IngestError(f"{path}: cannot be parsed ({type(err).__name__}: {err})") from None


def keep_values(frame: pd.DataFrame, keep: Mapping[str, Sequence[object]] | None) -> pd.DataFrame:
    """The rows whose columns hold one of the `keep` values, for each column of `keep`
    the frame has (every row when `keep` is None)."""
    kept = frame
    for column, values in (keep or {}).items():
        if column in kept.columns:
            kept = kept[kept[column].isin(values)]
    return kept if kept is frame else kept.reset_index(drop=True)


def unreadable_table(reason: str) -> pd.DataFrame:
    frame = pd.DataFrame()
    frame.attrs[UNREADABLE] = reason
    return frame


def number_rows(frame: pd.DataFrame, column: str, start: int = 0) -> pd.DataFrame:
    """`frame` with `column` first: each row's position in the source (`start`, ...), the
    name of a row in a table without a key of its own."""
    if column in frame.columns:
        raise IngestError(f"the table already has a column {column!r}; rename it")
    return frame.assign(**{column: range(start, start + len(frame))})[[column, *frame.columns]]


def read_source(
    path: Path,
    keep: Mapping[str, Sequence[object]] | None,
    number: str | None = None,
    floats: Sequence[str] = (),
) -> pd.DataFrame:
    """One table; `number`: the column that numbers its rows, before `keep` filters them;
    `floats`: the columns read as floats."""
    try:
        table = read_table(path, floats)
        return keep_values(number_rows(table, number) if number else table, keep)
    except IngestError as err:
        return unreadable_table(str(err))


def read_source_chunks(
    path: Path,
    keep: Mapping[str, Sequence[object]] | None,
    number: str | None = None,
    floats: Sequence[str] = (),
    chunk_rows: int = 250_000,
) -> Iterator[pd.DataFrame]:
    """read_source in chunks: the same rows, numbers and dtypes, one chunk in memory at a
    time. IngestError (the caller makes the table unreadable) where read_source returns
    an unreadable table."""
    offset = 0
    for chunk in read_table_chunks(path, floats, chunk_rows):
        numbered = number_rows(chunk, number, start=offset) if number else chunk
        offset += len(chunk)
        yield keep_values(numbered, keep).reset_index(drop=True)


def read_sources(
    data: DataConfig,
    root: Path = Path("."),
    numbered: Mapping[str, str] | None = None,
    floats: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of `data.files`, keeping the rows `data.keep` names; `numbered`: table ->
    the column that numbers its rows (a table without a key); `floats`: table -> the
    columns read as floats (the schema's float columns)."""
    folder = resolve_source(data.source, root)
    return {
        table: read_source(
            folder / file_name,
            data.keep,
            (numbered or {}).get(table),
            (floats or {}).get(table, ()),
        )  # fmt: skip
        for table, file_name in sorted(data.files.items())
    }
