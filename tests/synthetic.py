"""A small dataset declared by the tests, so that the machinery's tests never lean on the
shipped examples: deliveries from a handful of shops, one row per order, late when it
arrives more than 10 minutes after its promise. Two tables (orders, shops), an ordered
split by week, a threshold label whose source is leakage, a hook that joins the shop
and derives one column, and a planted drift (distances in miles).

`install(repo)` writes it into a scratch repo as an adopter would (data/source/orders/,
src/flight_delay/datasets/orders/{schema.yaml,hook.py}, conf/dataset/orders.yaml) and
chooses it; `spec()` builds the same dataset in memory for unit tests.
"""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import yaml

WEEKS = 12
ORDERS_PER_WEEK = 250
REGIONS = ("north", "south", "east")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

SCHEMA = {
    "tables": {
        "orders": {
            "key": ["order_id"],
            "min_rows": 10,
            "columns": {
                "order_id": {"kind": "int", "low": 1},
                "placed_at": {"kind": "str", "format": "date-time"},
                "week": {"kind": "int", "low": 1, "high": 52},
                "weekday": {"kind": "str", "values": list(WEEKDAYS)},
                "hour": {"kind": "int", "low": 0, "high": 23},
                "shop": {"kind": "int", "low": 1},
                "items": {"kind": "int", "low": 1, "high": 50},
                "distance_km": {"kind": "float", "nullable": True, "low": 0,
                                "plausible_high": 60, "unit": "km"},
                "minutes_late": {"kind": "float", "nullable": True, "low": -60, "high": 600},
            },
        },
        "shops": {
            "key": ["shop"],
            "columns": {
                "shop": {"kind": "int", "low": 1},
                "region": {"kind": "str", "values": list(REGIONS)},
                "staff": {"kind": "int", "low": 1, "high": 100},
            },
        },
    },
    "derived": {"evening": {"kind": "int", "low": 0, "high": 1}},
}  # fmt: skip

HOOK = '''\
"""The orders' hook: the shop joined to each order, one derived column, a planted drift."""

from __future__ import annotations

JOINED_TABLES = ("shops",)


def join_tables(orders, tables):
    return orders.merge(tables["shops"], on="shop", how="left", validate="many_to_one")


def derive_features(frame):
    return frame.assign(evening=(frame["hour"] >= 18).astype("int64"))


def simulated_drift(frame):
    """Distances in miles: a client's unit bug."""
    return frame.assign(distance_km=frame["distance_km"] / 1.609344)
'''

SPEC = {
    "data": {
        "dataset": "orders",
        "source": "data/source/orders",
        "files": {"orders": "orders.csv", "shops": "shops.csv"},
        "keep": None,
        "label_table": "orders",
        "identity": ["order_id", "placed_at"],
        "leakage": ["minutes_late"],
        "periods": ["week"],
        "review": ["weekday", "hour", "minutes_late"],
        "context": ["order_id", "placed_at", "week"],
    },
    "label": {"column": "late", "rule": "above", "source": "minutes_late", "threshold": 10,
              "missing": "drop", "classes": ["on time", "late"], "event": "late delivery"},
    "split": {"kind": "ordered", "column": "week", "train": list(range(1, 9)),
              "valid": [9, 10], "test": [11, 12]},
    "features": {"numeric": ["items", "distance_km", "hour", "staff", "evening"],
                 "categorical": ["weekday", "region"],
                 "groups": {"route": ["distance_km", "region"], "load": ["items", "staff"]}},
    "evaluate": {"decision_threshold": 0.5, "slice_columns": ["region"]},
    "gate": {"floor": 0.6, "floor_over_baseline": None},
    "monitor": {"min_rows": 50},
    "registry": {"intended_use": "A test dataset.", "limitations": ["Made up."]},
}  # fmt: skip


