"""`copier copy` of this repo: with the default answers it gives back the repo's own files
byte for byte (so the example and the template cannot drift apart); other answers change
exactly the files they name; starting from your own CSV leaves the examples behind."""

from __future__ import annotations

import os
import re
import stat

import pytest
import yaml
from copier import run_copy

from flight_delay.adoption.draft import DEFINITION
from flight_delay.adoption.leftovers import example_files, example_paths
from flight_delay.infra.params import compose_params
from tests.conftest import REPO_ROOT
from tests.template.conftest import ANSWERS_FILE, not_rendered, project_files, template_files

# A checkout with changes renders them, and Copier warns; CI renders a clean clone.
pytestmark = pytest.mark.filterwarnings("ignore::copier.errors.DirtyLocalWarning")

# An `_exclude` line of copier.yml that applies to a project from its own CSV only.
CSV_ONLY = re.compile(r"\{% if dataset == 'csv' %\}(.+)\{% endif %\}")

# The files whose `.jinja` sibling renders answers into them.
ANSWERED = ["README.md", "conf/config.yaml", "conf/registry/default.yaml",
            "conf/tracking/local.yaml", "dvc.yaml"]  # fmt: skip


def render(target, skip_tasks: bool = True, **answers):
    run_copy(str(REPO_ROOT), target, data=answers, defaults=True, unsafe=True,
             vcs_ref="HEAD", quiet=True, skip_tasks=skip_tasks)  # fmt: skip
    return target


def executable(path) -> bool:
    return bool(os.stat(path).st_mode & stat.S_IXUSR)


def test_default_answers_give_back_this_repo_file_for_file(tmp_path):
    project = render(tmp_path / "project", skip_tasks=False)
    expected = [path for path in template_files() if not not_rendered(path)]
    assert project_files(project) == sorted([*expected, ANSWERS_FILE])
    differ = [path for path in expected
              if (project / path).read_bytes() != (REPO_ROOT / path).read_bytes()
              or executable(project / path) != executable(REPO_ROOT / path)]  # fmt: skip
    assert differ == [], f"rendered with the defaults, these differ from the repo: {differ}"
    answers = yaml.safe_load((project / ANSWERS_FILE).read_text())
    assert answers["dataset"] == "flights" and answers["artifact_name"] == "flight-delay"
    assert answers["_src_path"] == str(REPO_ROOT) and answers["_commit"]
    assert "example_files" not in answers  # computed, not asked
    assert (project / ".git").is_dir(), "the copy task makes the project a git repository"


def test_every_jinja_file_renders_a_tracked_file():
    sources = [path for path in template_files() if path.endswith(".jinja")]
    targets = sorted(path.removesuffix(".jinja") for path in sources if "{{" not in path)
    assert targets == sorted(ANSWERED)
    for target in targets:
        assert (REPO_ROOT / target).is_file(), f"{target}.jinja renders a file the repo lacks"


def test_answers_name_the_project_artifact_and_dataset(tmp_path):
    project = render(tmp_path / "project", project_name="ticket-desk",
                     artifact_name="escalation", dataset="breast_cancer")  # fmt: skip
    kept = [path for path in template_files() if not not_rendered(path)]
    changed = [
        path for path in kept if (project / path).read_bytes() != (REPO_ROOT / path).read_bytes()
    ]
    assert changed == sorted(ANSWERED)
    params = yaml.safe_load(compose_params(project / "conf", ()))
    assert params["registry"]["artifact"] == "escalation"
    assert params["tracking"]["experiment_name"] == "ticket-desk"
    assert params["data"]["dataset"] == "breast_cancer"
    assert list(yaml.safe_load((project / "dvc.yaml").read_text())["artifacts"]) == ["escalation"]
    title = (project / "README.md").read_text().splitlines()[0]
    assert title == "# ticket-desk: a reproducible ML project, made from the flight-delay template"


def test_own_csv_leaves_the_examples_behind(tmp_path):
    exclude = yaml.safe_load((REPO_ROOT / "copier.yml").read_text())["_exclude"]
    only_csv = sorted(m.group(1) for m in map(CSV_ONLY.fullmatch, exclude) if m)
    assert only_csv == sorted([*example_paths(REPO_ROOT), DEFINITION]), (
        "copier.yml's `_exclude` does not leave out exactly the examples' files: paste in "
        "what `python -m flight_delay.adoption.leftovers --examples` prints"
    )
    project = render(tmp_path / "project", dataset="csv", csv="/data/mine.csv", label="y")
    examples = example_files(REPO_ROOT)
    rendered = set(project_files(project))
    assert not rendered & set(examples)
    assert DEFINITION not in rendered  # the flights' definition: make draft writes yours
    kept = [path for path in template_files()
            if not not_rendered(path) and path not in examples and path != DEFINITION]  # fmt: skip
    assert sorted(rendered - {ANSWERS_FILE}) == kept
    folders = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_dir()}
    assert (
        not {"conf/data", "src/flight_delay/datasets/nycflights13", "tests/data/nycflights13"}
        & folders
    )


@pytest.mark.parametrize(
    ("answers", "refusal"),
    [
        ({"project_name": "Ticket Desk"}, "lowercase letters, digits and dashes"),
        ({"artifact_name": "escalation_model"}, "GTO's artifact names"),
        ({"dataset": "csv", "csv": "mine.csv", "label": "y"}, "an absolute path"),
        ({"dataset": "csv", "csv": "/data/mine.csv"}, "the name of the label column"),
        ({"dataset": "csv", "csv": "/data/$HOME.csv", "label": "y"}, "a path without"),
        (
            {"dataset": "csv", "csv": "/data/m.csv", "label": "y", "positive": "yes", "above": "3"},
            "either positive or above",
        ),
        (
            {"dataset": "csv", "csv": "/data/m.csv", "label": "y", "above": "3 days"},
            "above must be a number",
        ),
        (
            {"dataset": "csv", "csv": "/data/2024-churn.csv", "label": "y"},
            'the dataset\'s name "2024_churn" must be lowercase',
        ),
        (
            {"dataset": "csv", "csv": "/data/m.csv", "label": "y", "name": "Churn"},
            'the dataset\'s name "Churn" must be',
        ),
    ],
)
def test_bad_answers_are_refused_naming_the_rule(tmp_path, answers, refusal):
    with pytest.raises(ValueError, match=refusal):
        render(tmp_path / "project", **answers)
    assert not (tmp_path / "project").exists()
