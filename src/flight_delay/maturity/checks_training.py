"""Checks of levels 0-2: explanations, DevOps (version control, CI, validated data) and
automated training. Each reads the checkout at `root` and says pass, fail or skip."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from flight_delay.infra.io import file_md5, path_md5
from flight_delay.infra.params import compose_params, differing_keys
from flight_delay.infra.paths import GROUP_IMPORTANCE_FILE, SHAP_IMPORTANCE_FILE, VALIDATION_REPORT
from flight_delay.maturity import repo
from flight_delay.maturity.result import CheckResult, not_met, verdict

EXPLANATIONS = {
    SHAP_IMPORTANCE_FILE.as_posix(): ("feature", "mean_abs_shap"),
    GROUP_IMPORTANCE_FILE.as_posix(): ("group", "importance_mean"),
}


def check_explanations(root: Path) -> CheckResult:
    evaluate = repo.dvc_stages(root)["evaluate"]
    problems = [
        f"evaluate does not write {p}"
        for p in EXPLANATIONS
        if p not in repo.stage_outputs(evaluate)
    ]
    code = ("src/flight_delay/core/explanations.py", "src/flight_delay/core/importance.py")
    problems += [f"evaluate does not depend on {p}" for p in code if p not in evaluate["deps"]]
    recorded = repo.locked_md5(root, "evaluate")
    rows = []
    for path, columns in EXPLANATIONS.items():
        with (root / path).open(newline="", encoding="utf-8") as handle:
            table = list(csv.DictReader(handle))
        rows.append(len(table))
        if not table or not set(columns) <= set(table[0]):
            problems.append(f"{path} has no rows with columns {', '.join(columns)}")
        if recorded.get(path) != file_md5(root / path):
            problems.append(f"{path} is not the file evaluate recorded in dvc.lock")
    return verdict(
        problems,
        f"SHAP for {rows[0]} features, importance of {rows[1]} feature groups, "
        "as evaluate recorded them in dvc.lock",
    )


PIPELINE_FILES = ("Makefile", "dvc.yaml", "dvc.lock", "params.yaml", "uv.lock", "pyproject.toml")


def check_version_control(root: Path) -> CheckResult:
    tracked = repo.tracked_files(root)
    if tracked is None:
        return CheckResult("fail", f"{root.name or root} is not the top of a git work tree")
    modules = [repo.stage_module(stage) for stage in repo.dvc_stages(root).values()]
    conf = [p.relative_to(root).as_posix() for p in sorted((root / "conf").rglob("*.yaml"))]
    required = [
        *PIPELINE_FILES,
        *modules,
        *conf,
        *(f".github/workflows/{w}" for w in repo.workflows(root)),
    ]
    problems = [f"{path} is not in git" for path in required if path not in tracked]
    return verdict(
        problems,
        f"{len(required)} files that define the pipeline, its config, "
        f"stages and workflows are in git ({len(tracked)} tracked)",
    )


def check_ci(root: Path) -> CheckResult:
    workflow, problems = repo.workflow_problems(root, "ci.yml")
    on = workflow["on"]
    if "pull_request" not in on or "main" not in (on.get("push") or {}).get("branches", []):
        problems.append("ci.yml does not run on every PR and on push to main")
    commands = repo.run_commands(workflow)
    needed = ("make install", "make lint", "make test")
    problems += [f"ci.yml does not run `{c}`" for c in needed if c not in commands]
    steps = ", ".join(c.removeprefix("make ") for c in commands)
    return verdict(
        problems, f"ci.yml on push to main and every PR: make {steps}; actions pinned by SHA"
    )


def check_data_validation(root: Path) -> CheckResult:
    stages = repo.dvc_stages(root)
    problems = [
        f"dvc.yaml has no stage {s}" for s in ("ingest", "validate", "prepare") if s not in stages
    ]
    if not problems:
        home = repo.dataset_home(root)
        deps = [f"{dep}/" for dep in stages["validate"]["deps"]]
        # a dependency on the home, on a file in it, or on a folder around it
        covers = [d for d in deps if d.startswith(f"{home}/") or f"{home}/".startswith(d)]
        if not covers:
            problems.append(f"validate does not depend on the dataset's code in {home}")
        if VALIDATION_REPORT.as_posix() not in stages["prepare"]["deps"]:
            problems.append(f"prepare does not wait for {VALIDATION_REPORT}")
    report = json.loads((root / VALIDATION_REPORT).read_text(encoding="utf-8"))
    if "passed" not in report:
        problems.append(f"{VALIDATION_REPORT} has no verdict")
    last = "passed" if report.get("passed") else "FAILED"
    return verdict(
        problems,
        "ingest -> validate (the dataset's pandera schemas) -> prepare; "
        f"last run: {len(report.get('tables', {}))} tables, {last}",
    )


def check_training_pipeline(root: Path) -> CheckResult:
    stages, lock = repo.dvc_stages(root), repo.lock_stages(root)
    problems = [f"dvc.yaml has no stage {s}" for s in ("train", "evaluate") if s not in stages]
    for name, stage in stages.items():
        if not (root / repo.stage_module(stage)).is_file():
            problems.append(f"stage {name}: `{stage['cmd']}` has no module")
        if name not in lock:
            problems.append(f"stage {name} is not in dvc.lock (never run)")
    code = [
        (s, d) for s, e in lock.items() for d in e.get("deps", []) if d["path"].startswith("src/")
    ]
    stale = [
        f"{stage}: {dep['path']}"
        for stage, dep in code
        if not (root / dep["path"]).exists() or path_md5(root / dep["path"]) != dep.get("md5")
    ]
    if stale:
        problems.append(f"dvc.lock is stale for {', '.join(stale)}: run `dvc repro`")
    problems += repo.missing_targets(root, ("repro",))
    return verdict(
        problems,
        f"{len(stages)} DVC stages, all in dvc.lock; its {len(code)} code hashes match the files",
    )


def check_params_composed(root: Path) -> CheckResult:
    composed = compose_params(root / "conf")
    on_disk = (root / "params.yaml").read_text(encoding="utf-8")
    problems = []
    if on_disk != composed:
        keys = ", ".join(differing_keys(composed, on_disk)) or "formatting"
        problems.append(f"params.yaml differs from conf/ in {keys}: run `make params`")
    if "make check-params" not in repo.run_commands(repo.load_workflow(root, "ci.yml")):
        problems.append("ci.yml does not run make check-params")
    return verdict(problems, "params.yaml is the composition of conf/; CI checks it")


def check_tracking(root: Path) -> CheckResult:
    problems = [] if repo.params(root)["tracking"]["enabled"] else ["tracking.enabled is false"]
    if "log_model_run" not in repo.called_names(root / "src/flight_delay/stages/evaluate.py"):
        problems.append("stages/evaluate.py logs no MLflow run")
    if problems:
        return verdict(problems, "")
    store = repo.mlflow_store(root)
    if isinstance(store, str):
        return CheckResult("skip", store)
    if not (runs := repo.active_runs(store)):
        return CheckResult("skip", f"{store.name} holds no runs yet")
    # runs the pipeline logged carry the model's hash; on a fresh clone `evaluate` may be
    # skipped (the rebuilt model is identical), so test metrics are counted, not required
    ((tagged,),) = repo.query_store(
        store,
        """SELECT COUNT(DISTINCT t.run_uuid) FROM tags t JOIN runs r ON r.run_uuid = t.run_uuid
        WHERE t.key = 'model_md5' AND r.lifecycle_stage = 'active'""",
    )
    ((measured,),) = repo.query_store(
        store,
        """SELECT COUNT(DISTINCT m.run_uuid) FROM metrics m JOIN runs r ON r.run_uuid = m.run_uuid
        WHERE m.key LIKE 'test_%' AND r.lifecycle_stage = 'active'""",
    )
    problems = [] if tagged else [f"none of the {runs} runs in {store.name} has a model_md5 tag"]
    return verdict(
        problems, f"{store.name}: {runs} runs, {tagged} with lineage, {measured} with test metrics"
    )


SCORING_CODE = ("operate/serve.py", "operate/predict.py", "operate/served_model.py",
                "operate/fast_scoring.py", "core/feature_rules.py")  # fmt: skip


def check_versioned_models(root: Path) -> CheckResult:
    name = repo.params(root)["registry"]["artifact"]
    artifact = repo.model_artifact(root, name)
    problems = [] if artifact.get("type") == "model" else [f"dvc.yaml declares no model {name}"]
    model = artifact.get("path", "")
    md5 = repo.locked_md5(root, "train").get(model)
    if not md5:
        problems.append(f"dvc.lock records no {model or 'model'} for train")
    tracked = repo.tracked_files(root, "src/flight_delay") or set()
    problems += [
        f"{m} is not in git" for m in SCORING_CODE if f"src/flight_delay/{m}" not in tracked
    ]
    return verdict(
        problems,
        f"artifact {name} = {model} (md5 {(md5 or '')[:8]} in dvc.lock); "
        "scoring code in git, tested against the model",
    )


DATA_STAGES = ("ingest", "prepare", "featurize")


def check_data_versioning(root: Path) -> CheckResult:
    config = (root / ".dvc/config").read_text(encoding="utf-8")
    remote = re.search(r"^\s*remote\s*=\s*(\S+)", config, re.MULTILINE)
    name = remote.group(1) if remote else None
    problems = [] if name else [".dvc/config names no default remote"]
    if name and f'remote "{name}"' not in config:
        problems.append(f"the default remote {name} is not configured")
    hashed = 0
    for stage in DATA_STAGES:
        data = [
            md5 for path, md5 in repo.locked_md5(root, stage).items() if path.startswith("data/")
        ]
        hashed += sum(map(bool, data))
        if not any(data):
            problems.append(f"dvc.lock records no data output of {stage}")
    return verdict(
        problems,
        f"dvc.lock hashes {hashed} data outputs of {', '.join(DATA_STAGES)}; "
        f"default remote `{name}`",
    )


def check_locked_environment(root: Path) -> CheckResult:
    packages = (root / "uv.lock").read_text(encoding="utf-8").count("[[package]]")
    problems = [] if packages else ["uv.lock pins no packages"]
    if "requires-python" not in repo.pyproject(root):
        problems.append("pyproject.toml sets no requires-python")
    rules = repo.makefile_rules(root)
    if "sync --locked" not in rules.get("install", ""):
        problems.append("make install does not run `uv sync --locked`")
    used = {
        c.split()[1]
        for w in repo.workflows(root)
        for c in repo.run_commands(repo.load_workflow(root, w))
    }
    exempt = {"install", "install-cml"}  # install-cml needs only npm
    bare = sorted(t for t in used - exempt if "install" not in repo.prerequisites(rules, t))
    problems += [f"make {t} (a workflow step) does not depend on install" for t in bare]
    return verdict(
        problems,
        f"uv.lock pins {packages} packages; make install = uv sync --locked, and the "
        f"{len(used)} make targets the workflows run go through it",
    )


FEATURE_STORES = ("feast", "hopsworks", "featureform", "tecton")


def check_feature_store(root: Path) -> CheckResult:
    dependencies = repo.pyproject(root).get("dependencies", [])
    found = [d for d in dependencies if d.lower().startswith(FEATURE_STORES)]
    found += [p.name for p in root.glob("feature_store.y*ml")]
    return not_met(
        found, "features are parquet files from featurize; the service is sent feature values"
    )
