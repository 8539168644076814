"""The team folder's state: generated credentials, recorded ports and PIDs, the exports."""

from __future__ import annotations

import os
import stat

from flight_delay.infra.processes import alive, stop_pid
from flight_delay.team.state import Ports, Team, export_lines


def test_credentials_are_generated_once_and_readable_by_the_owner_only(tmp_path):
    team = Team(tmp_path / "team", Ports())
    first = team.credentials()
    assert stat.S_IMODE(team.secrets_file.stat().st_mode) == 0o600
    assert team.credentials() == first and len(first["mlflow_password"]) >= 12
    assert Team(tmp_path / "other", Ports()).credentials() != first


def test_ports_recorded_by_up_win_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TEAM_S3_PORT", "9001")
    assert Ports.of(tmp_path).s3 == 9001  # nothing recorded: the environment
    Ports(s3=7001, mlflow=7002, postgres=7003, seaweed_base=7010).record(tmp_path)
    assert Ports.of(tmp_path) == Ports(s3=7001, mlflow=7002, postgres=7003, seaweed_base=7010)


def test_the_exports_name_the_servers_and_the_login(tmp_path):
    team = Team(tmp_path, Ports(s3=7001, mlflow=7002))
    lines = export_lines(team.environment()).splitlines()
    assert "export AWS_ENDPOINT_URL_S3=http://127.0.0.1:7001" in lines
    assert "export MLFLOW_TRACKING_URI=http://127.0.0.1:7002" in lines
    assert "export DVC_REMOTE=team" in lines
    assert f"export MLFLOW_TRACKING_PASSWORD={team.credentials()['mlflow_password']}" in lines


def test_pids_are_recorded_and_forgotten(tmp_path):
    team = Team(tmp_path, Ports())
    team.record_pid("seaweedfs", 11)
    team.record_pid("mlflow", 12)
    team.forget_pid("seaweedfs")
    assert team.pids() == {"mlflow": 12}
    team.forget_pid("mlflow")
    assert not team.pids_file.exists()


def test_stop_leaves_a_pid_that_is_now_another_program_alone():
    assert "left alone" in stop_pid(os.getpid(), expect="weed")  # this is pytest, not weed
    assert alive(os.getpid())
