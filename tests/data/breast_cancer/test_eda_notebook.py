"""The EDA notebook on the breast cancer data, a spec without a time order or a
hypothesis: it runs and says what it leaves out."""

from __future__ import annotations

import pytest

from flight_delay.curation import notebooks
from tests.conftest import ONE_THREAD
from tests.eda import ablation_aucs, workspace


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
