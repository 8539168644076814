"""`python -m flight_delay.team up|down|env [--dir .team]`.

`up` starts what is not running yet, waits until each answers, and prints the
environment as `export NAME=value` lines (`eval "$(make -s team-up)"` configures a
shell); progress goes to stderr. `down` stops exactly the PIDs `up` recorded and fails
if any of them outlives it.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import time
from pathlib import Path

from flight_delay.infra.processes import ProcessError, alive, command_line, port_open, stop_pid
from flight_delay.team import services
from flight_delay.team.state import Ports, Team, export_lines

# start order; `down` goes in reverse. (name, how to start, what its command line contains,
# the signal that stops it quickly: SIGINT is PostgreSQL's "fast" shutdown)
SERVICES = [
    ("seaweedfs", services.seaweedfs, "weed", signal.SIGTERM),
    ("postgres", services.postgres, "postgres", signal.SIGINT),
    ("mlflow", services.mlflow_server, "mlflow", signal.SIGTERM),
]


def say(message: str) -> None:
    print(f"team: {message}", file=sys.stderr, flush=True)


def up(team: Team) -> None:
    team.credentials()
    team.ports.record(team.root)
    running = team.pids()
    for name, starter, _, _ in SERVICES:
        if name in running and alive(running[name]):
            say(f"{name} already running (PID {running[name]})")
            continue
        began = time.monotonic()
        pid = starter(team)
        team.record_pid(name, pid)
        say(f"{name} ready in {time.monotonic() - began:.1f} s (PID {pid})")
    exports = export_lines(team.environment())
    team.env_file.write_text(exports)
    team.env_file.chmod(0o600)
    print(exports, end="")


def down(team: Team, purge: bool = False) -> int:
    left = []
    for name, _, expect, sig in reversed(SERVICES):
        pid = team.pids().get(name)
        if pid is None:
            continue
        outcome = stop_pid(pid, expect, sig)
        say(f"{name} (PID {pid}): {outcome}")
        if alive(pid) and expect in command_line(pid):
            left.append(f"{name} (PID {pid})")
        else:
            team.forget_pid(name)
    busy = [
        port for port in (team.ports.s3, team.ports.mlflow, team.ports.postgres) if port_open(port)
    ]
    if left or busy:
        say(f"still running: {left}; ports still answering: {busy}")
        return 1
    if purge:  # the data too (CI's throwaway servers), the linked PostgreSQL folder included
        linked = team.root / "postgres"
        if linked.is_symlink():
            shutil.rmtree(linked.resolve(), ignore_errors=True)
        shutil.rmtree(team.root, ignore_errors=True)
        say(f"removed {team.root}")
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flight_delay.team", description=__doc__)
    parser.add_argument("action", choices=["up", "down", "env"])
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(".team"),
        help="the team folder (data, logs, credentials, PIDs)",
    )
    parser.add_argument(
        "--purge",
        action="store_true",
        help="down: also delete the folder (data, logs, credentials)",
    )
    args = parser.parse_args(argv)
    root = args.dir.resolve()
    team = Team(root, Ports.of(root))
    try:
        if args.action == "up":
            up(team)
        elif args.action == "down":
            sys.exit(down(team, purge=args.purge))
        elif not team.env_file.exists():
            sys.exit(f"team: no {team.env_file}; run make team-up first")
        else:
            print(team.env_file.read_text(), end="")
    except ProcessError as err:
        sys.exit(f"team: {err}")


if __name__ == "__main__":
    main()
