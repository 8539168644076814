"""Notebooks are committed without outputs; `strip` removes what `check` finds; the EDA
notebook runs on any spec's data: the flights (its hypothesis holds) and the breast cancer
data (no hypothesis), built in memory from the bundled tables, as CI has no pipeline outputs."""

from __future__ import annotations

import json
import re
import shutil
import sys

import nbformat
import pytest
from jupyter_client.manager import AsyncKernelManager

from flight_delay.core.ablation import feature_sets
from flight_delay.core.splits import SPLITS
from flight_delay.curation import notebooks
from flight_delay.infra.params import compose_params
from tests.conftest import ONE_THREAD, REPO_ROOT

COMMITTED = sorted((REPO_ROOT / notebooks.NOTEBOOKS_DIR).glob("*.ipynb"))


def workspace(root, spec: str, prepared: dict, features: dict) -> None:
    """What the notebook reads, as `make repro` of `spec` leaves it (but the plots)."""
    for folder, frames in (("prepared", prepared), ("features", features)):
        (root / "data" / folder).mkdir(parents=True)
        for split in SPLITS:
            frames[split].to_parquet(root / "data" / folder / f"{split}.parquet")
    (root / "params.yaml").write_text(compose_params(REPO_ROOT / "conf", (f"dataset={spec}",)))
    for name in ["dvc.yaml", str(notebooks.EDA_NOTEBOOK)]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / name, root / name)


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


def ablation_aucs(nb) -> dict[str, float]:
    """The ablation table the notebook displays (set and ROC AUC per row)."""
    cell = next(c for c in nb.cells if c.get("id") == "ablation-run")
    shown = next(o for o in cell.outputs if o.output_type == "execute_result")
    rows = re.findall(r"^\d+\s+(\S+)\s+([\d.]+)$", shown.data["text/plain"], re.MULTILINE)
    return {name: float(auc) for name, auc in rows}


@pytest.mark.e2e
def test_eda_notebook_runs_on_the_real_data(
    tmp_path, real_config, real_prepared, real_features, capsys, monkeypatch
):
    # the ablation on 30,000 training rows (14 s, not 40) reaches the same verdict
    for name, value in {"EDA_MAX_TRAIN_ROWS": "30000", **ONE_THREAD}.items():
        monkeypatch.setenv(name, value)
    workspace(tmp_path, "flights", real_prepared, real_features)
    before = set(tmp_path.rglob("*"))

    assert notebooks.run(tmp_path) == 0  # no cell failed

    executed = tmp_path / notebooks.EDA_EXECUTED
    # the notebook writes nothing; `run` writes the executed copy
    assert set(tmp_path.rglob("*")) - before == {executed, *executed.parents[:2]}
    nb = notebooks.read(executed)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)  # plots shown inline
    last = nb.cells[-1].outputs[-1].text.splitlines()[-1]
    assert last == "HYPOTHESIS: holds"  # as docs/data-definition.md reports
    assert capsys.readouterr().out.strip() == last
    aucs = ablation_aucs(nb)
    assert list(aucs) == list(feature_sets(real_config.features, real_config.hypothesis))
    assert list(aucs) == ["carrier_route", "carrier_route+schedule", "carrier_route+weather",
                          "carrier_route+schedule+weather", "all"]  # fmt: skip
    assert all(0.5 < auc < 1 for auc in aucs.values())
    assert aucs["all"] >= aucs["carrier_route"]
    assert "no plots/group_importance.csv: the evaluate stage writes it" in notebooks.printed(nb)


@pytest.mark.e2e
def test_eda_notebook_runs_on_a_spec_without_a_time_order_or_a_hypothesis(
    tmp_path, biopsy_config, biopsy_splits, capsys, monkeypatch
):
    for name, value in ONE_THREAD.items():
        monkeypatch.setenv(name, value)
    workspace(tmp_path, "breast_cancer", biopsy_splits, biopsy_splits)
    groups = biopsy_config.features.resolved_groups()
    (tmp_path / "plots").mkdir()
    rows = [f"{g},{' '.join(c)},0.0{i},0.001,0.{i}\n" for i, (g, c) in enumerate(groups.items())]
    (tmp_path / "plots/group_importance.csv").write_text(
        "group,columns,importance_mean,importance_std,mean_abs_shap\n" + "".join(rows)
    )
    (tmp_path / "plots/shap_importance.csv").write_text(
        "feature,mean_abs_shap\nworst_area,0.9\nmean_texture,0.5\n"
    )

    assert notebooks.run(tmp_path) == 0
    nb = notebooks.read(tmp_path / notebooks.EDA_EXECUTED)
    printed = notebooks.printed(nb)
    assert "split.kind is 'stratified': no time order" in printed
    assert "no categorical input" in printed
    assert nb.cells[-1].outputs[-1].text.splitlines()[-1].startswith("HYPOTHESIS: none declared")
    assert capsys.readouterr().out.strip().startswith("HYPOTHESIS: none declared")
    aucs = ablation_aucs(nb)
    assert list(aucs) == ["mean", "error", "worst", "all"]  # each group alone, then all
    assert all(0.8 < auc <= 1 for auc in aucs.values())
    assert "worst_area" in printed  # the SHAP table, with each feature's group


def test_the_kernel_is_this_interpreter_whatever_kernelspec_comes_first(tmp_path, monkeypatch):
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "other"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    assert AsyncKernelManager(kernel_name="python3").kernel_spec.argv[0] == argv[0]  # the default
    manager = notebooks._kernel_manager_class()(kernel_name="python3")
    assert manager.kernel_spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]
