from __future__ import annotations

import pandas as pd
import pytest
import yaml

from flight_delay.infra.config import OrderedSplit, ShuffledSplit
from flight_delay.operate.retraining import (
    RetrainError,
    extend_split,
    ordered,
    split_yaml,
    values_after,
)


def months(train: list, valid: list, test: list, column: str = "month") -> OrderedSplit:
    return OrderedSplit(kind="ordered", column=column, train=train, valid=valid, test=test)


SPLIT = months([1, 2], [3], [4])


def test_the_newest_window_is_the_values_after_the_test_values():
    flights = pd.DataFrame({"month": [1, 4, 5, 6, 6, 2]})
    assert values_after(flights, SPLIT) == [5, 6]
    assert values_after(flights[flights["month"] <= 4], SPLIT) == []
    years = pd.DataFrame({"year": ["2019", "2021", "2020", "2022"]})
    assert values_after(years, months(["2019"], ["2020"], ["2021"], "year")) == ["2022"]


def test_the_window_moves_forward_by_one_step():
    assert extend_split(SPLIT, [6, 5]) == months([1, 2, 3], [4], [5, 6])


def test_the_split_file_reads_back_as_the_same_split():
    text = split_yaml(months([1, 2, 3], [4], [5]))
    assert text.startswith("# Time-ordered split")
    assert OrderedSplit.model_validate(yaml.safe_load(text)) == months([1, 2, 3], [4], [5])


def test_a_split_without_a_time_order_cannot_move_forward():
    shuffled = ShuffledSplit(kind="stratified", valid_fraction=0.2, test_fraction=0.2)
    with pytest.raises(RetrainError, match="split.kind is 'stratified': retraining on a newer"):
        ordered(shuffled)


def test_a_retraining_pr_carries_every_output_kept_in_git(repo_root):
    """Each `cache: false` output of dvc.yaml changes with the window: the PR commits it
    and the workflow keeps it."""
    import yaml

    from flight_delay.operate.retrain import PR_PATHS

    stages = yaml.safe_load((repo_root / "dvc.yaml").read_text())["stages"]
    kept = [
        path
        for stage in stages.values()
        for entry in [*stage.get("outs", []), *stage.get("metrics", [])]
        if isinstance(entry, dict)
        for path, options in entry.items()
        if options.get("cache") is False and not options.get("persist")
    ]
    workflow = yaml.safe_load((repo_root / ".github/workflows/retrain.yml").read_text())
    steps = workflow["jobs"]["retrain"]["steps"]
    uploaded = next(s["with"]["path"] for s in steps if "upload-artifact" in s.get("uses", ""))
    listed = [line.strip() for line in uploaded.splitlines() if line.strip()]
    for path in kept:
        if path == "params.ready":  # compose's stamp: the same text on every run
            continue
        assert any(path == p or path.startswith(p.rstrip("/") + "/") for p in PR_PATHS), path
        assert any(path == line or path.startswith(line) for line in listed if line), path
