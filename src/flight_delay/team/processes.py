"""Start a server detached from the caller, wait until it answers, stop it by its PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


class TeamError(RuntimeError):
    """A server could not start or stop; the message says which and what to do."""


def start(args: list[str], log: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """A new session (its own process group), output to `log`, not tied to this process."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_until(ready: Callable[[], bool], what: str, pid: int, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            raise TeamError(f"{what} exited while starting; its log {log} ends:\n{tail(log)}")
        try:
            if ready():
                return
        except Exception:  # not answering yet  # noqa: BLE001
            pass
        time.sleep(0.3)
    raise TeamError(
        f"{what} did not answer within {timeout:.0f} s; its log {log} ends:\n{tail(log)}"
    )


def tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def reachable(send: Callable[[int, int], None], target: int) -> bool:
    """Whether signal 0 reaches `target` (a PID with os.kill, a group with os.killpg)."""
    try:
        send(target, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting for its parent."""
    state = Path(f"/proc/{pid}/stat")
    zombie = state.exists() and state.read_text().split(")")[-1].split()[0] == "Z"
    return reachable(os.kill, pid) and not zombie


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def stop(pid: int, expect: str, sig: int = signal.SIGTERM, timeout: float = 30) -> str:
    """Signal `pid`'s process group, then wait for all of it; SIGKILL what outlives `timeout`.
    A PID whose command line lacks `expect` is someone else's now: left alone."""
    if not alive(pid):
        return "not running"
    if expect not in command_line(pid):
        return f"PID {pid} is no longer {expect}; left alone"
    group = os.getpgid(pid)
    send = os.killpg if group == pid else os.kill
    send(pid, sig)
    deadline = time.monotonic() + timeout

    def running() -> bool:
        return alive(pid) or (group == pid and reachable(os.killpg, group))

    while running() and time.monotonic() < deadline:
        time.sleep(0.2)
    if running():
        send(pid, signal.SIGKILL)
        time.sleep(0.5)
        return "killed after not stopping in time"
    return "stopped"
