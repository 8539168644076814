"""Partitioned parquet, as the `dask` engine's stages read and write it.

A table is a parquet file or a folder of parts (`part-00000.parquet`, ... in order): both
read back with `pd.read_parquet(path)`, and `table_rows` counts either from the footers.
A partition is one row group of one file, so a task holds one partition in memory, never
the table. `map_partitions` runs a function on every partition as tasks on a Dask cluster
and writes one part per partition into a hidden folder beside the target; only when every
task has succeeded do the parts get one schema and the folder take the target's place
(the old table is put back if that fails), so a failed or killed stage never leaves a
partial table at the final path. Paths are made absolute: a worker resolves them as the
stage does, wherever its own working directory is.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flight_delay.infra.io import replace_table

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from distributed import Client

PART = "part-{:05d}.parquet"


@dataclass(frozen=True)
class Partition:
    """Row group `row_group` of the parquet file `path`."""

    path: Path
    row_group: int


def table_files(table: Path) -> list[Path]:
    files = sorted(table.glob("*.parquet")) if table.is_dir() else [table]
    if not files or not files[0].is_file():
        raise FileNotFoundError(f"{table}: no parquet file")
    return files


def partitions(table: Path) -> list[Partition]:
    """Every row group of the table's files, in row order."""
    import pyarrow.parquet as pq

    return [Partition(path.resolve(), group) for path in table_files(table)
            for group in range(pq.ParquetFile(path).num_row_groups)]  # fmt: skip


def table_rows(table: Path) -> int:
    """The rows of a parquet file or folder of parts, from the footers."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(path).metadata.num_rows for path in table_files(table))


def partition_size(partition: Partition) -> int:
    """The partition's rows, from the file's footer."""
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(partition.path).metadata
    return int(metadata.row_group(partition.row_group).num_rows)


def read_partition(partition: Partition, columns: list[str] | None = None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    table = pq.ParquetFile(partition.path).read_row_group(partition.row_group, columns=columns)
    return table.to_pandas()


def _apply(
    function: Callable[..., pd.DataFrame], partition: Partition, target: Path, args: tuple
) -> int:
    """One task: the function on one partition, written as one part; its row count."""
    frame = function(read_partition(partition), *args)
    frame.to_parquet(target, index=False, compression="zstd")
    return len(frame)


def one_schema(folder: Path) -> None:
    """Rewrite the parts whose schema differs from the others' (a column all null in one
    part is typed null there): every part then reads back into one table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = sorted(folder.glob("*.parquet"))
    schemas = [pq.read_schema(part) for part in parts]
    if all(schema.equals(schemas[0]) for schema in schemas):
        return
    unified: pa.Schema = pa.unify_schemas(schemas, promote_options="permissive")
    for part, schema in zip(parts, schemas, strict=True):
        if not schema.equals(unified):
            table = pq.read_table(part).cast(unified)
            pq.write_table(table, part, compression="zstd")


@contextmanager
def staged_table(target: Path, on_failure: Callable[[], object] = lambda: None) -> Iterator[Path]:
    """A hidden folder beside `target` to write its parts into; when the block ends, the
    parts get one schema and the folder takes `target`'s place. If the block (or that)
    fails, `on_failure` runs first (cancel what still writes), then the folder goes."""
    staged = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex}")
    staged.mkdir(parents=True)
    try:
        yield staged
        if not any(staged.iterdir()):
            raise ValueError(f"{target}: no rows to write, not even a header")
        one_schema(staged)
    except BaseException:
        on_failure()
        remove_staged(staged)
        raise
    replace_table(staged, target)


def write_parts(chunks: Iterable[pd.DataFrame], target: Path) -> int:
    """Each chunk as one part of the folder `target`, written here (a stream, one chunk in
    memory), swapped in whole as map_partitions' parts are; the rows written."""
    rows = 0
    with staged_table(target.resolve()) as staged:
        for i, chunk in enumerate(chunks):
            chunk.to_parquet(staged / PART.format(i), index=False, compression="zstd")
            rows += len(chunk)
    return rows


def remove_staged(staged: Path, attempts: int = 5) -> None:
    """Remove a staged folder, again if a task that was still running wrote into it."""
    import time

    for _ in range(attempts):
        shutil.rmtree(staged, ignore_errors=True)
        if not staged.exists():
            return
        time.sleep(0.2)


def gather(client: Client, futures: list[Any]) -> list[Any]:
    """The futures' results, in order (distributed's own `gather` is untyped)."""
    return list(client.gather(futures))


def wait_for(futures: list[Any], seconds: float) -> None:
    """Until the futures are done or `seconds` have passed (typed: distributed's is not)."""
    import contextlib

    from distributed import wait

    with contextlib.suppress(TimeoutError):
        wait(futures, timeout=seconds)


def cancel(client: Client, futures: list[Any]) -> None:
    client.cancel(futures)


def map_partitions(
    client: Client, function: Callable[..., pd.DataFrame], source: Path, target: Path,
    *args: Any,
) -> int:  # fmt: skip
    """`function(partition_frame, *args)` on every partition of `source`, as tasks, into
    the folder `target` (one part per partition, in order); the rows written."""
    parts = partitions(source)
    futures: list[Any] = []
    with staged_table(target.resolve(), on_failure=lambda: client.cancel(futures)) as staged:
        futures += [client.submit(_apply, function, part, staged / PART.format(i), args,
                                  pure=False)
                    for i, part in enumerate(parts)]  # fmt: skip
        rows = sum(client.gather(futures))
    return int(rows)
