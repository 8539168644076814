"""`python -m flight_delay.gate` in a small git repo with planted metrics."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flight_delay.infra.params import edit_conf
from tests.conftest import REPO_ROOT, run


def plant(repo: Path, roc_auc: float) -> None:
    target = repo / "metrics/metrics.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"test": {"roc_auc": roc_auc}, "valid": {"roc_auc": 0.6}}))


@pytest.fixture
def repo(tmp_path):
    """main holds metrics with test ROC AUC 0.70; the gate allows a 0.005 drop, floor 0.68."""
    shutil.copy(REPO_ROOT / "params.yaml", tmp_path / "params.yaml")
    edit_conf(
        tmp_path / "params.yaml",
        {
            "gate": {
                "metric": "roc_auc",
                "split": "test",
                "tolerance": 0.005,
                "floor": 0.68,
                "floor_over_baseline": None,
            }
        },  # whatever the chosen spec sets
    )
    plant(tmp_path, 0.70)
    run(tmp_path, "git", "init", "-q", "-b", "main")
    run(tmp_path, "git", "add", "-A")
    run(tmp_path, "git", "commit", "-qm", "base")
    return tmp_path


def gate(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flight_delay.pr.gate", *args], cwd=repo, capture_output=True,
        text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(repo), **env},
    )  # fmt: skip


def test_passes_within_tolerance(repo):
    plant(repo, 0.697)
    done = gate(repo)
    assert done.returncode == 0, done.stderr
    assert "gate: PASS test.roc_auc 0.7000 -> 0.6970 (-0.0030, tolerance 0.005)" in done.stdout


def test_fails_with_one_line_naming_metric_drop_and_threshold(repo):
    plant(repo, 0.69)
    done = gate(repo)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "gate: FAIL test.roc_auc 0.7000 -> 0.6900 (-0.0100); "
        "a regression of more than the tolerance 0.005 is not allowed"
    )
    on_github = gate(repo, GITHUB_ACTIONS="true")  # the line also annotates the PR's checks
    annotation = on_github.stdout.splitlines()[-1]
    assert annotation.startswith("::error title=Quality gate::gate: FAIL test.roc_auc")
    # no model files here: no interval, said so, and the point estimates compared
    assert "gate: note: no interval: could not score both models on the same rows" in (done.stdout)


def test_fails_under_the_floor(repo):
    plant(repo, 0.60)
    run(repo, "git", "commit", "-qam", "weak base")
    plant(repo, 0.601)  # better than the base, still under the floor
    done = gate(repo)
    assert done.returncode == 1
    assert "gate: FAIL test.roc_auc = 0.6010 is worse than the floor 0.68" in done.stderr


def test_passes_with_a_note_without_a_baseline(repo):
    plant(repo, 0.69)
    done = gate(repo, "--base", "no-such-branch")
    assert done.returncode == 0
    assert "git does not know `no-such-branch`; no baseline" in done.stdout
    assert "(no baseline to compare with)" in done.stdout


def test_base_without_metrics_is_no_baseline(repo):
    run(repo, "git", "checkout", "-qb", "empty")
    run(repo, "git", "rm", "-q", "metrics/metrics.json")
    run(repo, "git", "commit", "-qm", "no metrics")
    plant(repo, 0.69)
    done = gate(repo, "--base", "empty")
    assert done.returncode == 0 and "`empty` has no metrics" in done.stdout


def test_missing_workspace_metrics_fail_clearly(repo):
    (repo / "metrics/metrics.json").unlink()
    done = gate(repo)
    assert done.returncode == 1
    assert "no metrics/metrics.json in the workspace; run `dvc repro` first" in done.stderr


def set_gate(repo: Path, **gate) -> None:
    edit_conf(repo / "params.yaml", {"gate": {"metric": "roc_auc", "split": "test", **gate}})


def test_a_pr_cannot_loosen_the_gate_it_is_judged_by(repo):
    set_gate(repo, tolerance=0.02, floor=None)
    plant(repo, 0.69)
    done = gate(repo)
    assert done.returncode == 1 and "tolerance 0.005" in done.stderr
    assert "thresholds from `main`; this PR's new ones apply once merged" in done.stdout


def test_thresholds_committed_on_the_base_apply(repo):
    set_gate(repo, tolerance=0.02, floor=None)
    run(repo, "git", "commit", "-qam", "looser gate")
    plant(repo, 0.69)
    done = gate(repo)
    assert done.returncode == 0 and "tolerance 0.02" in done.stdout


def test_without_a_baseline_the_workspace_thresholds_apply(repo):
    set_gate(repo, tolerance=0.0, floor=0.695)
    plant(repo, 0.69)
    done = gate(repo, "--base", "no-such-branch")
    assert done.returncode == 1 and "worse than the floor 0.695" in done.stderr


def test_an_invalid_gate_section_is_named(repo):
    set_gate(repo, tolerance=-1)
    run(repo, "git", "commit", "-qam", "broken gate")
    done = gate(repo)
    assert done.returncode == 1
    assert (
        "gate: FAIL invalid gate thresholds in params.yaml (gate.tolerance: Input should be"
        in done.stderr
    )
