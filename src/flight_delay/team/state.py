"""The team folder: ports, generated credentials, recorded PIDs, the environment."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

S3_BUCKETS = ("dvc-store", "mlflow")
DVC_PREFIX = "dvc-store/flight-delay"  # the `team` remote in .dvc/config
MLFLOW_USER = "admin"


@dataclass(frozen=True)
class Ports:
    s3: int = 8333
    mlflow: int = 5050
    postgres: int = 5433
    seaweed_base: int = 18330  # SeaweedFS's own servers: base .. base+7, and base+10003

    @classmethod
    def from_env(cls) -> Ports:
        read = {field: f"TEAM_{field.upper()}_PORT" for field in ("s3", "mlflow", "postgres")}
        given = {field: int(os.environ[name]) for field, name in read.items() if name in os.environ}
        if "TEAM_SEAWEED_PORT_BASE" in os.environ:
            given["seaweed_base"] = int(os.environ["TEAM_SEAWEED_PORT_BASE"])
        return cls(**given)

    @classmethod
    def of(cls, root: Path) -> Ports:
        """The ports `up` recorded in <root>/ports.json (so that `down` checks the ones in
        use whatever this shell's TEAM_*_PORT say); else those of the environment."""
        recorded = root / "ports.json"
        return cls(**json.loads(recorded.read_text())) if recorded.exists() else cls.from_env()

    def record(self, root: Path) -> None:
        (root / "ports.json").write_text(json.dumps(self.__dict__, indent=2) + "\n")


@dataclass(frozen=True)
class Team:
    root: Path
    ports: Ports

    @property
    def secrets_file(self) -> Path:
        return self.root / "secrets.json"

    @property
    def pids_file(self) -> Path:
        return self.root / "pids.json"

    @property
    def env_file(self) -> Path:
        return self.root / "env.sh"

    def credentials(self) -> dict[str, str]:
        """Generated on first use, kept in secrets.json (readable by the owner only)."""
        if self.secrets_file.exists():
            return json.loads(self.secrets_file.read_text())
        made = {
            "s3_key": "team-" + secrets.token_hex(6),
            "s3_secret": secrets.token_urlsafe(24),
            "postgres_password": secrets.token_urlsafe(18),
            "mlflow_password": secrets.token_urlsafe(18),
            "flask_secret": secrets.token_urlsafe(32),
        }
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.secrets_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(made, out, indent=2, sort_keys=True)
        return made

    def pids(self) -> dict[str, int]:
        return json.loads(self.pids_file.read_text()) if self.pids_file.exists() else {}

    def record_pid(self, name: str, pid: int) -> None:
        self.pids_file.write_text(json.dumps(self.pids() | {name: pid}, indent=2) + "\n")

    def forget_pid(self, name: str) -> None:
        left = {k: v for k, v in self.pids().items() if k != name}
        if left:
            self.pids_file.write_text(json.dumps(left, indent=2) + "\n")
        else:
            self.pids_file.unlink(missing_ok=True)

    def environment(self) -> dict[str, str]:
        """What a client needs: the DVC remote, its keys, the MLflow server and a login."""
        found = self.credentials()
        return {
            "DVC_REMOTE": "team",
            "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{self.ports.s3}",
            "AWS_ACCESS_KEY_ID": found["s3_key"],
            "AWS_SECRET_ACCESS_KEY": found["s3_secret"],
            "MLFLOW_TRACKING_URI": f"http://127.0.0.1:{self.ports.mlflow}",
            "MLFLOW_TRACKING_USERNAME": MLFLOW_USER,
            "MLFLOW_TRACKING_PASSWORD": found["mlflow_password"],
        }


def export_lines(environment: dict[str, str]) -> str:
    return "".join(f"export {name}={value}\n" for name, value in environment.items())
