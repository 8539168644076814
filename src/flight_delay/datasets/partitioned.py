"""The dataset's work on one partition of a table, as a task a Dask worker runs (the
`dask` engine), and what the stage makes of all of them: the same report, and the same
rows, as the whole table gives in one process.

Each task loads the dataset from the config in its own process and numbers its rows
from the partition's first row in the table, so that rows in messages are the table's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from flight_delay.core.label_overrides import OverrideFormat, known_rows, set_labels
from flight_delay.core.splits import split_rows
from flight_delay.core.validation import (
    duplicated,
    failure_errors,
    key_failure,
    merge_failures,
    merge_warnings,
    plausibility_warnings,
    schema_failures,
    table_entry,
    too_few_rows,
)
from flight_delay.datasets.preparation import labelled_rows, override_format
from flight_delay.infra.config import PipelineConfig
from flight_delay.infra.partitions import (
    PART,
    Partition,
    gather,
    partition_size,
    partitions,
    read_partition,
)

if TYPE_CHECKING:
    from distributed import Client

VERIFIED_DUPLICATES = 100_000  # rows sharing a key hash checked on their values (up to this)


def numbered_partition(
    partition: Partition, first_row: int, columns: list[str] | None = None
) -> pd.DataFrame:
    frame = read_partition(partition, columns)
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    return frame


def validate_partition(
    partition: Partition, first_row: int, table: str, config: PipelineConfig,
    overrides: pd.DataFrame | None,
) -> dict[str, Any]:  # fmt: skip
    """One task: the schema's failures and the plausibility warnings of one partition (its
    key and row count are checked over the whole table), its key's hashes, and which
    overrides name one of its rows (label table)."""
    from flight_delay.datasets import dataset_for

    dataset = dataset_for(config)
    frame = numbered_partition(partition, first_row)
    schema = dataset.schema.pandera_schema(table, min_rows=0)
    schema.unique = None
    found: dict[str, Any] = {
        "rows": len(frame),
        "columns": frame.shape[1],
        "failures": schema_failures(table, frame, schema),
        "warnings": plausibility_warnings(table, frame, dataset.plausibility),
        "hashes": None,
        "overrides": None,
    }
    key = list(dataset.schema.tables[table].unique)
    if key and set(key) <= set(frame.columns):
        found["hashes"] = pd.util.hash_pandas_object(frame[key], index=False).to_numpy()
    form = override_format(dataset)
    if overrides is not None and set(form.key_columns) <= set(frame.columns):
        in_raw, held = known_rows(overrides, frame, form)
        found["overrides"] = (in_raw.to_numpy(), held.to_numpy())
    return found


def rows_of_partition(
    partition: Partition, first_row: int, columns: list[str], rows: np.ndarray
) -> pd.DataFrame:
    """One task: the given rows' columns (rows numbered across the table)."""
    frame = numbered_partition(partition, first_row, columns)
    return frame.loc[frame.index.intersection(rows)]


def shared_keys(
    client: Client, parts: list[Partition], starts: list[int], key: list[str],
    hashes: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """The rows that share their key with another row: those whose key hash repeats,
    confirmed on the key's values (a 64-bit hash collides for about one table in 10^5 of
    20 million rows) unless more than VERIFIED_DUPLICATES rows repeat."""
    candidates = duplicated(hashes)
    if not len(candidates) or len(candidates) > VERIFIED_DUPLICATES:
        return candidates
    futures = []
    for part, start in zip(parts, starts, strict=True):
        mine = candidates[(candidates >= start) & (candidates < start + partition_size(part))]
        if len(mine):
            futures.append(client.submit(rows_of_partition, part, start, key, mine, pure=False))
    keys = pd.concat(gather(client, futures))
    repeated = keys.duplicated(keep=False)
    return np.sort(keys.index[repeated].to_numpy())


def validate_parts(
    client: Client, table: str, path: Path, config: PipelineConfig,
    overrides: pd.DataFrame | None,
) -> tuple[dict[str, Any], tuple[pd.Series, pd.Series] | None]:  # fmt: skip
    """The table's report entry from one task per partition, and which overrides name one
    of its rows ((in the table, in a period it holds), OR-ed over the partitions)."""
    from flight_delay.datasets import dataset_for

    parts = partitions(path)
    sizes = [partition_size(part) for part in parts]
    starts = [int(s) for s in np.cumsum([0, *sizes[:-1]])]
    futures = [
        client.submit(validate_partition, part, start, table, config, overrides, pure=False)
        for part, start in zip(parts, starts, strict=True)
    ]
    found = gather(client, futures)
    spec = dataset_for(config).schema.tables[table]
    rows = sum(f["rows"] for f in found)
    failures = merge_failures([f["failures"] for f in found])
    failures += too_few_rows(table, rows, spec.min_rows)
    if all(f["hashes"] is not None for f in found) and spec.unique:
        hashes = np.concatenate([f["hashes"] for f in found])
        repeated = shared_keys(client, parts, starts, list(spec.unique), hashes)
        failures += key_failure(table, list(spec.unique), repeated, failures)
    warnings = merge_warnings(table, [f["warnings"] for f in found])
    entry = table_entry(rows, found[0]["columns"], failure_errors(table, failures), warnings)
    matched = None
    if overrides is not None and all(f["overrides"] is not None for f in found):
        in_raw = np.logical_or.reduce([f["overrides"][0] for f in found])
        held = np.logical_or.reduce([f["overrides"][1] for f in found])
        matched = (pd.Series(in_raw, index=overrides.index), pd.Series(held, index=overrides.index))
    return entry, matched


def override_matches(
    partition: Partition, overrides: pd.DataFrame, form: OverrideFormat
) -> tuple[np.ndarray, np.ndarray]:
    """One task: which overrides name a row of the partition, and a period it holds."""
    in_raw, held = known_rows(overrides, read_partition(partition, form.key_columns), form)
    return in_raw.to_numpy(), held.to_numpy()


def prepare_partition(
    partition: Partition, index: int, config: PipelineConfig, joined: dict[str, Path],
    targets: dict[str, Path], overrides: pd.DataFrame,
) -> dict[str, Any]:  # fmt: skip
    """One task: the partition's rows labelled (the rule, then the overrides), joined with
    the other tables (read whole: lookups), split, each split's rows sorted by the key and
    written as part `index` of its folder in `targets` (none when it has no rows). The
    label rule, join and split are row by row, so the parts hold the whole table's rows."""
    from flight_delay.datasets import dataset_for

    dataset = dataset_for(config)
    tables = {dataset.label_table: read_partition(partition)}
    tables |= {table: pd.read_parquet(path) for table, path in joined.items()}
    labelled = labelled_rows(tables, dataset)
    labelled, applied, changed, used = set_labels(labelled, overrides, override_format(dataset))
    splits = split_rows(labelled, config.split, list(dataset.key), dataset.label, config.seed)
    rows = {}
    for name, frame in splits.items():
        if len(frame):
            frame.to_parquet(targets[name] / PART.format(index), index=False, compression="zstd")
        rows[name] = len(frame)
    return {"rows": rows, "applied": applied, "changed": changed, "used": used.to_numpy()}
