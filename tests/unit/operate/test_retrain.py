from __future__ import annotations

import pandas as pd
import yaml

from flight_delay.infra.config import SplitConfig
from flight_delay.operate.retraining import extend_split, months_after, split_yaml

SPLIT = SplitConfig(train_months=[1, 2], valid_months=[3], test_months=[4])


def test_the_newest_window_is_the_months_after_the_test_months():
    flights = pd.DataFrame({"month": [1, 4, 5, 6, 6, 2]})
    assert months_after(flights, "month", SPLIT) == [5, 6]
    assert months_after(flights[flights["month"] <= 4], "month", SPLIT) == []


def test_the_window_moves_forward_by_one_step():
    moved = extend_split(SPLIT, [6, 5])
    assert moved == SplitConfig(train_months=[1, 2, 3], valid_months=[4], test_months=[5, 6])


def test_the_split_file_reads_back_as_the_same_split():
    text = split_yaml(SplitConfig(train_months=[1, 2, 3], valid_months=[4], test_months=[5]))
    assert text.startswith("# Time-ordered split")
    assert SplitConfig.model_validate(yaml.safe_load(text)) == SplitConfig(
        train_months=[1, 2, 3], valid_months=[4], test_months=[5])  # fmt: skip


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
