"""The team servers for these tests: the ones .ci/run started (FLIGHT_DELAY_TEAM_ENV names
their env.sh), else a set started here on free ports and stopped afterwards."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from flight_delay.local_server import free_port
from flight_delay.team.processes import alive, port_open
from tests.conftest import REPO_ROOT, VENV_BIN

TEAM = [str(VENV_BIN / "python"), "-m", "flight_delay.team"]


def read_exports(text: str) -> dict[str, str]:
    return dict(re.findall(r"^export (\w+)=(\S*)$", text, flags=re.MULTILINE))


def free_range(width: int = 10) -> int:
    """A base port with `width` free ports after it."""
    for _ in range(50):
        base = free_port()
        if base + width < 65535 and not any(port_open(base + i) for i in range(width)):
            return base
    raise RuntimeError("no free port range")


def wait_for_team_up(env_file: Path, timeout: float = 300) -> str:
    status, deadline = env_file.parent / "up.rc", time.monotonic() + timeout
    while not status.exists() and time.monotonic() < deadline:
        time.sleep(1)
    said = (env_file.parent / "up.log").read_text() if status.exists() else "(timed out)"
    assert status.exists() and status.read_text().strip() == "0", f"make team-up: {said}"
    return env_file.read_text()


@pytest.fixture(scope="session")
def team_env(tmp_path_factory):
    given = os.environ.get("FLIGHT_DELAY_TEAM_ENV")
    if given:  # .ci/run starts them beside the tests: wait for `make team-up` to finish
        yield read_exports(wait_for_team_up(Path(given)))
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
