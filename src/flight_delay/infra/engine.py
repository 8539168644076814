"""The engine a data stage runs on (conf/engine/, `EngineConfig`): in its own process, or
as tasks on a Dask cluster.

`engine_client(engine, stage)` yields None for `local`. For `dask` it yields a connected
`distributed.Client`: to the scheduler at DASK_SCHEDULER_ADDRESS or `engine.address`, or
to a local cluster of `engine.workers` processes (127.0.0.1, no dashboard) that it starts
for the stage and stops after it. Either way the workers get the variables the stage's
code reads from its environment (DVC_*, MLFLOW_*, AWS_*) while the stage runs, also in a
worker that restarts, and no longer after it. A scheduler that does not answer, or has no
worker, is a clear error naming the setting.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flight_delay.infra.config import ConfigError, EngineConfig
from flight_delay.infra.progress import say

if TYPE_CHECKING:
    from distributed import Client, WorkerPlugin

ADDRESS_ENV = "DASK_SCHEDULER_ADDRESS"  # Dask's own name for it; wins over engine.address
# What the workers must see as the stage does: the DVC remote's and MLflow's settings and
# credentials, and the S3 store's. (Thread limits and PYTHONPATH are a worker's own start-up
# settings: a local cluster's workers inherit them, a team's cluster sets them itself.)
SHARED_PREFIXES = ("DVC_", "MLFLOW_", "AWS_")


class EngineError(ConfigError):
    """The engine cannot run the stage: the message names the setting to change."""


def shared_environment() -> dict[str, str]:
    return {name: value for name, value in sorted(os.environ.items())
            if name.startswith(SHARED_PREFIXES)}  # fmt: skip


def worker_pids(client: Client) -> list[int]:
    """The process ids of the cluster's worker processes."""
    return sorted(client.run(os.getpid).values())


def scheduler_address(engine: EngineConfig) -> str | None:
    return os.environ.get(ADDRESS_ENV) or engine.address


def _environment_plugin(environment: dict[str, str], name: str) -> WorkerPlugin:
    from distributed import WorkerPlugin

    class SharedEnvironment(WorkerPlugin):
        """Sets the stage's variables in every worker, also in one that (re)starts while
        the stage runs; removed, with the values put back, when the stage ends."""

        def __init__(self, values: dict[str, str], plugin_name: str) -> None:
            self.values = values
            self.name = plugin_name
            self.before: dict[str, str | None] = {}

        def setup(self, worker: object) -> None:
            self.before = {key: os.environ.get(key) for key in self.values}
            os.environ.update(self.values)

        def teardown(self, worker: object) -> None:
            for key, value in self.before.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    return SharedEnvironment(environment, name)


@contextmanager
def shared_settings(
    client: Client, stage: str, engine: EngineConfig, origin: str
) -> Iterator[None]:
    """The stage's settings on every worker while the stage runs (a plugin of its own name,
    unregistered after, so that stages sharing a team's cluster never see each other's),
    once at least one worker is there."""
    try:
        client.wait_for_workers(1, timeout=engine.connect_timeout_s)
    except TimeoutError:
        raise EngineError(
            f"{stage}: the Dask scheduler at {origin} has no worker after "
            f"{engine.connect_timeout_s:g} s; start workers, or fix {origin} "
            "(conf/engine/dask.yaml)"
        ) from None
    name = f"flight-delay-settings-{uuid.uuid4().hex}"
    client.register_plugin(_environment_plugin(shared_environment(), name))
    try:
        yield
    finally:
        client.unregister_worker_plugin(name)


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
            shared_settings(client, stage, engine, "engine.workers"),
        ):
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
    with client, shared_settings(client, stage, engine, f"{origin} {address}"):
        workers = len(client.scheduler_info().get("workers", {}))
        say(stage, f"engine: the Dask cluster at {address} ({origin}), {workers} worker(s)")
        yield client
