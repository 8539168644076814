"""The three servers of team mode, each bound to 127.0.0.1 only."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

from flight_delay.infra.processes import (
    ProcessError,
    alive,
    port_open,
    start_detached,
    tail,
    wait_until,
)
from flight_delay.team.state import MLFLOW_USER, S3_BUCKETS, Team

BIN = Path(sys.executable).parent


class TeamError(ProcessError):
    """A team server could not start or stop; the message says which and what to do."""


def wait_for(ready, what: str, pid: int, log: Path, timeout: float) -> None:
    """Until `ready()`, or ProcessError quoting the end of the server's log."""
    wait_until(ready, what, lambda: alive(pid), lambda: f"its log {log} ends:\n{tail(log)}",
               timeout)  # fmt: skip


POSTGRES_HINT = (
    "PostgreSQL's server programs (initdb, pg_ctl) are not installed. Install them: "
    "`sudo apt-get install postgresql` (Debian, Ubuntu), `brew install postgresql@15` "
    "(macOS), then run make team-up again."
)


def seaweedfs(team: Team) -> int:
    """`weed mini`: S3 with the generated keys, the buckets, no telemetry, no admin UI."""
    weed = shutil.which("weed", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if weed is None:
        raise TeamError("the SeaweedFS binary `weed` is missing: run make install")
    keys = team.credentials()
    base, data = team.ports.seaweed_base, team.root / "seaweedfs"
    data.mkdir(parents=True, exist_ok=True)
    internal = [
        "master.port",
        "volume.port",
        "filer.port",
        "admin.port",
        "s3.port.grpc",
        "master.port.grpc",
        "volume.port.grpc",
        "filer.port.grpc",
    ]
    ports = [f"-{flag}={base + offset}" for offset, flag in enumerate(internal)]
    # its maintenance worker dials the admin's gRPC at the admin port + 10000, whatever
    # -admin.port.grpc says (and retries, busily, when that is wrong)
    ports.append(f"-admin.port.grpc={base + 3 + 10000}")
    args = [
        weed,
        "mini",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-admin.ui=false",
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.port={team.ports.s3}",
        f"-bucket={','.join(S3_BUCKETS)}",
        *ports,
    ]
    env = os.environ | {
        "AWS_ACCESS_KEY_ID": keys["s3_key"],
        "AWS_SECRET_ACCESS_KEY": keys["s3_secret"],
        "GOMEMLIMIT": "256MiB",
    }
    log = team.root / "logs/seaweedfs.log"
    process = start_detached(args, log, env, cwd=data)
    wait_for(lambda: buckets_ready(team), "SeaweedFS", process.pid, log, timeout=60)
    return process.pid


def s3_client(env: dict[str, str]):
    """A boto3 S3 client for the endpoint and keys of `env` (what `up` prints)."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL_S3"],
        region_name="us-east-1",
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def buckets_ready(team: Team) -> bool:
    listed = s3_client(team.environment()).list_buckets()["Buckets"]
    return set(S3_BUCKETS) <= {bucket["Name"] for bucket in listed}


def postgres_bin() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not versions:
        raise TeamError(POSTGRES_HINT)
    return versions[-1].parent


def as_postgres_user(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def postgres(team: Team) -> int:
    """A cluster in <team>/postgres; databases `mlflow` and `mlflow_auth` owned by `mlflow`."""
    pg, root = postgres_bin(), postgres_folder(team).resolve()  # a path its user can reach
    data, sockets = root / "data", root / "sock"
    fresh = not (data / "PG_VERSION").exists()
    for folder in (root, sockets):
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
    log = team.root / "logs/postgres-setup.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        _check(
            [
                str(pg / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ],
            log,
        )
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={team.ports.postgres} "
        f"-c unix_socket_directories={sockets}"
    )
    server_log = root / "server.log"  # written by the server, so in its own folder
    _check(
        [str(pg / "pg_ctl"), "-D", str(data), "-l", str(server_log), "-w", "-o", options, "start"],
        log,
    )
    pid = int((data / "postmaster.pid").read_text().split()[0])
    if fresh:
        password = team.credentials()["postgres_password"]
        _check(
            [
                str(pg / "psql"),
                "-h",
                str(sockets),
                "-p",
                str(team.ports.postgres),
                "-U",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                f"CREATE ROLE mlflow LOGIN PASSWORD '{password}'",
                "-c",
                "CREATE DATABASE mlflow OWNER mlflow",
                "-c",
                "CREATE DATABASE mlflow_auth OWNER mlflow",
            ],
            log,
        )
    return pid


def postgres_folder(team: Team) -> Path:
    """<team>/postgres. As root the server runs as the `postgres` user; when that user
    cannot reach the team folder (a parent of mode 0700, as mktemp makes), the cluster
    lives in /var/tmp and <team>/postgres links to it."""
    folder = team.root / "postgres"
    if os.geteuid() != 0 or folder.is_symlink():
        return folder
    if subprocess.run(as_postgres_user(["test", "-x", str(team.root)])).returncode == 0:
        return folder
    digest = hashlib.sha1(str(team.root).encode()).hexdigest()[:12]
    elsewhere = Path("/var/tmp") / f"flight-delay-team-{digest}"
    elsewhere.mkdir(mode=0o700, exist_ok=True)
    shutil.chown(elsewhere, "postgres")
    folder.symlink_to(elsewhere, target_is_directory=True)
    return folder


def _check(args: list[str], log: Path) -> None:
    done = subprocess.run(as_postgres_user(args), capture_output=True, text=True)
    with log.open("a") as out:
        out.write(done.stdout + done.stderr)
    if done.returncode != 0:
        raise TeamError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()}")


def postgres_uri(team: Team, database: str) -> str:
    password = team.credentials()["postgres_password"]
    return f"postgresql+psycopg2://mlflow:{password}@127.0.0.1:{team.ports.postgres}/{database}"


def mlflow_server(team: Team) -> int:
    """`mlflow server` on PostgreSQL, artifacts proxied to s3://mlflow/, basic auth on,
    only 127.0.0.1/localhost accepted as Host, no job runner, one worker."""
    keys, folder, port = team.credentials(), team.root / "mlflow", team.ports.mlflow
    folder.mkdir(parents=True, exist_ok=True)
    auth = folder / "basic_auth.ini"
    auth.write_text(
        "[mlflow]\ndefault_permission = NO_PERMISSIONS\n"
        f"database_uri = {postgres_uri(team, 'mlflow_auth')}\n"
        f"admin_username = {MLFLOW_USER}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
        # a checked login is trusted for 60 s instead of re-hashing it (PBKDF2) per request
        "auth_cache_ttl_seconds = 60\n"
    )
    auth.chmod(0o600)
    endpoint = f"http://127.0.0.1:{team.ports.s3}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")} | {
        "MLFLOW_AUTH_CONFIG_PATH": str(auth),
        "MLFLOW_AUTH_ADMIN_PASSWORD": keys["mlflow_password"],
        "MLFLOW_FLASK_SERVER_SECRET_KEY": keys["flask_secret"],
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        "MLFLOW_S3_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_ACCESS_KEY_ID": keys["s3_key"],
        "AWS_SECRET_ACCESS_KEY": keys["s3_secret"],
    }
    args = [
        str(BIN / "mlflow"),
        "server",
        "--app-name",
        "basic-auth",
        "--backend-store-uri",
        postgres_uri(team, "mlflow"),
        "--artifacts-destination",
        "s3://mlflow/",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--allowed-hosts",
        f"127.0.0.1:{port},localhost:{port}",
    ]
    log = team.root / "logs/mlflow.log"
    process = start_detached(args, log, env, cwd=folder)

    def healthy() -> bool:
        with urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as answer:
            return answer.status == 200

    wait_for(healthy, "the MLflow server", process.pid, log, timeout=180)
    return process.pid


def ports_in_use(team: Team) -> list[int]:
    wanted = [team.ports.s3, team.ports.mlflow, team.ports.postgres]
    return [port for port in wanted if port_open(port)]
