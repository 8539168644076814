"""Fit the `lightgbm` model pipeline on a Dask cluster, its training table never in one
process: the `dask` engine's `train`.

1. The category encoding is fitted from every partition's categories (one small task per
   partition; what a fit on the whole table learns, as the whole table would order them).
2. Each worker encodes its partitions (one task each) and LightGBM trains data-parallel
   over the workers (`lightgbm.dask`), each holding its share of the rows.
3. The fitted encoding and the trained booster make the same sklearn Pipeline that
   `core.models.build_model` makes, saved, served and explained like any other.

Worker k of n (by address) encodes partitions k, k+n, k+2n, ... into one matrix that stays
on it and is LightGBM's rank k: the same cluster size gives each rank the same rows in the
same order, and so the same trees, every run.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

from flight_delay.core.models import lightgbm_classifier, tree_columns
from flight_delay.infra.config import FeaturesConfig, LightGBMConfig
from flight_delay.infra.partitions import (
    Partition,
    cancel,
    gather,
    partition_size,
    partitions,
    read_partition,
    wait_for,
)

if TYPE_CHECKING:
    from distributed import Client


def partition_categories(partition: Partition, columns: list[str]) -> dict[str, pd.Series]:
    """One task: each categorical column's distinct values in the partition (missing
    included, as one value)."""
    frame = read_partition(partition, columns)
    return {column: frame[column].drop_duplicates() for column in columns}


def category_sample(found: list[dict[str, pd.Series]], features: FeaturesConfig) -> pd.DataFrame:
    """A small frame in which each categorical column holds every value any partition
    holds (and a missing one where any had one): fitting the encoding on it learns the
    categories a fit on the whole table learns."""
    values = {
        column: pd.concat([part[column] for part in found], ignore_index=True).drop_duplicates()
        for column in features.categorical
    }
    rows = max((len(v) for v in values.values()), default=1)
    sample = {
        column: pd.concat([v, v.iloc[[0] * (rows - len(v))]], ignore_index=True)
        for column, v in values.items()
    }
    sample.update({column: np.zeros(rows) for column in features.numeric})
    return pd.DataFrame(sample)[features.columns]


def encoded_share(
    share: list[Partition], columns: ColumnTransformer, features: FeaturesConfig, label: str
) -> tuple[np.ndarray, np.ndarray]:
    """One task per worker: its partitions' model inputs encoded, in partition order, into
    one matrix (filled a partition at a time), and their labels."""
    rows = [partition_size(part) for part in share]
    encoded = np.empty((sum(rows), len(features.columns)), dtype=np.float64)
    labels = np.empty(sum(rows), dtype=np.int64)
    start = 0
    for part, n in zip(share, rows, strict=True):
        frame = read_partition(part, [*features.columns, label])
        encoded[start : start + n] = columns.transform(frame[features.columns])
        labels[start : start + n] = frame[label].to_numpy(dtype=np.int64)
        start += n
    return encoded, labels


def open_port() -> int:
    """One task per worker: a TCP port free on its host, for LightGBM's own network."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("", 0))
        return int(probe.getsockname()[1])


def train_rank(
    share: tuple[np.ndarray, np.ndarray], classifier: Any, network: dict[str, Any],
    categorical: list[int],
) -> Any:  # fmt: skip
    """One task per worker, all at once: LightGBM's data-parallel training over its share;
    every rank ends with the same trees."""
    from lightgbm.basic import _LIB, _safe_call

    classifier.set_params(**network)
    try:
        classifier.fit(share[0], share[1], categorical_feature=categorical)
    finally:  # also after a failure: the worker's next training must not find it set up
        _safe_call(_LIB.LGBM_NetworkFree())
    return classifier


NETWORK = ("machines", "local_listen_port", "num_machines", "time_out")
NETWORK_LINES = re.compile(r"^\[(" + "|".join(NETWORK) + r"): .*\]\n", re.M)