def tables(weeks: int = WEEKS, per_week: int = ORDERS_PER_WEEK, seed: int = 0) -> dict:
    """The two source tables: lateness rises with distance, load and evening hours, and
    in the north; a few distances are missing and one is implausible (900 km)."""
    rng = np.random.default_rng(seed)
    shops = pd.DataFrame({"shop": range(1, 7), "region": [*REGIONS, *REGIONS],
                          "staff": [3, 12, 7, 20, 5, 9]})  # fmt: skip
    n = weeks * per_week
    orders = pd.DataFrame({
        "order_id": np.arange(1, n + 1),
        "placed_at": None,  # below, from the week, weekday and hour
        "week": np.repeat(np.arange(1, weeks + 1), per_week),
        "weekday": rng.choice(WEEKDAYS, n),
        "hour": rng.integers(8, 23, n),
        "shop": rng.integers(1, 7, n),
        "items": rng.integers(1, 20, n),
        "distance_km": rng.gamma(2.0, 4.0, n).round(2),
    })  # fmt: skip
    day = (orders["week"] - 1) * 7 + orders["weekday"].map(WEEKDAYS.index)
    placed = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(day, "D")
    orders["placed_at"] = (placed + pd.to_timedelta(orders["hour"], "h")).dt.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    staff = orders["shop"].map(shops.set_index("shop")["staff"])
    north = orders["shop"].map(shops.set_index("shop")["region"]).eq("north")
    push = (0.25 * orders["distance_km"] + 0.3 * orders["items"] - 0.4 * staff
            + 4 * (orders["hour"] >= 18) + 3 * north)  # fmt: skip
    orders["minutes_late"] = (push + rng.normal(0, 6, n)).round(1).clip(-60, 600)
    orders.loc[rng.choice(n, n // 50, replace=False), "distance_km"] = np.nan
    orders.loc[rng.choice(n, n // 40, replace=False), "minutes_late"] = np.nan  # cancelled
    orders.loc[5, "distance_km"] = 900.0  # a typo: reported, and missing after prepare
    return {"orders": orders, "shops": shops}


def install(repo: Path, choose: bool = True, **source: object) -> None:
    """Write the dataset into a scratch repo as an adopter would, and choose its spec."""
    folder = repo / "data/source/orders"
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables(**source).items():  # type: ignore[arg-type]
        frame.to_csv(folder / f"{name}.csv", index=False)
    home = repo / "src/flight_delay/datasets/orders"
    home.mkdir(parents=True, exist_ok=True)
    (home / "schema.yaml").write_text(yaml.safe_dump(SCHEMA, sort_keys=False))
    (home / "hook.py").write_text(HOOK)
    spec = "# @package _global_\n" + yaml.safe_dump(SPEC, sort_keys=False)
    (repo / "conf/dataset/orders.yaml").write_text(spec)
    if choose:
        from tests.conftest import compose_into

        install_choice(repo)
        compose_into(repo)


def install_choice(repo: Path) -> None:
    """conf/config.yaml chooses the orders."""
    from tests.conftest import choose_dataset

    choose_dataset(repo / "conf", "orders")


def grouped_conf(target: Path) -> Path:
    """A copy of the repo's conf/ at `target` choosing the orders, their spec split into
    groups as the worked example's is (conf/data/orders.yaml, conf/label/late.yaml,
    conf/split/by_week.yaml, conf/features/orders_inputs.yaml, picked by the spec's
    defaults), beside the same spec in one file (conf/dataset/orders_inline.yaml): the
    tests of composition need both shapes, whatever the shipped examples are."""
    import shutil

    from tests.conftest import REPO_ROOT, choose_dataset

    shutil.copytree(REPO_ROOT / "conf", target)
    groups = {"data": "orders", "label": "late", "split": "by_week", "features": "orders_inputs"}
    for group, option in groups.items():
        (target / group).mkdir(exist_ok=True)
        (target / group / f"{option}.yaml").write_text(yaml.safe_dump(SPEC[group], sort_keys=False))
    rest = {k: v for k, v in SPEC.items() if k not in groups}
    defaults = [{f"/{group}": option} for group, option in groups.items()] + ["_self_"]
    (target / "dataset/orders.yaml").write_text(
        "# @package _global_\n" + yaml.safe_dump({"defaults": defaults} | rest, sort_keys=False)
    )
    (target / "dataset/orders_inline.yaml").write_text(
        "# @package _global_\n" + yaml.safe_dump(SPEC, sort_keys=False)
    )
    choose_dataset(target, "orders")
    return target


# SHAP values and many permutation rounds cost evaluate seconds a run: the tests that need
# them turn them on.
QUICK_EVALUATE = {"permutation_max_rows": 500, "permutation_repeats": 1, "shap_max_rows": 0}


def scratch_repo(
    target: Path, tracked: bool = True, conf_changes: dict[str, dict] | None = None
) -> Path:
    """A scratch copy of the repo (tests/conftest.make_scratch_repo) with the orders
    installed, chosen and committed, evaluate made quick, and `conf_changes` (conf/ file ->
    keys) applied; `tracked=False` turns MLflow off, for the tests that read nothing from it."""
    from tests.conftest import compose_into, make_scratch_repo, run

    changes: dict[str, dict] = {"evaluate/default.yaml": QUICK_EVALUATE}
    if not tracked:
        changes["tracking/local.yaml"] = {"enabled": False}
    repo = make_scratch_repo(target, changes, dataset=None, compose=False)  # composed below
    install(repo, choose=False)
    for name, values in (conf_changes or {}).items():
        from flight_delay.infra.params import edit_conf

        edit_conf(repo / "conf" / name, values)
    install_choice(repo)
    compose_into(repo)
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "the orders, as an adopter declares them")
    return repo


def hook() -> ModuleType:
    module = ModuleType("orders_hook")
    exec(compile(textwrap.dedent(HOOK), "orders/hook.py", "exec"), module.__dict__)  # noqa: S102
    return module


def spec():
    """The dataset as the machinery sees it (DatasetSpec), built in memory."""
    from flight_delay.core.schema import schema_from_mapping
    from flight_delay.datasets.home import build_home
    from flight_delay.datasets.spec import DatasetSpec
    from flight_delay.infra.config import DataConfig, LabelConfig

    module = hook()
    schema = schema_from_mapping(SCHEMA, getattr(module, "CHECKS", None))
    home = build_home(DataConfig.model_validate(SPEC["data"]), schema, module)
    return DatasetSpec.of(home, LabelConfig.model_validate(SPEC["label"]))


def raw_params() -> dict:
    """The orders' params as a plain dict, as `compose` would write them with the orders
    chosen: the repo's composition of conf/ (for the groups a spec does not set: model,
    tracking, ...) with this spec's sections."""
    from flight_delay.infra.params import compose_params
    from tests.conftest import REPO_ROOT

    raw = yaml.safe_load(compose_params(REPO_ROOT / "conf"))
    raw.pop("hypothesis", None)  # the chosen spec's, about its own groups
    for section, values in copy.deepcopy(SPEC).items():
        whole = section in ("data", "label", "split", "features")
        raw[section] = values if whole else raw[section] | values
    return raw


def config():
    """The orders' PipelineConfig, built in memory (raw_params)."""
    from flight_delay.infra.config import parse_config

    return parse_config(raw_params())


def features(root: Path) -> dict:
    """Each split's model inputs (and label, key, context), as `featurize` writes them,
    from the tables written under `root` and read as `ingest` reads them."""
    from flight_delay.datasets.preparation import features_of, prepared_splits, read_source_tables

    settings, dataset = config(), spec()
    folder = root / SPEC["data"]["source"]
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables().items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    raw = read_source_tables(settings.data, dataset.schema, root=root)
    prepared, _ = prepared_splits(raw, dataset, settings.split, settings.seed)
    return {
        name: features_of(frame, dataset, settings.features) for name, frame in prepared.items()
    }


def served_model(path: Path):
    """The model file as the service serves it (operate/served_model.from_file), with the
    orders' rules."""
    from flight_delay.infra.io import file_md5
    from flight_delay.infra.persistence import load_model
    from flight_delay.operate.served_model import ServedModel

    settings = config()
    metadata = {"artifact": settings.registry.artifact, "version": "workspace", "stage": "none",
                "source": str(path), "model_md5": file_md5(path)}  # fmt: skip
    return ServedModel(load_model(path), settings.evaluate.decision_threshold, spec(), metadata)
