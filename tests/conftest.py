"""Shared helpers: the repo root, a scratch copy of the repo, and running DVC in it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from flight_delay.infra.params import edit_conf

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
# The model's name in the registry (git tags, MLflow), as conf/registry/default.yaml and
# dvc.yaml's `artifacts:` name it: a project that renames it keeps its tests.
ARTIFACT = yaml.safe_load((REPO_ROOT / "conf/registry/default.yaml").read_text())["artifact"]


# Tests run on two workers (make test): a process with an OpenMP pool of 2 beside another
# busy process spins and crawls (HistGradientBoosting), so each process gets one thread.
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


@pytest.fixture(autouse=True, scope="session")
def one_thread():
    """The same for the models the tests fit in their own process."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


# The slowest modules, slowest first: with `make test`'s workers (--dist loadscope
# --no-loadscope-reorder) they start at once instead of ending the run alone.
SLOWEST_FIRST = [
    "tests/e2e/test_promotion.py", "tests/e2e/test_pipeline.py", "tests/e2e/test_simulate.py",
    "tests/team/test_team_mode.py", "tests/template/test_new_project.py",
    "tests/e2e/test_bad_input.py", "tests/e2e/test_report.py", "tests/e2e/test_retrain.py",
    "tests/e2e/test_labels_and_sharing.py", "tests/e2e/test_breast_cancer.py",
    "tests/e2e/test_serve.py", "tests/data/nycflights13/test_eda_notebook.py",
]  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: index for index, path in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable


def scratch_env(repo: Path) -> dict[str, str]:
    """The environment of commands in a scratch repo: the test's interpreter, running the
    repo's own code (`PYTHONPATH`: its src/ before the editable install), its own MLflow
    store, no analytics, one thread per process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_", "GIT_"))}
    return env | {
        "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        "PYTHONPATH": str(repo / "src"),
        **ONE_THREAD,
        "DVC_NO_ANALYTICS": "1",
        "ITERATIVE_DO_NOT_TRACK": "1",
        "MLFLOW_TRACKING_URI": f"sqlite:///{repo / 'mlflow.db'}",
        "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }  # fmt: skip


def run(
    repo: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`args` in `repo` with scratch_env, plus `env` (team servers' variables, say)."""
    done = subprocess.run(
        list(args), cwd=repo, env=scratch_env(repo) | (env or {}), capture_output=True, text=True
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def make(
    repo: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # UV=true RUN= : use the test's interpreter (first on PATH) instead of a new .venv
    return run(repo, "make", "--no-print-directory", *args, "UV=true", "RUN=", check=check, env=env)


def repro_and_commit(
    repo: Path, message: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`dvc repro`, then commit everything it changed; returns what `dvc repro` printed."""
    done = run(repo, "dvc", "repro", env=env)
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", message)
    return done


def ran_stages(done: subprocess.CompletedProcess[str]) -> set[str]:
    return set(re.findall(r"Running stage '([\w-]+)'", done.stdout + done.stderr))


def make_scratch_repo(
    target: Path,
    conf_changes: dict[str, dict] | None = None,
    dataset: str | None = None,
    compose: bool = True,
) -> Path:
    """A copy of the repo's files (tracked and new, not ignored) in a fresh git repo, with
    `conf_changes` (conf/ file -> keys) and `dataset` chosen whatever the repo's
    conf/config.yaml chooses (None: as it chooses), params.yaml composed from it unless
    `compose` is False (the caller changes conf/ further and composes itself). The
    machinery's tests use tests/synthetic.scratch_repo, the tests' own dataset, instead."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    if dataset is not None:
        choose_dataset(target / "conf", dataset)
    for name, changes in (conf_changes or {}).items():
        edit_conf(target / "conf" / name, changes)
    if compose:
        compose_into(target)
    run(target, "git", "init", "-q", "-b", "main")
    run(target, "git", "add", "-A")
    run(target, "git", "commit", "-qm", "scratch copy")
    return target


def compose_into(repo: Path) -> None:
    """params.yaml from the repo's conf/, as `make params` writes it, so that the commands
    that read params.yaml (serve, simulate, ...) see what conf/ says before any repro."""
    run(repo, sys.executable, "-m", "flight_delay.stages.compose", "--force")


def choose_engine(
    repo: Path, kind: str, model: str = "lightgbm", partition_rows: int = 1000
) -> None:
    """conf/config.yaml chooses the engine `kind` and the model (lightgbm: the one that
    trains on both), conf/engine/dask.yaml `partition_rows` (small: several per split)."""
    import re

    from flight_delay.infra.params import edit_conf

    config = repo / "conf/config.yaml"
    text = re.sub(r"- engine: \w+", f"- engine: {kind}", config.read_text())
    config.write_text(re.sub(r"- model: \w+", f"- model: {model}", text))
    edit_conf(repo / "conf/engine/dask.yaml", {"partition_rows": partition_rows})


def choose_dataset(conf: Path, name: str) -> None:
    """Make conf/config.yaml choose the dataset spec conf/dataset/<name>.yaml."""
    from flight_delay.infra.params import choose_dataset as choose

    choose(conf, name)


def lock_hashes(repo: Path) -> dict[str, str]:
    """`stage:path` -> md5 of every output recorded in dvc.lock."""
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    return {
        f"{stage}:{out['path']}": out["md5"]
        for stage, entry in lock["stages"].items()
        for out in entry.get("outs", [])
    }


def lock_stage(repo: Path, stage: str) -> dict:
    return yaml.safe_load((repo / "dvc.lock").read_text())["stages"][stage]


def spec_config(spec: str):
    """The configuration with the dataset spec conf/dataset/<spec>.yaml chosen, whatever
    conf/config.yaml chooses: a dataset's own tests (tests/data, tests/model) use it."""
    from flight_delay.infra.config import parse_config
    from flight_delay.infra.params import compose_params

    return parse_config(yaml.safe_load(compose_params(REPO_ROOT / "conf", (f"dataset={spec}",))))
