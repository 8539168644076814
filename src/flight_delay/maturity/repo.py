"""Small readers of a checkout: YAML, Makefile rules, workflows, Python sources (through
`ast`), git and the MLflow sqlite store. Each takes the repository root."""

from __future__ import annotations

import ast
import os
import re
import sqlite3
import tomllib
from pathlib import Path
from typing import Any

import yaml

from flight_delay.infra import dvc_lock
from flight_delay.infra.git import git_output
from flight_delay.infra.tracking import SQLITE

SHA_PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
MAKE_RULE = re.compile(r"^([A-Za-z0-9_.-]+)\s*:(?!=)([^#]*)")
GTO_TAG = re.compile(
    r"^(?P<name>[a-z0-9][a-z0-9/-]*)(@v\d+\.\d+\.\d+!?|@deprecated|#[\w-]+!?#\d+)$"
)


def read_yaml(path: Path) -> Any:
    # libyaml's loader when built: dvc.lock parses 8x faster, and several checks read it
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def params(root: Path) -> dict:
    return read_yaml(root / "params.yaml")


def pyproject(root: Path) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def dvc_stages(root: Path) -> dict:
    return read_yaml(root / "dvc.yaml")["stages"]


def lock_stages(root: Path) -> dict:
    return dvc_lock.stages(dvc_lock.read_lock(root / "dvc.lock"))


def model_artifact(root: Path, name: str) -> dict:
    """The `artifacts:` entry of dvc.yaml called `name` ({} when there is none)."""
    return read_yaml(root / "dvc.yaml").get("artifacts", {}).get(name, {})


def stage_module(stage: dict) -> str:
    """The source file a dvc.yaml stage runs (`python -m flight_delay.stages.x` -> its x.py)."""
    module = stage["cmd"].removeprefix("python -m ").split()[0]
    return f"src/{module.replace('.', '/')}.py"


def dataset_home(root: Path) -> str:
    """The folder of the dataset params.yaml names (`data.dataset`)."""
    return f"src/flight_delay/datasets/{params(root)['data']['dataset']}"


def stage_outputs(stage: dict) -> list[str]:
    """Paths of a stage's `outs` and `metrics`, whose entries are `path` or `{path: opts}`."""
    entries = [*stage.get("outs", []), *stage.get("metrics", [])]
    return [entry if isinstance(entry, str) else next(iter(entry)) for entry in entries]


def locked_md5(root: Path, stage: str, kind: str = "outs") -> dict[str, str]:
    return dvc_lock.recorded_md5s(dvc_lock.read_lock(root / "dvc.lock"), stage, kind)


def makefile_rules(root: Path) -> dict[str, str]:
    """Target -> its prerequisites (the first line) and recipe, as text."""
    rules: dict[str, str] = {}
    current = None
    for line in (root / "Makefile").read_text(encoding="utf-8").splitlines():
        match = MAKE_RULE.match(line)
        if match and not line.startswith(("\t", ".PHONY")):
            current = match.group(1)
            rules[current] = match.group(2)
        elif line.startswith("\t") and current:
            rules[current] += "\n" + line.strip()
        elif not line.strip():
            current = None
    return rules


def prerequisites(rules: dict[str, str], target: str) -> list[str]:
    return rules.get(target, "").split("\n")[0].split()


def missing_targets(root: Path, targets: tuple[str, ...]) -> list[str]:
    rules = makefile_rules(root)
    return [f"Makefile has no target `{t}`" for t in targets if t not in rules]


def workflows(root: Path) -> list[str]:
    return sorted(path.name for path in (root / ".github/workflows").glob("*.yml"))


def load_workflow(root: Path, name: str) -> dict:
    workflow = read_yaml(root / ".github/workflows" / name)
    workflow["on"] = workflow.pop(True, workflow.get("on")) or {}  # YAML 1.1 reads `on` as True
    return workflow


def workflow_steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def run_commands(workflow: dict) -> list[str]:
    return [step["run"].strip() for step in workflow_steps(workflow) if "run" in step]


def workflow_problems(root: Path, name: str) -> tuple[dict, list[str]]:
    """The workflow, and where it breaks the rules every workflow here keeps: read-only by
    default, no pull_request_target, actions pinned by commit SHA, each `run:` one make target."""
    workflow, rules = load_workflow(root, name), makefile_rules(root)
    problems = []
    if workflow.get("permissions") not in ({}, {"contents": "read"}):
        problems.append(f"{name}: top-level permissions are not read-only")
    if "pull_request_target" in workflow["on"]:
        problems.append(f"{name}: runs on pull_request_target")
    for step in workflow_steps(workflow):
        uses, command = step.get("uses"), step.get("run", "").strip()
        if uses and not SHA_PINNED.match(uses):
            problems.append(f"{name}: {uses} is not pinned by a 40-hex commit SHA")
        target = re.fullmatch(r"make ([\w-]+)", command)
        if "run" in step and not (target and target[1] in rules):
            problems.append(f"{name}: `{command}` is not one existing make target")
    return workflow, problems


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def test_functions(path: Path) -> set[str]:
    return {
        node.name
        for node in ast.walk(parse(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


def called_names(path: Path) -> set[str]:
    calls = (node.func for node in ast.walk(parse(path)) if isinstance(node, ast.Call))
    return {f.id if isinstance(f, ast.Name) else getattr(f, "attr", "") for f in calls}


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def git(root: Path, *args: str, stdin: str | None = None) -> str | None:
    """git's output in `root`, or None when root is not the top of a git work tree."""

    top = git_output("rev-parse", "--show-toplevel", root=root)
    if top is None or Path(top.strip()).resolve() != root.resolve():
        return None  # a folder inside another repository is not under version control
    return git_output(*args, root=root, stdin=stdin)


def tracked_files(root: Path, *paths: str) -> set[str] | None:
    listed = git(root, "ls-files", "-z", *paths)
    return None if listed is None else set(filter(None, listed.split("\0")))


def gto_tags(root: Path, artifact: str) -> str:
    """A line about the GTO tags of `artifact` in this clone (informational)."""
    listed = git(root, "tag", "--list")
    if listed is None:
        return "tags: no git repository"
    events = [m for m in map(GTO_TAG.match, listed.split()) if m and m["name"] == artifact]
    if not events:
        return "no GTO tags in this clone yet (a fresh clone has none)"
    versions = sum(1 for m in events if m.group(2).startswith("@v"))
    return f"GTO tags: {versions} version(s), {len(events) - versions} stage event(s)"


def mlflow_store(root: Path) -> Path | str:
    """The local sqlite store the pipeline tracks into, or why it is not read."""
    uri = os.environ.get("MLFLOW_TRACKING_URI") or params(root)["tracking"]["default_uri"]
    if not uri.startswith(SQLITE):
        return f"the tracking store is a {uri.split(':', 1)[0]} server: not queried (no network)"
    path = Path(uri.removeprefix(SQLITE))
    path = path if path.is_absolute() else root / path
    if not path.is_file():
        return f"no MLflow store ({path.name}): a fresh clone has none until `make repro`"
    return path


def active_runs(store: Path) -> int:
    return query_store(store, "SELECT COUNT(*) FROM runs WHERE lifecycle_stage = 'active'")[0][0]


def query_store(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as connection:
        return connection.execute(sql).fetchall()
