"""Bad source data stops `dvc repro` at `validate`, names the problem, and loses nothing.

The source is the tests' own dataset (tests/synthetic.py), a folder of files as a user's
own data would be, its orders zipped; each case plants one defect there and runs the
whole pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from flight_delay.infra.io import file_md5
from tests import synthetic
from tests.conftest import lock_stage, ran_stages, run

pytestmark = pytest.mark.e2e
PROTECTED = ["data/prepared", "data/features", "models/model.skops", "metrics/metrics.json"]
DOWNSTREAM = ["validate", "prepare", "featurize", "train", "evaluate"]
SOURCE = "data/source/orders"
SOURCE_FILES = {"orders": "orders.csv.zip", "shops": "shops.csv"}


def fingerprint(repo: Path) -> dict[str, str]:
    paths = [p for name in PROTECTED for p in sorted((repo / name).glob("**/*")) or [repo / name]]
    return {str(p.relative_to(repo)): file_md5(p) for p in paths if p.is_file()}


@pytest.fixture(scope="module")
def good_repo(tmp_path_factory):
    """A scratch repo that reads the orders from a zipped CSV and has run once."""
    conf = {"dataset/orders.yaml": {"data": {"files": SOURCE_FILES}}}
    repo = synthetic.scratch_repo(tmp_path_factory.mktemp("bad_input"), False, conf)
    source = repo / SOURCE
    pd.read_csv(source / "orders.csv").to_csv(source / "orders.csv.zip", index=False)
    (source / "orders.csv").unlink()
    run(repo, "dvc", "repro")
    good = {name: (source / name).read_bytes() for name in SOURCE_FILES.values()}
    return repo, good


def orders_csv(repo: Path) -> pd.DataFrame:
    return pd.read_csv(repo / SOURCE / "orders.csv.zip")


def write_orders(repo: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(repo / SOURCE / "orders.csv.zip", index=False)


def set_value(column: str, value) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def plant(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.astype({column: object})
        frame.loc[10, column] = value
        return frame

    return plant


# One of each kind end to end (a column, a value, a cross-row rule, a broken file); every
# class of violation is also checked on hand-made frames in tests/unit/test_validate.py
# and test_ingest.py, at a fraction of the cost of a `dvc repro` each.
FRAME_DEFECTS = {
    "missing column": (lambda f: f.drop(columns=["weekday"]),
                       "orders: missing column(s) ['weekday']"),
    "wrong dtype": (set_value("items", "many"), "orders.items: dtype is str"),
    "duplicate key rows": (lambda f: pd.concat([f, f.head(3)]), "orders: 6 rows share a key"),
}  # fmt: skip


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


FILE_DEFECTS = {
    "truncated file": (truncate, "cannot be parsed (BadZipFile"),
}


def plant_and_repro(repo: Path, good: dict, plant: Callable[[Path], None]):
    for name, content in good.items():
        (repo / SOURCE / name).write_bytes(content)
    before_files, before_lock = fingerprint(repo), {s: lock_stage(repo, s) for s in DOWNSTREAM}
    plant(repo)
    done = run(repo, "dvc", "repro", check=False)
    return done, before_files, before_lock


@pytest.mark.parametrize("case", [*FRAME_DEFECTS, *FILE_DEFECTS])
def test_bad_source_stops_at_validate_and_keeps_outputs(good_repo, case):
    repo, good = good_repo
    if case in FRAME_DEFECTS:
        defect, expected = FRAME_DEFECTS[case]
        plant = lambda r: write_orders(r, defect(orders_csv(r)))  # noqa: E731
    else:
        damage, expected = FILE_DEFECTS[case]
        plant = lambda r: damage(r / SOURCE / "orders.csv.zip")  # noqa: E731
    done, before_files, before_lock = plant_and_repro(repo, good, plant)

    assert done.returncode != 0
    assert "failed to reproduce 'validate'" in done.stderr
    assert expected in done.stderr
    assert not ran_stages(done) & {"prepare", "featurize", "train", "evaluate"}
    assert fingerprint(repo) == before_files
    assert {s: lock_stage(repo, s) for s in DOWNSTREAM} == before_lock
    report = json.loads((repo / "reports/validation.json").read_text())
    assert report["passed"] is False
    assert any(expected in e["message"] for e in report["tables"]["orders"]["errors"])


def test_fixing_the_source_recovers_without_retraining(good_repo):
    repo, good = good_repo
    done, before_files, _ = plant_and_repro(repo, good, lambda r: None)
    assert done.returncode == 0, done.stderr
    assert not ran_stages(done) & {"prepare", "featurize", "train", "evaluate"}
    assert fingerprint(repo) == before_files
