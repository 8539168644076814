"""`make leftovers` after an adoption: a repo that chose its own dataset (tests/synthetic.py's
orders) still holds two examples the test writes itself (parcels, split in its own conf
file; berries, read from a Python package), and names them in its own text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from flight_delay.adoption.leftovers import PACKAGE, find_leftovers, main, render
from tests import synthetic
from tests.conftest import ARTIFACT, REPO_ROOT, choose_dataset

PARCELS = {
    "defaults": [{"/split": "by_fortnight"}, "_self_"],
    "data": synthetic.SPEC["data"] | {"dataset": "parcels", "source": "data/source/parcels",
                                      "files": {"parcels": "parcels.csv"}},
    "label": synthetic.SPEC["label"] | {"column": "delivered_late", "event": "lateness",
                                        "classes": ["in time", "delivered late"]},
    "features": synthetic.SPEC["features"],
}  # fmt: skip
BERRIES = {
    "data": {"dataset": "berries", "source": "package:berrydata", "files": {"crates": "c.csv"}},
    "label": {"column": "mouldy", "rule": "existing", "source": "mouldy", "missing": "drop",
              "classes": ["fresh", "mouldy"], "event": "mould"},
    "split": {"kind": "stratified", "valid_fraction": 0.2, "test_fraction": 0.2},
    "features": {"numeric": ["weight"], "categorical": []},
}  # fmt: skip
EXAMPLE_FILES = [
    f"src/{PACKAGE}/datasets/parcels/schema.yaml", "tests/data/parcels/test_parcels.py",
    "tests/parcels.py", "data/source/parcels/parcels.csv", "data/labels/parcels.csv",
    f"src/{PACKAGE}/datasets/berries/schema.yaml", "tests/model/berries/test_model.py",
]  # fmt: skip


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def adopted(tmp_path: Path) -> Path:
    """A repo (no git: every file counts) with the two examples and the adopter's orders."""
    conf = tmp_path / "conf"
    shutil.copytree(REPO_ROOT / "conf", conf)
    for spec in (conf / "dataset").glob("*.yaml"):  # the repo's own examples are not this test's
        spec.unlink()
    for name, spec in (("parcels", PARCELS), ("berries", BERRIES)):
        write(conf / f"dataset/{name}.yaml", "# @package _global_\n" + yaml.safe_dump(spec))
    split = synthetic.SPEC["split"]
    write(conf / "split/by_fortnight.yaml", yaml.safe_dump(split))
    for name in EXAMPLE_FILES:
        write(tmp_path / name, "example\n")
    synthetic.install(tmp_path)
    write(tmp_path / "tests/data/orders/test_orders.py", "# late orders, not delivered late\n")
    write(tmp_path / "docs/data-definition.md",
          "# Late orders\n\nWhich orders arrive late?\nUnlike parcels, orders are never mouldy.\n"
          "The shops' regions and items are ours.\n")  # fmt: skip
    registry = conf / "registry/default.yaml"
    registry.write_text(
        registry.read_text().replace(f"artifact: {ARTIFACT}", "artifact: parcels-model")
    )
    write(tmp_path / "README.md", "# orders\n\nThe parcels-model artifact is our model.\n")
    write(tmp_path / "data/source/README.md", "Land parcels.csv here.\n")
    return tmp_path


def test_the_unchosen_examples_files_and_names_in_your_text_are_listed(adopted):
    found = find_leftovers(adopted)
    assert found.chosen == "orders" and found.artifact == "parcels-model"
    examples = {example.spec: example for example in found.examples}
    assert set(examples) == {"parcels", "berries"}
    parcels, berries = examples["parcels"], examples["berries"]
    assert parcels.files == (
        "conf/dataset/parcels.yaml", "conf/split/by_fortnight.yaml",  # a group only it uses
        "data/labels/parcels.csv", "data/source/parcels/parcels.csv",
        f"src/{PACKAGE}/datasets/parcels/schema.yaml", "tests/data/parcels/test_parcels.py",
        "tests/parcels.py",
    )  # fmt: skip
    assert "conf/gate/default.yaml" not in parcels.files  # conf/config.yaml chooses it
    assert parcels.package is None and berries.package == "berrydata"
    assert "tests/model/berries/test_model.py" in berries.files
    assert not any("orders" in path for path in {*parcels.files, *berries.files})  # yours
    assert {"parcels", "delivered_late", "delivered late", "lateness"} <= set(parcels.names)
    named = found.mentions["parcels"]
    assert named["docs/data-definition.md"] == [(4, "Unlike parcels, orders are never mouldy.")]
    assert named["tests/data/orders/test_orders.py"] == [(1, "# late orders, not delivered late")]
    assert named["data/source/README.md"] == [(1, "Land parcels.csv here.")]
    assert "README.md" not in named  # `parcels-model` is the artifact, reported on its own
    assert "conf/dataset/orders.yaml" not in named  # its own names
    assert list(found.mentions["berries"]) == ["docs/data-definition.md"]  # mouldy
    report = render(found)
    assert "## `parcels` (home parcels): its files" in report
    assert "its data: the Python package `berrydata`" in report
    assert "docs/data-definition.md:4: Unlike parcels, orders are never mouldy." in report
    assert "The registry's artifact is `parcels-model`" in report


def test_names_your_dataset_uses_too_are_yours(adopted):
    spec = yaml.safe_load((adopted / "conf/dataset/berries.yaml").read_text().split("\n", 1)[1])
    spec["label"]["classes"] = ["fresh", "late"]  # `late`: the orders' label too
    spec["data"]["files"] = {"shops": "c.csv"}  # `shops`: one of the orders' tables
    write(adopted / "conf/dataset/berries.yaml", "# @package _global_\n" + yaml.safe_dump(spec))
    found = find_leftovers(adopted)
    berries = next(e for e in found.examples if e.spec == "berries")
    assert {"late", "shops"} <= set(berries.names)
    assert "docs/data-definition.md" in found.mentions["berries"]  # mouldy still
    assert all(
        "shops" not in line for _, line in found.mentions["berries"]["docs/data-definition.md"]
    )


def test_a_repo_with_one_spec_has_no_leftovers_of_others(adopted):
    for spec in ("parcels", "berries"):
        (adopted / f"conf/dataset/{spec}.yaml").unlink()
    report = render(find_leftovers(adopted))
    assert "No other dataset spec is left in conf/dataset/." in report


def test_a_chosen_spec_that_is_missing_is_named(adopted, capsys):
    choose_dataset(adopted / "conf", "penguins")
    assert main(["--root", str(adopted)]) == 2
    assert "chooses dataset 'penguins': no conf/dataset/penguins.yaml" in capsys.readouterr().err
    assert main(["--root", str(adopted / "nowhere")]) == 2


def test_make_leftovers_lists_the_homes_when_run_as_a_module(adopted):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "flight_delay.adoption.leftovers", "--root", str(adopted)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert f"  src/{PACKAGE}/datasets/parcels/schema.yaml\n" in done.stdout  # not __main__/