def without_network(classifier: Any) -> Any:
    """The trained classifier without the cluster's addresses and ports (in its booster's
    text and its parameters): they change every run and mean nothing to the saved model."""
    from lightgbm import Booster

    text = NETWORK_LINES.sub("", classifier.booster_.model_to_string())
    classifier._Booster = Booster(model_str=text)
    for name in NETWORK:
        classifier._other_params.pop(name, None)
        if hasattr(classifier, name):
            delattr(classifier, name)
    return classifier


def fit_on_cluster(
    client: Client, table: Path, label: str, features: FeaturesConfig, model: LightGBMConfig,
    seed: int, timeout_minutes: int = 10,
) -> Pipeline:  # fmt: skip
    """The fitted pipeline (encoding, LightGBM) of the training table's partitions."""
    from urllib.parse import urlparse

    parts = partitions(table)
    workers = sorted(client.scheduler_info()["workers"])
    if not workers:
        raise LostRankError("the cluster has no worker to train on")
    dealt = {worker: parts[k :: len(workers)] for k, worker in enumerate(workers)}
    shares = {worker: share for worker, share in dealt.items() if share}  # rank k: the k-th
    found = gather(
        client,
        [client.submit(partition_categories, part, features.categorical, pure=False)
         for part in parts],
    )  # fmt: skip
    columns = tree_columns(features).fit(category_sample(found, features))
    ports = client.run(open_port, workers=list(shares))
    machines = ",".join(f"{urlparse(w).hostname}:{ports[w]}" for w in shares)
    categorical = list(range(len(features.categorical)))
    ranks = []
    for worker, share in shares.items():
        pinned = {"workers": [worker], "allow_other_workers": False, "pure": False}
        encoded = client.submit(encoded_share, share, columns, features, label, **pinned)
        network = {"machines": machines, "local_listen_port": ports[worker],
                   "num_machines": len(shares), "time_out": timeout_minutes,
                   "tree_learner": "data"}  # fmt: skip
        classifier = lightgbm_classifier(model, seed)
        ranks.append(client.submit(train_rank, encoded, classifier, network, categorical,
                                   **pinned))  # fmt: skip
    trained = gather(client, watched(client, ranks, list(shares)))[0]
    return Pipeline([("columns", columns), ("classifier", without_network(trained))])


class LostRankError(RuntimeError):
    """A worker that held a share of the training rows left the cluster mid-training."""


def watched(
    client: Client, ranks: list[Any], workers: list[str], every_s: float = 1.0,
    notice_s: float = 5.0,
) -> list[Any]:  # fmt: skip
    """The ranks once they are done, or LostRankError as soon as one of their workers
    leaves: a rank is pinned to its worker (its rows live there), so Dask cannot rerun it
    elsewhere, and the other ranks fail on LightGBM's network or wait for it. A rank that
    fails is a lost worker if the scheduler notices one within `notice_s`."""
    import time

    def lost() -> list[str]:
        return sorted(set(workers) - set(client.scheduler_info()["workers"]))

    while True:
        wait_for(ranks, every_s)
        failed = any(f.status == "error" for f in ranks)
        if not failed and all(f.done() for f in ranks):
            return ranks
        deadline = time.monotonic() + (notice_s if failed else 0)
        while not lost() and time.monotonic() < deadline:
            time.sleep(0.1)
        gone = lost()
        if gone:
            cancel(client, ranks)
            raise LostRankError(
                f"worker(s) {gone} left the cluster while LightGBM trained on their share "
                "of the rows (each rank's rows live on its worker, so no other worker can "
                "take it over); nothing was saved. A worker killed by its nanny for going "
                "over engine.memory_limit fails again: raise it, or add workers; otherwise "
                "run `train` again"
            )
        if failed:  # the others would wait for it on LightGBM's network: cancel them
            first = next(f for f in ranks if f.status == "error")
            cancel(client, [f for f in ranks if f is not first])
            return [first]  # gathering it raises the rank's own error
