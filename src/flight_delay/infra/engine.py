"""The engine a data stage runs on (conf/engine/, `EngineConfig`): in its own process, or
as tasks on a Dask cluster.

`engine_client(engine, stage)` yields None for `local`. For `dask` it yields a connected
`distributed.Client`: to the scheduler at DASK_SCHEDULER_ADDRESS or `engine.address`, or
to a local cluster of `engine.workers` processes (127.0.0.1, no dashboard) that it starts
for the stage and stops after it. Either way the workers get the variables the stage's
code reads from its environment (DVC_*, MLFLOW_*, AWS_*, the thread limits), also after a
worker restarts. A scheduler that does not answer is a clear error naming the setting.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flight_delay.infra.config import ConfigError, EngineConfig
from flight_delay.infra.progress import say

if TYPE_CHECKING:
    from distributed import Client, WorkerPlugin

ADDRESS_ENV = "DASK_SCHEDULER_ADDRESS"  # Dask's own name for it; wins over engine.address
# What the workers must see as the stage does: the DVC remote's and MLflow's settings and
# credentials, the S3 store's, and one thread per library pool.
SHARED_PREFIXES = ("DVC_", "MLFLOW_", "AWS_")
SHARED_NAMES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONPATH")


class EngineError(ConfigError):
    """The engine cannot run the stage: the message names the setting to change."""


def shared_environment() -> dict[str, str]:
    return {name: value for name, value in sorted(os.environ.items())
            if name.startswith(SHARED_PREFIXES) or name in SHARED_NAMES}  # fmt: skip


def worker_pids(client: Client) -> list[int]:
    """The process ids of the cluster's worker processes."""
    return sorted(client.run(os.getpid).values())


def scheduler_address(engine: EngineConfig) -> str | None:
    return os.environ.get(ADDRESS_ENV) or engine.address


def _environment_plugin(environment: dict[str, str]) -> WorkerPlugin:
    from distributed import WorkerPlugin

    class SharedEnvironment(WorkerPlugin):
        """Sets the stage's variables in every worker, and again in a restarted one."""

        name = "flight-delay-environment"

        def __init__(self, values: dict[str, str]) -> None:
            self.values = values

        def setup(self, worker: object) -> None:
            os.environ.update(self.values)

    return SharedEnvironment(environment)


@contextmanager
def engine_client(engine: EngineConfig, stage: str) -> Iterator[Client | None]:
    if engine.kind == "local":
        yield None
        return
    from distributed import Client, LocalCluster

    address = scheduler_address(engine)
    if address is None:
        with (
            LocalCluster(
                n_workers=engine.workers,
                threads_per_worker=engine.threads_per_worker,
                memory_limit=engine.memory_limit,
                host="127.0.0.1",
                dashboard_address=None,
                processes=True,
            ) as cluster,  # fmt: skip
            Client(cluster) as client,
        ):
            client.register_plugin(_environment_plugin(shared_environment()))
            say(stage, f"engine: a local Dask cluster at {cluster.scheduler_address}, worker "
                f"processes {worker_pids(client)}")  # fmt: skip
            yield client
        return
    origin = ADDRESS_ENV if os.environ.get(ADDRESS_ENV) else "engine.address"
    try:
        client = Client(address, timeout=engine.connect_timeout_s)
    except (OSError, TimeoutError) as err:
        raise EngineError(
            f"{stage}: no Dask scheduler answered at {origin} {address} within "
            f"{engine.connect_timeout_s:g} s ({type(err).__name__}); start it, or fix "
            f"{origin} (conf/engine/dask.yaml, engine.connect_timeout_s to wait longer)"
        ) from None
    with client:
        client.register_plugin(_environment_plugin(shared_environment()))
        workers = len(client.scheduler_info().get("workers", {}))
        say(stage, f"engine: the Dask cluster at {address} ({origin}), {workers} worker(s)")
        yield client
