from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from flight_delay.infra.io import (
    file_md5,
    path_md5,
    write_json,
    write_parquet,
    write_text,
    write_with,
)


class WriterFailed(RuntimeError):
    pass


def test_failed_write_leaves_the_old_file_intact(tmp_path):
    target = tmp_path / "metrics.json"
    target.write_text("old")

    def half_write(tmp):
        tmp.write_text("new and incompl")
        raise WriterFailed

    with pytest.raises(WriterFailed):
        write_with(target, half_write)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]  # no temp file left


def test_failed_first_write_creates_no_file(tmp_path):
    with pytest.raises(ValueError):  # NaN is not JSON
        write_json({"roc_auc": float("nan")}, tmp_path / "metrics.json")
    assert list(tmp_path.iterdir()) == []


def test_write_replaces_the_file_and_creates_folders(tmp_path):
    target = tmp_path / "reports" / "deep" / "note.txt"
    write_text("first\n", target)
    write_text("second\n", target)
    assert target.read_text() == "second\n"
    assert [p.name for p in target.parent.iterdir()] == ["note.txt"]


def test_written_files_are_readable_by_everyone(tmp_path):
    write_text("x", tmp_path / "out.txt")
    assert stat.S_IMODE(os.stat(tmp_path / "out.txt").st_mode) == 0o644


def test_write_json_is_deterministic(tmp_path):
    write_json({"b": 1, "a": {"d": 2, "c": [1, 2]}}, tmp_path / "a.json")
    write_json({"a": {"c": [1, 2], "d": 2}, "b": 1}, tmp_path / "b.json")
    text = (tmp_path / "a.json").read_text()
    assert text == (tmp_path / "b.json").read_text()
    assert text.endswith("}\n")
    assert json.loads(text) == {"a": {"c": [1, 2], "d": 2}, "b": 1}
    assert text.index('"a"') < text.index('"b"')


def test_write_parquet_round_trips_without_the_index(tmp_path, orders):
    write_parquet(orders.iloc[2:], tmp_path / "orders.parquet")
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "orders.parquet"), orders.iloc[2:].reset_index(drop=True)
    )


def test_file_md5_is_the_md5_of_the_bytes(tmp_path):
    data = bytes(range(256)) * 5000  # more than one 1 MiB read block
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert file_md5(path) == hashlib.md5(data).hexdigest()


def test_file_md5_of_an_empty_file(tmp_path):
    (tmp_path / "empty").touch()
    assert file_md5(tmp_path / "empty") == "d41d8cd98f00b204e9800998ecf8427e"


def test_path_md5_of_a_folder_is_what_dvc_records_leaving_out_what_dvcignore_ignores(tmp_path):
    code = tmp_path / "code"
    (code / "home" / "__pycache__").mkdir(parents=True)
    (code / "spec.py").write_text("A = 1\n")
    (code / "home" / "hook.py").write_text("B = 2\n")
    (code / "home" / "__pycache__" / "hook.cpython-311.pyc").write_bytes(b"\x00compiled")
    (tmp_path / ".dvcignore").write_text("__pycache__/\n*.pyc\n")
    dvc = [sys.executable, "-m", "dvc"]
    subprocess.run([*dvc, "init", "--no-scm", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*dvc, "add", "-q", "code"], cwd=tmp_path, check=True)
    recorded = yaml.safe_load((tmp_path / "code.dvc").read_text())
    assert path_md5(code) == recorded["outs"][0]["md5"]
    shutil.rmtree(code / "home" / "__pycache__")  # compiled files never change the hash
    assert path_md5(code) == recorded["outs"][0]["md5"]
    assert path_md5(code / "spec.py") == file_md5(code / "spec.py")
