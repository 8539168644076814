"""Naming the objects DVC dropped as corrupt on pull."""

from __future__ import annotations

import json
import subprocess

from flight_delay.team.remote import corrupt_objects, explain_corruption, outputs_by_hash

LOCK = """schema: '2.0'
stages:
  train:
    cmd: python -m flight_delay.stages.train
    outs:
    - path: models/model.skops
      md5: 0123456789abcdef0123456789abcdef
"""


def test_each_hash_is_named_by_its_output_or_the_file_inside_a_folder(tmp_path):
    (tmp_path / "dvc.lock").write_text(LOCK)
    (tmp_path / "data").mkdir()
    (tmp_path / "data/bulk.dvc").write_text("outs:\n- md5: aa11.dir\n  path: bulk\n")
    listing = tmp_path / ".dvc/cache/files/md5/aa/11.dir"
    listing.parent.mkdir(parents=True)
    listing.write_text(json.dumps([{"md5": "ffee", "relpath": "part-000.bin"}]))
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "data/bulk.dvc"], cwd=tmp_path, check=True)
    found = outputs_by_hash(tmp_path)
    assert found == {
        "0123456789abcdef0123456789abcdef": "models/model.skops",
        "aa11.dir": "data/bulk",  # relative to the repo, not to the .dvc file
        "ffee": "data/bulk/part-000.bin",
    }


def test_dropped_objects_are_read_from_dvcs_debug_log(tmp_path):
    log = (
        "2026-12-02 00:14:32,169 DEBUG: corrupted cache file "
        "'/r/.dvc/cache/files/md5/01/23456789abcdef0123456789abcdef'.\n"
    )
    assert corrupt_objects(log) == ["0123456789abcdef0123456789abcdef"]
    (tmp_path / "dvc.lock").write_text(LOCK)
    said = explain_corruption(corrupt_objects(log), "team", tmp_path)
    assert "models/model.skops (md5 0123456789abcdef0123456789abcdef)" in said
    assert "remote 'team'" in said and "corrupt in the remote" in said
