"""Partitioned parquet, as the `dask` engine's stages read and write it.

A table is a parquet file or a folder of parts (`part-00000.parquet`, ... in order): both
read back with `pd.read_parquet(path)`. A partition is one row group of one file, so a
task holds one partition in memory, never the table. `map_partitions` runs a function
on every partition as tasks on a Dask cluster and writes one part per partition into a
temporary folder beside the target; only when every task has succeeded does the folder
take the target's place, so a failed or killed stage never leaves a partial table at the
final path (the target as it was stays until then).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from distributed import Client

PART = "part-{:05d}.parquet"


@dataclass(frozen=True)
class Partition:
    """Row group `row_group` of the parquet file `path`."""

    path: Path
    row_group: int


def partitions(table: Path) -> list[Partition]:
    """Every row group of the table's files, in row order."""
    import pyarrow.parquet as pq

    files = sorted(table.glob("*.parquet")) if table.is_dir() else [table]
    if not files:
        raise FileNotFoundError(f"{table}: no parquet file")
    return [Partition(path, group) for path in files
            for group in range(pq.ParquetFile(path).num_row_groups)]  # fmt: skip


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


def replace_folder(staged: Path, target: Path) -> None:
    """`staged` takes `target`'s place (a file or a folder); the old one goes after."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(staged, target)
    if old.is_dir():
        shutil.rmtree(old)
    elif old.exists():
        old.unlink()


def map_partitions(
    client: Client, function: Callable[..., pd.DataFrame], source: Path, target: Path,
    *args: Any,
) -> int:  # fmt: skip
    """`function(partition_frame, *args)` on every partition of `source`, as tasks, into
    the folder `target` (one part per partition, in order); the rows written."""
    parts = partitions(source)
    staged = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    if staged.exists():
        shutil.rmtree(staged)
    staged.mkdir(parents=True)
    try:
        futures = [client.submit(_apply, function, part, staged / PART.format(i), args,
                                 key=f"{target.name}-{i}", pure=False)
                   for i, part in enumerate(parts)]  # fmt: skip
        rows = sum(client.gather(futures))
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    replace_folder(staged, target)
    return int(rows)
