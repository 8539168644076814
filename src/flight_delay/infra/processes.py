"""Local server processes: start one, wait until it answers, stop it by its PID.

Two kinds: a child this process waits on (`make simulate`, the benchmarks and the tests
start the service and stop it with `stop_child`), and a detached server whose PID is
recorded in a file and stopped later by another process (`make team-up`/`team-down`:
`start_detached`, `stop_pid`). Every server binds to 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from http.client import HTTPConnection
from pathlib import Path


class ProcessError(RuntimeError):
    """A server did not start, answer or stop; the message says which and why."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_until(
    ready: Callable[[], bool], what: str, running: Callable[[], bool],
    last_words: Callable[[], str], timeout: float,
) -> None:  # fmt: skip
    """Poll `ready` until it is true; ProcessError with the server's last words when it
    exits first or `timeout` seconds pass. A `ready` that raises counts as not yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not running():
            raise ProcessError(f"{what} exited while starting:\n{last_words()}")
        try:
            if ready():
                return
        except Exception:  # not answering yet  # noqa: BLE001
            pass
        time.sleep(0.2)
    raise ProcessError(f"{what} did not answer within {timeout:.0f} s:\n{last_words()}")


def wait_ready(
    port: int, process: subprocess.Popen, path: str = "/health", timeout: float = 120
) -> HTTPConnection:
    """A keep-alive connection once GET `path` on 127.0.0.1:`port` answers 200."""
    opened: list[HTTPConnection] = []

    def answers() -> bool:
        connection = HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        opened[:] = [connection]
        return answer.status == 200

    def said() -> str:
        return process.stdout.read() if process.stdout else ""

    wait_until(answers, f"the server on 127.0.0.1:{port}{path}",
               lambda: process.poll() is None, said, timeout)  # fmt: skip
    return opened[0]


def stop_child(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM a child, SIGKILL it if it outlives `timeout`, and reap it."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_detached(args: list[str], log: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """A new session (its own process group), output to `log`, not tied to this process."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(
            args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip


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


def stop_pid(pid: int, expect: str, sig: int = signal.SIGTERM, timeout: float = 30) -> str:
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
