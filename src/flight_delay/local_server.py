"""A server process on 127.0.0.1: a free port, waiting until it answers, stopping it by
its PID. Used by `make simulate`, `make bench-serve` and the tests."""

from __future__ import annotations

import socket
import subprocess
import time
from http.client import HTTPConnection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(
    port: int, process: subprocess.Popen, path: str = "/health", timeout: float = 120
) -> HTTPConnection:
    """A keep-alive connection once GET `path` answers 200; RuntimeError (with what the
    process said) if it exits or does not answer within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"the server exited with {process.returncode}: {said}")
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            if answer.status == 200:
                return connection
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}{path} within {timeout} s")


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
