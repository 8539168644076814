"""dvc.yaml lists the code each stage runs, and the committed dvc.lock records it as committed.

A code change without `dvc repro` would make a fresh clone's `make repro` re-run stages
and dirty git; a module a stage runs but does not list would let an edit slip past DVC
(the stage would not re-run); a listed module it does not run would re-run it for nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import yaml

from tests.conftest import REPO_ROOT
from tests.repo.code_deps import DATASETS, closure, listed_deps

STAGES = yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())["stages"]
DATASET = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())["data"]["dataset"]


def stage_module(stage: dict) -> str:
    return stage["cmd"].removeprefix("python -m ").split()[0]


def test_every_code_dependency_in_dvc_lock_matches_the_file():
    """As `dvc status` sees it (a folder's hash leaves out what .dvcignore ignores)."""
    done = subprocess.run([sys.executable, "-m", "dvc", "status", "--json"], cwd=REPO_ROOT,
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = [
        f"{stage}: {path}"
        for stage, changes in json.loads(done.stdout).items()
        for change in changes
        if isinstance(change, dict)
        for path in change.get("changed deps", {})
        if path.startswith("src/")
    ]
    assert not stale, f"run `dvc repro` and commit dvc.lock; stale: {stale}"


def test_each_stage_runs_a_module_of_the_stages_package_one_hop_from_dvc_yaml():
    for name, stage in STAGES.items():
        assert stage_module(stage) == f"flight_delay.stages.{name}", name
        assert (REPO_ROOT / f"src/flight_delay/stages/{name}.py").is_file()


def code_dep_problems(stages: dict) -> list[str]:
    problems = []
    for name, stage in stages.items():
        runs = listed_deps(closure(REPO_ROOT / "src", stage_module(stage), DATASET))
        listed = {d for d in stage["deps"] if d.startswith("src/")}
        problems += [f"{name} runs {path} but does not list it" for path in sorted(runs - listed)]
        problems += [f"{name} lists {path} but does not run it" for path in sorted(listed - runs)]
    return problems


def test_each_stage_lists_exactly_the_code_it_runs():
    problems = code_dep_problems(STAGES)
    assert not problems, "\n".join(problems)


def test_a_module_a_stage_runs_but_does_not_list_is_caught():
    forgot = {**STAGES["prepare"]}
    forgot["deps"] = [d for d in forgot["deps"] if not d.endswith(("core/datacard.py", DATASETS))]
    extra = {**STAGES["train"], "deps": [*STAGES["train"]["deps"], "src/flight_delay/pr/gate.py"]}
    assert code_dep_problems({"prepare": forgot, "train": extra}) == [
        "prepare runs src/flight_delay/core/datacard.py but does not list it",
        f"prepare runs {DATASETS} but does not list it",
        "train lists src/flight_delay/pr/gate.py but does not run it",
    ]


def test_the_closure_follows_imports_inside_functions_and_the_dataset_named(tmp_path):
    src = tmp_path / "src"  # a copy, with a home that has a hook, whichever homes ship
    shutil.copytree(REPO_ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__"))
    home = "planted_home"
    (src / "flight_delay/datasets" / home).mkdir()
    (src / "flight_delay/datasets" / home / "hook.py").write_text("import pandas\n")
    train = {p.as_posix() for p in closure(src, "flight_delay.stages.train", home)}
    assert "src/flight_delay/infra/config.py" in train
    assert "src/flight_delay/infra/persistence.py" in train  # imported at module level
    assert f"src/flight_delay/datasets/{home}/hook.py" in train  # loaded by name at run time
    evaluate = closure(src, "flight_delay.stages.evaluate", DATASET)
    # log_model_run imports tracking only inside main(); tree_shap only inside a function
    assert {"src/flight_delay/infra/tracking.py", "src/flight_delay/core/tree_shap.py"} <= {
        p.as_posix() for p in evaluate
    }
    assert "src/flight_delay/__init__.py" not in train  # a package without code
