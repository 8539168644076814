"""A new project from one CSV, as a user makes it: `copier copy` with a CSV the test writes
(numbers and categories, missing values, a date, an identifier, a month to split by, an
outcome that gives the label away), then, in the project, the README's two commands:
`make repro` runs the pipeline on the drafted spec, and `make test TESTS=...` runs the
project's tests that differ from the template's: its drafted dataset tests, the repo's
checks (lint of the drafted code, dvc.lock against the code, the architecture) and its
maturity. The rest of its suite is the template's own tests, byte for byte
(test_render.py), which this suite runs; the whole `make test` of such a project on a
fresh clone is measured by hand (docs/template.md)."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml

from tests.conftest import REPO_ROOT, run
from tests.template.conftest import ANSWERS_FILE, template_files
from tests.tickets import tickets

pytestmark = [pytest.mark.e2e,
              pytest.mark.filterwarnings("ignore::copier.errors.DirtyLocalWarning")]  # fmt: skip

# Its drafted tests, the repo's checks and its maturity: what differs from the template's
# own run (mypy is left out: it checks src/, which is the template's byte for byte).
PROJECT_TESTS = ("tests/data/tickets tests/model/tickets tests/repo tests/unit/maturity "
                 "--ignore=tests/repo/test_types.py")  # fmt: skip


def uv() -> str:
    """The uv the template's own `make` uses (so the project does not bootstrap another)."""
    found = REPO_ROOT / ".uv/bin/uv"
    return str(found) if found.is_file() else shutil.which("uv") or "uv"


# How the test makes a project's environment: the template's uv, and no bytecode compiled
# at install (15,000 files, for processes that each run once here).
MAKE_ENV = {"UV": uv(), "VIRTUAL_ENV": "", "UV_COMPILE_BYTECODE": "0"}


def test_a_csv_becomes_a_project_that_runs_and_passes_its_tests(tmp_path):
    csv = tmp_path / "tickets.csv"
    frame = tickets(600)
    frame.loc[::17, "channel"] = None  # a categorical input with missing values too
    frame.to_csv(csv, index=False)
    project = tmp_path / "ticket-desk"
    env = MAKE_ENV
    answers = [f"--data={k}={v}" for k, v in {
        "project_name": "ticket-desk", "dataset": "csv", "csv": str(csv),
        "label": "resolution", "positive": "escalated", "split": "month"}.items()]  # fmt: skip
    copied = run(tmp_path, "copier", "copy", "--trust", "--defaults", "--vcs-ref", "HEAD",
                 *answers, str(REPO_ROOT), str(project), env=env)  # fmt: skip
    said = copied.stdout + copied.stderr
    assert "WARNING escalation_cost: listed as leakage" in said
    assert "Review what `make draft` wrote" in said

    files = set(template_files(project))  # what git would take: not .venv, not outputs
    drafted = {"conf/dataset/tickets.yaml", "src/flight_delay/datasets/tickets/schema.yaml",
               "data/source/tickets.csv", "docs/data-definition.md",
               "tests/data/tickets/test_tickets_data.py",
               "tests/model/tickets/test_model_quality.py"}  # fmt: skip
    assert drafted <= files, drafted - files
    assert not [f for f in files if "nycflights13" in f or "breast_cancer" in f]
    assert "  - dataset: tickets" in (project / "conf/config.yaml").read_text()
    answers_file = yaml.safe_load((project / ANSWERS_FILE).read_text())
    assert answers_file["csv"] == str(csv) and answers_file["dataset"] == "csv"
    assert (project / ".git").is_dir()

    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-qm", "Start from the template")
    clean = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    project_env = {**env, "PATH": clean["PATH"], "PYTHONPATH": ""}
    run(project, "make", "repro", env=project_env)
    metrics = json.loads((project / "metrics/metrics.json").read_text())
    assert metrics["test"]["roc_auc"] > 0.6, metrics["test"]  # words and phone drive it
    tested = run(project, "make", "test", f"TESTS={PROJECT_TESTS}", "TEST_WORKERS=2",
                 env=project_env, check=False)  # fmt: skip
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-2000:]
    assert " passed" in tested.stdout and "failed" not in tested.stdout


def test_a_bad_answer_about_the_csv_stops_the_copy_naming_the_column_and_leaves_nothing(
    tmp_path,
):
    csv = tmp_path / "tickets.csv"
    tickets(60).to_csv(csv, index=False)
    project = tmp_path / "ticket-desk"
    answers = [f"--data={k}={v}" for k, v in {
        "dataset": "csv", "csv": str(csv), "label": "resolved_by"}.items()]  # fmt: skip
    done = run(tmp_path, "copier", "copy", "--trust", "--defaults", "--vcs-ref", "HEAD",
               *answers, str(REPO_ROOT), str(project), env=MAKE_ENV,
               check=False)  # fmt: skip
    assert done.returncode != 0
    assert "label column 'resolved_by' is not in the CSV" in done.stderr, done.stderr[-2000:]
    assert not project.exists(), "a failed copy leaves no half-made project"


def test_an_example_with_other_answers_has_its_params_composed_at_copy(tmp_path):
    project = tmp_path / "biopsies"
    answers = [f"--data={k}={v}" for k, v in {
        "project_name": "biopsies", "artifact_name": "malignancy",
        "dataset": "breast_cancer"}.items()]  # fmt: skip
    run(tmp_path, "copier", "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", *answers,
        str(REPO_ROOT), str(project), env=MAKE_ENV)  # fmt: skip
    params = yaml.safe_load((project / "params.yaml").read_text())
    assert params["data"]["dataset"] == "breast_cancer"
    assert params["registry"]["artifact"] == "malignancy"
    assert params["tracking"]["experiment_name"] == "biopsies"
    assert (project / ".git").is_dir()
