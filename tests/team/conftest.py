"""The team servers for these tests: a set started with `python -m flight_delay.team up` on
free ports for the module and stopped by its PIDs afterwards (they live only while the
team tests run: SeaweedFS keeps a core busy for a while after a burst of transfers); or
running ones, when FLIGHT_DELAY_TEAM_ENV names their env.sh."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from flight_delay.infra.processes import alive, free_port, port_open
from tests.conftest import REPO_ROOT, VENV_BIN

TEAM = [str(VENV_BIN / "python"), "-m", "flight_delay.team"]


def read_exports(text: str) -> dict[str, str]:
    return dict(re.findall(r"^export (\w+)=(\S*)$", text, flags=re.MULTILINE))


def free_range(width: int = 8) -> int:
    """A base port with `width` free ports after it, and base + 10003 free (SeaweedFS)."""
    for _ in range(100):
        base = free_port()
        wanted = [*range(base, base + width), base + 10003]
        if base + 10003 < 65535 and not any(port_open(port) for port in wanted):
            return base
    raise RuntimeError("no free port range")


@pytest.fixture(scope="module")
def team_env(tmp_path_factory):
    given = os.environ.get("FLIGHT_DELAY_TEAM_ENV")
    if given:  # servers someone started with make team-up (its env.sh)
        yield read_exports(Path(given).read_text())
        return
    # not under pytest's folder (mode 0700): PostgreSQL, run as its own user, must reach it
    folder = Path(tempfile.mkdtemp(prefix="team-"))
    folder.chmod(0o711)
    ports = {
        "TEAM_S3_PORT": free_port(),
        "TEAM_MLFLOW_PORT": free_port(),
        "TEAM_POSTGRES_PORT": free_port(),
        "TEAM_SEAWEED_PORT_BASE": free_range(),
    }
    env = os.environ | {name: str(port) for name, port in ports.items()}
    up = subprocess.run(
        [*TEAM, "up", "--dir", str(folder)], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    try:
        assert up.returncode == 0, up.stderr
        # a second `up` starts nothing and prints the same environment
        again = subprocess.run([*TEAM, "up", "--dir", str(folder)], cwd=REPO_ROOT,
                               env=env, capture_output=True, text=True)  # fmt: skip
        assert again.stderr.count("already running") == 3 and again.stdout == up.stdout
        yield read_exports(up.stdout)
    finally:
        recorded = folder / "pids.json"
        pids = json.loads(recorded.read_text()).values() if recorded.exists() else []
        down = subprocess.run(
            [*TEAM, "down", "--dir", str(folder)],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert down.returncode == 0, down.stderr  # nothing left behind
        assert not [pid for pid in pids if alive(pid)]
        assert not (folder / "pids.json").exists()
        shutil.rmtree(folder, ignore_errors=True)
