"""The EDA notebook on the flights (built in memory from the bundled tables, as CI has no
pipeline outputs): it runs, writes nothing, and the hypothesis of
docs/data-definition.md holds."""

from __future__ import annotations

import pytest

from flight_delay.core.ablation import feature_sets
from flight_delay.curation import notebooks
from tests.conftest import ONE_THREAD
from tests.eda import ablation_aucs, workspace


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
