"""Partitioned parquet without a cluster: row groups are partitions, a folder of parts
reads and counts as one table, parts get one schema, and a table is replaced whole or
not at all."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from flight_delay.infra import io
from flight_delay.infra import partitions as parts


def test_row_groups_are_partitions_and_a_folder_is_one_table(tmp_path):
    frame = pd.DataFrame({"x": range(25)})
    frame.to_parquet(tmp_path / "t.parquet", index=False, row_group_size=10)
    found = parts.partitions(tmp_path / "t.parquet")
    assert [p.row_group for p in found] == [0, 1, 2] and found[0].path.is_absolute()
    pieces = [parts.read_partition(p) for p in found]
    assert [len(p) for p in pieces] == [10, 10, 5]
    folder = tmp_path / "f.parquet"
    folder.mkdir()
    for i, piece in enumerate(pieces):
        piece.to_parquet(folder / parts.PART.format(i), index=False)
    pd.testing.assert_frame_equal(pd.read_parquet(folder), frame)
    assert parts.table_rows(folder) == parts.table_rows(tmp_path / "t.parquet") == 25
    with pytest.raises(FileNotFoundError, match="no parquet file"):
        parts.partitions(tmp_path / "none.parquet")


def test_a_part_whose_column_is_all_null_gets_the_others_type(tmp_path):
    folder = tmp_path / "f.parquet"
    folder.mkdir()
    pd.DataFrame({"c": [None, None]}, dtype=object).to_parquet(folder / parts.PART.format(0))
    pd.DataFrame({"c": ["a", "b"]}).to_parquet(folder / parts.PART.format(1))
    with pytest.raises(Exception):  # noqa: B017 (pyarrow's own error type)
        pd.read_parquet(folder)
    parts.one_schema(folder)
    column = pd.read_parquet(folder)["c"]
    assert column.isna().tolist() == [True, True, False, False] and list(column[2:]) == ["a", "b"]


def test_a_table_is_replaced_whole_or_put_back(tmp_path, monkeypatch):
    target = tmp_path / "t.parquet"
    pd.DataFrame({"x": [1]}).to_parquet(target)  # a file, replaced by a folder
    staged = tmp_path / ".staged"
    staged.mkdir()
    pd.DataFrame({"x": [2]}).to_parquet(staged / parts.PART.format(0))
    parts.replace_table(staged, target)
    assert target.is_dir() and pd.read_parquet(target)["x"].tolist() == [2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet"]

    again = tmp_path / ".again"
    again.mkdir()
    real_replace = os.replace

    def failing(source, destination):
        if source == again:
            raise OSError("planted: the move fails")
        return real_replace(source, destination)

    monkeypatch.setattr(io.os, "replace", failing)
    with pytest.raises(OSError, match="planted"):
        parts.replace_table(again, target)
    assert pd.read_parquet(target)["x"].tolist() == [2]  # the old table is back


def test_a_file_written_where_a_folder_of_parts_was_takes_its_place(tmp_path):
    target = tmp_path / "t.parquet"  # the dask engine's parts; the local engine writes a file
    target.mkdir()
    pd.DataFrame({"x": [1]}).to_parquet(target / parts.PART.format(0))
    io.write_parquet(pd.DataFrame({"x": [5, 6]}), target)
    assert target.is_file() and pd.read_parquet(target)["x"].tolist() == [5, 6]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet"]
