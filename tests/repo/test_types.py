"""The code type-checks (mypy, configured in pyproject.toml: strict on the pure core and the
dataset code), as `make lint` checks it."""

from __future__ import annotations

import subprocess

from tests.conftest import REPO_ROOT, VENV_BIN


def test_mypy_finds_no_error():
    done = subprocess.run(
        [str(VENV_BIN / "mypy"), "--no-incremental"], cwd=REPO_ROOT, capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Success: no issues found")
