"""Progress output of the stages and commands: `stage: message (elapsed)` on stderr.

Not logging: lines for a person watching `dvc repro`, never parsed (but by `make bench`,
which reads the timings of `step`)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def step(stage: str, what: str) -> Iterator[None]:
    start = time.perf_counter()
    print(f"{stage}: {what} ...", file=sys.stderr, flush=True)
    yield
    print(
        f"{stage}: {what} done ({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True
    )


def say(stage: str, message: str) -> None:
    print(f"{stage}: {message}", file=sys.stderr, flush=True)


def run_stage(stage: str, main: Callable[[], None]) -> None:
    """Run a stage's main(); a configuration error exits with its message, no traceback."""
    from flight_delay.infra.config import ConfigError

    try:
        main()
    except ConfigError as err:
        sys.exit(f"{stage}: {err}")
