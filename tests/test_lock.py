"""The committed dvc.lock records the code as committed: a code change without
`dvc repro` would make a fresh clone's `make repro` re-run stages and dirty git."""

from __future__ import annotations

import yaml

from flight_delay.io import file_md5
from tests.conftest import REPO_ROOT


def test_every_code_dependency_in_dvc_lock_matches_the_file():
    lock = yaml.safe_load((REPO_ROOT / "dvc.lock").read_text())
    stale = [
        f"{stage}: {dep['path']}"
        for stage, entry in lock["stages"].items()
        for dep in entry.get("deps", [])
        if dep["path"].startswith("src/") and file_md5(REPO_ROOT / dep["path"]) != dep["md5"]
    ]
    assert not stale, f"run `dvc repro` and commit dvc.lock; stale: {stale}"
