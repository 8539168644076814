"""Notebooks are committed without outputs; `strip` removes what `check` finds; the kernel
is this interpreter. That the EDA notebook runs on a dataset's data is each dataset's own
test (tests/data/<home>/test_eda_notebook.py, with tests/eda.py)."""

from __future__ import annotations

import json
import shutil
import sys

import nbformat
import pytest
from jupyter_client.manager import AsyncKernelManager

from flight_delay.curation import notebooks
from tests.conftest import REPO_ROOT

COMMITTED = sorted((REPO_ROOT / notebooks.NOTEBOOKS_DIR).glob("*.ipynb"))


def test_the_eda_notebook_is_committed():
    assert REPO_ROOT / notebooks.EDA_NOTEBOOK in COMMITTED


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_committed_notebooks_carry_no_outputs(path):
    nb = notebooks.read(path)
    assert notebooks.leftovers(nb) == []
    assert path.read_text(encoding="utf-8") == notebooks.canonical_text(nb)  # as strip writes it
    assert nb.metadata.kernelspec.name == "python3"


def test_check_names_what_a_notebook_carries_and_strip_removes_it(tmp_path, monkeypatch, capsys):
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    folder = tmp_path / notebooks.NOTEBOOKS_DIR
    folder.mkdir()
    shutil.copy(REPO_ROOT / notebooks.EDA_NOTEBOOK, folder / "clean.ipynb")
    nb = notebooks.read(folder / "clean.ipynb")
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="planted\n")]
    cell.execution_count = 7
    cell.metadata["execution"] = {"shell.execute_reply": "2013-01-01T00:00:00Z"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"m": {}}}}
    nbformat.write(nb, folder / "planted.ipynb")
    monkeypatch.chdir(folder)  # the root is found above the working directory
    monkeypatch.delenv(notebooks.ROOT_ENV, raising=False)

    assert notebooks.main(["check"]) == 1
    err = capsys.readouterr().err
    assert (
        "notebooks/planted.ipynb carries outputs (1), execution counts (1), run timings (1), "
        "widget state"
    ) in err
    assert "clean.ipynb" not in err

    assert notebooks.main(["strip"]) == 0
    assert notebooks.main(["check"]) == 0
    assert (folder / "planted.ipynb").read_text() == (folder / "clean.ipynb").read_text()
    assert notebooks.strip_notebooks(sorted(folder.glob("*.ipynb"))) == []  # idempotent


def test_the_root_is_found_from_a_subfolder_or_the_environment(tmp_path, monkeypatch):
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.delenv(notebooks.ROOT_ENV, raising=False)
    assert notebooks.find_root(tmp_path / "a" / "b") == tmp_path.resolve()
    monkeypatch.setenv(notebooks.ROOT_ENV, str(tmp_path / "a"))
    assert notebooks.find_root() == (tmp_path / "a").resolve()


def test_the_kernel_is_this_interpreter_whatever_kernelspec_comes_first(tmp_path, monkeypatch):
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "other"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    assert AsyncKernelManager(kernel_name="python3").kernel_spec.argv[0] == argv[0]  # the default
    manager = notebooks._kernel_manager_class()(kernel_name="python3")
    assert manager.kernel_spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]
