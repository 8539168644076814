"""`copier update` of a project made from one version of the template (a git tag) to the
next, in scratch repos: the project keeps its own edits (its spec, hook, docs, tests),
receives the template's changes to the machinery, and a line both changed comes back as
a conflict to resolve, never silently one side."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml
from copier import run_copy, run_update

from flight_delay.adoption.leftovers import example_files
from tests.conftest import REPO_ROOT, run
from tests.template.conftest import ANSWERS_FILE, template_files
from tests.tickets import tickets

pytestmark = pytest.mark.filterwarnings("ignore::copier.errors.DirtyLocalWarning")

CORE = "src/flight_delay/core/metrics.py"  # machinery: the template's to change
SPEC = "conf/dataset/flights.yaml"  # the project's own: its dataset spec
HOOK = "src/flight_delay/datasets/nycflights13/hook.py"
DOC = "docs/data-definition.md"
OWN_TEST = "tests/data/nycflights13/test_real_data.py"


def commit(repo: Path, message: str, tag: str | None = None) -> None:
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", message)
    if tag:
        run(repo, "git", "tag", tag)


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.fixture
def template(tmp_path) -> Path:
    """The template as a git repository with one tag, v1.0.0: this checkout's files."""
    target = tmp_path / "template"
    for name in template_files():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target / name)
    run(target, "git", "init", "-q", "-b", "main")
    commit(target, "template v1.0.0", tag="v1.0.0")
    return target


@pytest.fixture
def project(tmp_path, template) -> Path:
    """A project made from v1.0.0 with its own artifact name, committed (its `git init`
    task done here; its `make params` task skipped: the update never reads params.yaml)."""
    target = tmp_path / "project"
    answers = {"project_name": "ticket-desk", "artifact_name": "escalation"}
    run_copy(str(template), target, data=answers, defaults=True, unsafe=True, quiet=True,
             skip_tasks=True)  # fmt: skip
    run(target, "git", "init", "-q", "-b", "main")
    commit(target, "start from the template")
    return target


def update(project: Path) -> None:
    run_update(project, defaults=True, unsafe=True, overwrite=True, skip_answered=True,
               quiet=True)  # fmt: skip


def conflicts(project: Path) -> list[str]:
    """Files with Copier's inline conflict markers or a rejected patch."""
    marked = run(project, "git", "grep", "-l", "-e", "^<<<<<<< ", check=False).stdout.split()
    rejected = [p.relative_to(project).as_posix() for p in project.rglob("*.rej")]
    return sorted(marked + rejected)


def test_update_keeps_the_projects_edits_and_brings_the_machinery(template, project):
    # the project's own edits: its spec, hook, data definition and a dataset test
    own = {SPEC: "\n# ours: reviewed with the operations team\n",
           HOOK: "\n# ours: a note on the joins\n", DOC: "\nOurs: what the label means here.\n",
           OWN_TEST: "\n# ours: one more check to come\n"}  # fmt: skip
    for path, text in own.items():
        append(project / path, text)
    commit(project, "our own edits")
    # the template's next version: a machinery fix, a new module, a dvc.yaml change
    append(template / CORE, "\n# template v1.1.0: a fix in the machinery\n")
    (template / "src/flight_delay/core/added.py").write_text('"""New in v1.1.0."""\n')
    dvc_yaml = (template / "dvc.yaml").read_text()
    (template / "dvc.yaml").write_text(
        dvc_yaml.replace(
            "\nartifacts:\n", "\n# template v1.1.0: artifacts, commented\nartifacts:\n"
        )
    )
    commit(template, "template v1.1.0", tag="v1.1.0")

    update(project)

    assert conflicts(project) == []
    for path, text in own.items():
        assert (project / path).read_text().endswith(text), f"{path}: the project's edit is lost"
    assert (project / CORE).read_text().endswith("# template v1.1.0: a fix in the machinery\n")
    assert (project / "src/flight_delay/core/added.py").is_file()
    dvc_yaml = (project / "dvc.yaml").read_text()
    assert "# template v1.1.0: artifacts, commented\nartifacts:\n  escalation:\n" in dvc_yaml
    answers = yaml.safe_load((project / ANSWERS_FILE).read_text())
    assert answers["_commit"] == "v1.1.0" and answers["artifact_name"] == "escalation"
    changed = set(run(project, "git", "diff", "--name-only", "HEAD").stdout.split())
    untracked = set(run(project, "git", "ls-files", "-o", "--exclude-standard").stdout.split())
    assert changed == {CORE, "dvc.yaml", ANSWERS_FILE}, changed
    assert untracked == {"src/flight_delay/core/added.py"}, untracked


def test_a_line_both_changed_is_a_conflict_to_resolve(template, project):
    makefile = (project / "Makefile").read_text()
    line = "TEST_WORKERS ?= 3\n"
    assert line in makefile
    (project / "Makefile").write_text(makefile.replace(line, "TEST_WORKERS ?= 4\n"))
    commit(project, "ours: four test workers")
    text = (template / "Makefile").read_text()
    (template / "Makefile").write_text(text.replace(line, "TEST_WORKERS ?= 2\n"))
    append(template / CORE, "\n# template v1.1.0\n")
    commit(template, "template v1.1.0", tag="v1.1.0")

    update(project)

    assert conflicts(project) == ["Makefile"]
    merged = (project / "Makefile").read_text()
    ours, theirs = "TEST_WORKERS ?= 4\n", "TEST_WORKERS ?= 2\n"
    assert f"<<<<<<< before updating\n{ours}=======\n{theirs}>>>>>>> after updating\n" in merged
    assert (project / CORE).read_text().endswith("# template v1.1.0\n")  # the rest applied


def test_a_project_from_a_csv_keeps_its_draft_and_never_gets_the_examples_back(tmp_path, template):
    csv = tmp_path / "tickets.csv"
    tickets(300).to_csv(csv, index=False)
    project = tmp_path / "csv-project"
    answers = {"dataset": "csv", "csv": str(csv), "label": "resolution", "positive": "escalated"}
    run_copy(str(template), project, data=answers, defaults=True, unsafe=True, quiet=True,
             skip_tasks=True)  # fmt: skip
    run(project, "git", "init", "-q", "-b", "main")
    # its `make draft` task, run with this interpreter on the project's own code
    run(project, sys.executable, "-m", "flight_delay.adoption.draft", "--csv", str(csv),
        "--label", "resolution", "--positive", "escalated")  # fmt: skip
    commit(project, "start from a CSV")
    drafted = ["conf/dataset/tickets.yaml", "src/flight_delay/datasets/tickets/schema.yaml",
               DOC, "tests/data/tickets/test_tickets_data.py"]  # fmt: skip
    before = {path: (project / path).read_text() for path in drafted}
    # v1.1.0 changes the machinery, an example's test and the example's definition
    append(template / CORE, "\n# template v1.1.0: a fix in the machinery\n")
    append(template / OWN_TEST, "\n# template v1.1.0: the example's test\n")
    append(template / DOC, "\nTemplate v1.1.0: the flights' definition.\n")
    commit(template, "template v1.1.0", tag="v1.1.0")

    update(project)

    assert conflicts(project) == []
    assert (project / CORE).read_text().endswith("# template v1.1.0: a fix in the machinery\n")
    assert {path: (project / path).read_text() for path in drafted} == before
    assert not [path for path in example_files(template) if (project / path).exists()]
